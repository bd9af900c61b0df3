"""Small helpers shared by the HTML forms: request ids and the posted values."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request



def new_client_id() -> str:
    """A fresh idempotency key, rendered into each form so a double tap writes once."""
    return str(uuid.uuid4())


def posted() -> dict[str, Any]:
    """The submitted form as a plain dict (single values; checkboxes present as "on")."""
    return {key: request.form.get(key) for key in request.form}

