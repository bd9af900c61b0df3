"""Login sessions, API bearer tokens, CSRF and the security headers of every response."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from merchant_onboard.db import get_session
from merchant_onboard.extensions import csrf, login_manager
from merchant_onboard.models import User
from merchant_onboard.services.users import get_active_user

_TOKEN_SALT = "merchant-onboard-api-token"

# Everything a page needs is served by the app (no CDN); images may be data: URLs (QR
# previews) or blob: (the photo a volunteer is about to upload). 'wasm-unsafe-eval' lets the
# QR reader compile the app's own ZXing WebAssembly (it allows no JavaScript eval).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; "
    "form-action 'self'"
)


def issue_token(user: User) -> str:
    """A signed bearer token naming the user; valid for API_TOKEN_MAX_AGE seconds.

    Stateless, so any worker verifies it; deactivating the user stops it at once because
    every request loads the user again.
    """
    return _serializer().dumps({"uid": user.id, "pw": _password_stamp(user)})


def user_from_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    user = get_active_user(get_session(), int(data.get("uid", 0)))
    # A password change ends the tokens issued before it.
    if user is None or not hmac.compare_digest(_password_stamp(user), str(data.get("pw"))):
        return None
    return user


def _password_stamp(user: User) -> str:
    """Changes whenever the password does, without putting any of its hash in the token:
    a signed token is readable by whoever holds it."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def _load_user(user_id: str) -> User | None:
    try:
        return get_active_user(get_session(), int(user_id))
    except ValueError:
        return None


def _load_user_from_request(req) -> User | None:
    if "api_user" in g:
        # An API view checked the token already (api.common.token_required): the same user,
        # without verifying and loading it a second time for the response headers.
        return g.api_user
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_from_token(header[7:].strip())
    return None


_SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                     ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                     ("Referrer-Policy", "same-origin"))
# Pages with personal data must not be kept by shared phones' caches.
_PRIVATE = (("Cache-Control", "private, no-store"),)


def _security_headers(response: Response) -> Response:
    # What a view set itself stays (a poster's own cache rule, say). A static file is the same
    # for everyone and personal to no one: asking whether someone is signed in would load the
    # user (a database query) for every script and font.
    signed_in = request.endpoint != "static" and current_user and getattr(
        current_user, "is_authenticated", False)
    for name, value in _SECURITY_HEADERS + _PRIVATE if signed_in else _SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "strong" would log volunteers out whenever their mobile network changes address.
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_request)
    app.after_request(_security_headers)
