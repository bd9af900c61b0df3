"""What every API view shares: bearer-token auth, JSON bodies and query strings checked with
their models (``web/api/schemas.py``), idempotency keys, problems.

The API accepts only bearer tokens, never the session cookie: it is exempt from CSRF, so a
cookie would let any site post on a logged-in volunteer's behalf.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
import pydantic_core
from flask import g, request
from flask_babel import gettext as _
from pydantic import BaseModel

from merchant_onboard.domain.errors import N_, DomainError, FormErrors, ValidationError
from merchant_onboard.models import User
from merchant_onboard.web.errors import problem
from merchant_onboard.web.security import bearer_token, user_from_token

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)


def token_required(view: F) -> F:
    """Run ``view`` only for a valid bearer token; ``api_user()`` is then its user."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        token = bearer_token(request.headers.get("Authorization", ""))
        user = user_from_token(token) if token else None
        if user is None:
            response = problem(401, "Unauthorized", _(
                "Cần mã truy cập (bearer token) hợp lệ: lấy mã qua POST /api/v1/tokens."))
            response.headers["WWW-Authenticate"] = 'Bearer realm="merchant_onboard"'
            return response
        if user.must_change_password and request.endpoint != _PASSWORD_CHANGE:
            # After a reset, the temporary password is good for choosing a new one only.
            return problem(403, "Forbidden", _(
                "Cần đổi mật khẩu tạm trước: POST /api/v1/users/me/password."))
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_PASSWORD_CHANGE = "api.change_my_password"


def api_user() -> User:
    return g.api_user


def json_body(model: type[M]) -> M:
    """The request's JSON object as ``model`` (``web/api/schemas.py``), or a 4xx domain error
    the error handler turns into a problem."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(N_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return validated(model, data)


def query_args(model: type[M]) -> M:
    """The query string as ``model``; an empty argument counts as not given."""
    return validated(model, {name: value for name, value in request.args.items()
                             if value.strip()})


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``, or FormErrors naming each wrong field once, in Vietnamese."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        found: dict[str | None, ValidationError] = {}
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else None
            found.setdefault(field, _field_error(model, field, item))
        raise FormErrors(list(found.values())) from None


def _field_error(model: type[BaseModel], field: str | None,
                 item: pydantic_core.ErrorDetails) -> ValidationError:
    kind = item["type"]
    if kind == "extra_forbidden":
        return ValidationError(N_("Trường này không được hỗ trợ."), field=field)
    if kind == "missing" or (item["input"] is None and len(item["loc"]) == 1):
        return ValidationError(N_("Trường này bắt buộc."), field=field)
    message = getattr(model, "messages", {}).get(field)
    if message:
        return ValidationError(message, field=field)
    schema = _properties(model).get(field or "", {})
    if "integer" in _json_types(schema) and {"minimum", "maximum"} <= schema.keys():
        return ValidationError(N_("Nhập số nguyên từ %(low)s đến %(high)s."), field=field,
                               low=schema["minimum"], high=schema["maximum"])
    if len(item["loc"]) > 1 and "items" in schema:
        schema = schema["items"]  # a wrong item of a list: say what an item is
    return ValidationError(N_("Sai kiểu dữ liệu: cần %(type)s."), field=field,
                           type=" | ".join(_json_types(schema)) or "?")


@functools.cache
def _properties(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()["properties"]


def _json_types(schema: dict[str, Any]) -> list[str]:
    """The JSON types a property's schema allows."""
    if "anyOf" in schema:
        return [t for branch in schema["anyOf"] for t in _json_types(branch)]
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def client_id(sent: str | None) -> str:
    """The idempotency key: the ``Idempotency-Key`` header, else the ``client_id`` sent, else
    a new one."""
    key = request.headers.get("Idempotency-Key") or sent
    return str(key) if key else str(uuid.uuid4())


def replayable(payload: dict[str, Any], created: bool,
               location: str | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """201 for a new record, 200 when a retry is answered with the first result."""
    headers = {"Location": location} if location else {}
    return payload, 201 if created else 200, headers
