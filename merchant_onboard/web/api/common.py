"""What every API view shares: bearer-token auth, JSON bodies, idempotency keys, problems.

The API accepts only bearer tokens, never the session cookie: it is exempt from CSRF, so a
cookie would let any site post on a logged-in volunteer's behalf.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _

from merchant_onboard.domain.errors import N_, DomainError, FormErrors, ValidationError
from merchant_onboard.models import User
from merchant_onboard.web.errors import problem
from merchant_onboard.web.security import user_from_token

F = TypeVar("F", bound=Callable[..., Any])

#: JSON Schema type names → the Python types ``json.loads`` gives for them.
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool,
    "object": dict, "array": list, "null": type(None),
}


def token_required(view: F) -> F:
    """Run ``view`` only for a valid bearer token; ``api_user()`` is then its user."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        user = user_from_token(header[7:].strip()) if header.startswith("Bearer ") else None
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


def json_body(schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The request's JSON object, checked against the request ``schema`` of the OpenAPI
    document when given, or a 4xx domain error the error handler turns into a problem."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(N_("Nội dung yêu cầu phải là một đối tượng JSON."))
    if schema is not None:
        check_shape(data, schema)
    return data


def check_shape(data: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Raise FormErrors naming every missing, unknown or wrongly typed top-level field.

    Only the shape: what the values mean is the services' to check. A number where an account
    number belongs would lose its leading zeros, so a wrong type is refused, not coerced.
    """
    errors: list[ValidationError] = []
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if data.get(name) is None:
            errors.append(ValidationError(N_("Trường này bắt buộc."), field=name))
    for name, value in data.items():
        spec = properties.get(name)
        if spec is None:
            if schema.get("additionalProperties") is False:
                errors.append(ValidationError(N_("Trường này không được hỗ trợ."), field=name))
            continue
        types = spec.get("type", ())
        types = [types] if isinstance(types, str) else list(types)
        if value is not None and types and not any(_is_json_type(value, t) for t in types):
            errors.append(ValidationError(N_("Sai kiểu dữ liệu: cần %(type)s."), field=name,
                                          type=" | ".join(types)))
    if errors:
        raise FormErrors(errors)


def _is_json_type(value: Any, name: str) -> bool:
    # bool is an int subclass in Python, but true is not a number in JSON.
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _JSON_TYPES.get(name, object))


def query_int(name: str, *, default: int, low: int, high: int) -> int:
    """The integer query argument ``name`` within [low, high], or a ValidationError naming it."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError
    except ValueError:
        raise ValidationError(N_("Nhập số nguyên từ %(low)s đến %(high)s."), field=name,
                              low=low, high=high) from None
    return value


def client_id(body: dict[str, Any]) -> str:
    """The idempotency key: the ``Idempotency-Key`` header, else ``client_id``, else a new one."""
    key = request.headers.get("Idempotency-Key") or body.get("client_id")
    return str(key) if key else str(uuid.uuid4())


def replayable(payload: dict[str, Any], created: bool,
               location: str | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """201 for a new record, 200 when a retry is answered with the first result."""
    headers = {"Location": location} if location else {}
    return payload, 201 if created else 200, headers
