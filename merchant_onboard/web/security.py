"""Login sessions, API bearer tokens, CSRF and the security headers of every response."""

from __future__ import annotations

from datetime import date

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user, login_remembered, login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from merchant_onboard.extensions import csrf, login_manager
from merchant_onboard.models import User
from merchant_onboard.services.authentication import LoginLimits
from merchant_onboard.web.market_entry import load_active_user

_TOKEN_SALT = "merchant-onboard-api-token"
_RESET_SALT = "merchant-onboard-password-reset"

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
    """A signed bearer token naming the user and their session generation; valid for
    API_TOKEN_MAX_AGE seconds.

    Stateless, so any worker verifies it; a lock, logout, password change or reset raises the
    user's generation, which ends it at once because every request loads the user again.
    """
    return _serializer().dumps({"uid": user.id, "ep": user.session_epoch})


def user_from_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = load_active_user(data["uid"])
    if user is None or user.session_epoch != data.get("ep"):
        return None
    return user


def _serializer(salt: str = _TOKEN_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def reset_link_token(user: User) -> str:
    """The token of a one-time reset link for ``user``, just reset: it names the generation
    the reset left, so choosing a password (which raises it) or another reset ends it."""
    return _serializer(_RESET_SALT).dumps({"uid": user.id, "ep": user.session_epoch})


def reset_link_user(token: str) -> tuple[int, int] | None:
    """(user id, generation) of a reset link still within PASSWORD_RESET_MAX_AGE."""
    try:
        data = _serializer(_RESET_SALT).loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("uid", "ep")):
        return None
    return data["uid"], data["ep"]


def _load_user(user_id: str) -> User | None:
    """The user of a session or remember cookie: ``User.get_id()``, "id:generation", names
    the generation it was issued under, and only the current one is accepted."""
    uid, _, epoch = user_id.partition(":")
    try:
        user = load_active_user(int(uid))
    except ValueError:
        return None
    if user is None or str(user.session_epoch) != epoch:
        return None
    return user


def login_limits() -> LoginLimits:
    """The login throttle as configured (``LOGIN_*``)."""
    config = current_app.config
    return LoginLimits(pair=config["LOGIN_MAX_FAILURES"],
                       username_free=config["LOGIN_USERNAME_FREE_FAILURES"],
                       delay_cap=config["LOGIN_DELAY_MAX_SECONDS"],
                       address=config["LOGIN_ADDRESS_MAX_FAILURES"],
                       window=config["LOGIN_WINDOW_SECONDS"])


def start_session(user: User, *, remember: bool) -> None:
    """Log ``user`` in on a new session: nothing of the one before survives but the language,
    so a session (and CSRF token) planted before the login is worthless after it."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user, remember=remember)
    if remember:
        session[_REMEMBERED_ON] = date.today().toordinal()


def _slide_remember_cookie(response: Response) -> Response:
    """Renew a remembered login's cookie for another REMEMBER_COOKIE_DURATION, once a day.

    Flask-Login's REMEMBER_COOKIE_REFRESH_EACH_REQUEST would also give a cookie to every login
    that did not ask to be remembered; this renews only those that carry one.
    """
    today = date.today().toordinal()
    if (session.get(_REMEMBERED_ON) != today and request.endpoint != "static"
            and current_user.is_authenticated and login_remembered()):
        session["_remember"] = "set"  # Flask-Login's own after_request sets the cookie
        session[_REMEMBERED_ON] = today
    return response


#: The day a remembered login's cookie was last renewed (a day number).
_REMEMBERED_ON = "remembered_on"


def _load_user_from_request(req) -> User | None:
    if "api_user" in g:
        # An API view checked the token already (api.common.token_required): the same user,
        # without verifying and loading it a second time for the response headers.
        return g.api_user
    token = bearer_token(req.headers.get("Authorization", ""))
    return user_from_token(token) if token else None


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None. The scheme's name is
    case-insensitive (RFC 7235): some HTTP clients send "bearer"."""
    scheme, _, token = header.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


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
    # Only over HTTPS (behind the proxy: its X-Forwarded-Proto, MO_TRUSTED_PROXIES): browsers
    # ignore the header over plain HTTP, where anyone on the market's Wi-Fi could forge it.
    max_age = current_app.config["HSTS_MAX_AGE"]
    if request.is_secure and max_age:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(max_age)}")
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
    # Registered after Flask-Login's, so it runs before it (after_request runs in reverse).
    app.after_request(_slide_remember_cookie)
    app.after_request(_security_headers)
