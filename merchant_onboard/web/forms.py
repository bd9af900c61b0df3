"""Small helpers shared by the HTML forms: request ids, the posted values, and what an edit
form showed (``domain.edits``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from flask import request

from merchant_onboard.domain.edits import ChangedMeanwhile
from merchant_onboard.domain.errors import DomainError, FormErrors

#: The prefix of an edit form's hidden fields holding what it showed (``_macros.shown``).
SHOWN = "shown."


def new_client_id() -> str:
    """A fresh idempotency key, rendered into each form so a double tap writes once."""
    return str(uuid.uuid4())


def posted() -> dict[str, Any]:
    """The submitted form as a plain dict (single values; checkboxes present as "on")."""
    return {key: request.form.get(key) for key in request.form}


def shown_on_page(fields: Iterable[str]) -> dict[str, Any] | None:
    """The values an edit form showed for ``fields``, or None from a form that did not say
    (a page kept on a phone from before): it is then judged as the API's PATCH is."""
    shown = {field: request.form[SHOWN + field] for field in fields
             if SHOWN + field in request.form}
    return shown or None


def seen_now(shown: Mapping[str, Any] | None, error: DomainError) -> dict[str, Any] | None:
    """What the form has shown once it says a conflict: the value each field has now (the
    message named it), so that sending the person's value again takes it."""
    found = error.errors if isinstance(error, FormErrors) else [error]
    now = {e.field: "" if e.now is None else e.now for e in found
           if isinstance(e, ChangedMeanwhile) and e.field}
    return {**(shown or {}), **now} if now else shown
