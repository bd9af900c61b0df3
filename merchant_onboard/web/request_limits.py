"""What the app refuses in a request before any view reads it.

- JSON bodies nested deeper than ``MAX_JSON_DEPTH``: the parser's own recursion would end in a
  ``RecursionError`` (a 500), and so would any code walking such a value afterwards.
- JSON objects naming a member twice (I-JSON, RFC 7493, forbids it): parsers disagree on which
  one counts (Python's takes the last, others the first), so a proxy or a log reading
  ``"role": "volunteer"`` could pass a request the app read as ``"role": "manager"``.
- NUL characters and unpaired surrogates anywhere in the path, the query, a form or a JSON
  body: no database column can store them (PostgreSQL refuses NUL outright) and no person
  types them. Refused with a 400 before a query can carry them; the domain's ``clean_text``
  refuses the other control characters field by field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

#: Deeper than any request of the API (objects of lists of objects at most).
MAX_JSON_DEPTH = 32

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing too deeply nested documents and repeated member names as
    malformed (a 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, object_pairs_hook=_unique_members, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deeply")
        return value


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("JSON object names a member twice")
    return members


def _depth_exceeds(value: Any, limit: int) -> bool:
    # Iterative, so the check itself cannot recurse too deep.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class UnstorableText(BadRequest):
    description = "The request holds a NUL character or an unpaired surrogate."


def refuse_unstorable_text() -> None:
    """Before every request: a 400 for text no column can hold."""
    texts = [request.path, *request.args.values(), *request.args.keys()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.values(), *request.form.keys()]
    if request.is_json:
        texts += _strings(request.get_json(silent=True))
    # A multipart part without a name has the key None.
    if any(isinstance(text, str) and _UNSTORABLE.search(text) for text in texts):
        raise UnstorableText()


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_unstorable_text)
