"""Bearer tokens: a username and password in, a signed token out (throttled like the login)."""

from __future__ import annotations

from flask import current_app, request

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import PermissionDenied, ThrottledError, ValidationError
from merchant_onboard.services import authentication
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import json_body
from merchant_onboard.web.api.openapi import operation, problems, response
from merchant_onboard.web.api.schemas import Token, TokenRequest, TokenUser
from merchant_onboard.web.errors import domain_problem, problem
from merchant_onboard.web.i18n import translate_error
from merchant_onboard.web.security import issue_token, login_limits


@bp.post("/tokens")
def create_token():
    body = json_body(TokenRequest)
    config = current_app.config
    try:
        user = authentication.authenticate(
            get_session(), username=body.username, password=body.password,
            address=request.remote_addr or "unknown", limits=login_limits())
    except (ThrottledError, PermissionDenied) as exc:
        # Throttled (with Retry-After), or the right password for a locked login.
        return domain_problem(exc)
    except ValidationError as exc:
        # A wrong password is an authentication failure, not a form to correct.
        return problem(401, "Unauthorized", translate_error(exc))
    token = Token(token=issue_token(user), token_type="Bearer",
                  expires_in=config["API_TOKEN_MAX_AGE"],
                  user=TokenUser(id=user.id, username=user.username,
                                 display_name=user.display_name, role=user.role,
                                 must_change_password=user.must_change_password))
    # RFC 6749 §5.1: no cache may keep a credential.
    return token.body(), 201, {"Cache-Control": "no-store"}


OPENAPI_PATHS = {
    "/tokens": {"post": operation(
        "Get a bearer token", tag="auth", public=True, body=TokenRequest,
        description="Failed attempts are throttled per username and address, per username "
                    "(a growing delay) and per address; a locked login is told so (403).",
        responses={"201": response("A token for the `Authorization: Bearer …` header.", Token),
                   **problems(400, 401, 403, 422, 429)})},
}
