"""Problem details (RFC 9457): the body of every JSON error answer, API or not.

Described by a pydantic model, as the API's answers are (``web/api/schemas.py`` re-exports it
and the OpenAPI document is generated from it), and built from that model by
``web/errors.problem``. It lives outside ``web/api`` because the error handlers of every page
use it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


def omitted(**kwargs: Any) -> Any:
    """An answer's field (``T | None``) that is left out, rather than null, without a value."""
    return Field(None, exclude_if=lambda value: value is None, json_schema_extra=_never_null,
                 **kwargs)


def _never_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = [b for b in schema.pop("anyOf", ()) if b != {"type": "null"}]
    if branches:
        schema.update(branches[0])


class Problem(BaseModel):
    """RFC 9457 problem details: every 4xx and 5xx answer in JSON."""

    type: str
    status: int
    title: str
    detail: str | None = omitted()
    errors: dict[str, list[str]] | None = omitted(
        description="Messages per field; the key \"\" holds the others.")
    existing_id: int | None = omitted(description="On 409: the id of the stall already holding it.")
