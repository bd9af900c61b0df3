"""What every API view shares: bearer-token auth, JSON bodies, idempotency keys, problems.

The API accepts only bearer tokens, never the session cookie: it is exempt from CSRF, so a
cookie would let any site post on a logged-in volunteer's behalf.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from merchant_onboard.domain.errors import N_, DomainError
from merchant_onboard.models import User
from merchant_onboard.web.errors import problem
from merchant_onboard.web.security import user_from_token

F = TypeVar("F", bound=Callable[..., Any])


def token_required(view: F) -> F:
    """Run ``view`` only for a valid bearer token; ``api_user()`` is then its user."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        user = user_from_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            response = problem(401, "Unauthorized",
                               "A valid bearer token is required: POST /api/v1/tokens.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="merchant_onboard"'
            return response
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def api_user() -> User:
    return g.api_user


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx domain error the error handler turns into a problem."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(N_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def client_id(body: dict[str, Any]) -> str:
    """The idempotency key: the ``Idempotency-Key`` header, else ``client_id``, else a new one."""
    key = request.headers.get("Idempotency-Key") or body.get("client_id")
    return str(key) if key else str(uuid.uuid4())


def replayable(payload: dict[str, Any], created: bool) -> tuple[dict[str, Any], int]:
    """201 for a new record, 200 when a retry is answered with the first result."""
    return payload, 201 if created else 200
