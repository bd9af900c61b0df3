"""Login sessions, API bearer tokens, CSRF and the security headers of every response."""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

from merchant_onboard.db import get_session
from merchant_onboard.extensions import csrf, login_manager
from merchant_onboard.models import User
from merchant_onboard.services import access
from merchant_onboard.services.users import get_active_user
from merchant_onboard.web import session_cookies

F = TypeVar("F", bound=Callable)
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
    user = _active_user(int(data.get("uid", 0)))
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


def enters_market(*, stalls_version: bool = False) -> Callable[[F], F]:
    """Mark a view whose first step is ``access.enter_market`` (or ``require_market``) for the
    market ``code`` in its URL, with the same ``stalls_version``.

    Loading the logged-in user then asks for that market in the same statement
    (``access.load_user_entering_market``): one round trip to the database instead of two.
    Access is still decided by the view's own ``enter_market``.
    """
    def mark(view: F) -> F:
        view.enters_market = {"stalls_version": stalls_version}  # type: ignore[attr-defined]
        return view
    return mark


def _active_user(user_id: int) -> User | None:
    session = get_session()
    wish = getattr(current_app.view_functions.get(request.endpoint or ""), "enters_market", None)
    code = (request.view_args or {}).get("code") if wish is not None else None
    if isinstance(code, str):
        return access.load_user_entering_market(session, user_id, code, **wish)
    return get_active_user(session, user_id)


def _load_user(user_id: str) -> User | None:
    try:
        return _active_user(int(user_id))
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
    # What a view set itself stays (a poster's own cache rule, say). One pass over the few
    # headers there are, instead of a search per header.
    present = {name.lower() for name, _ in response.headers}
    # A static file is the same for everyone and personal to no one: asking whether someone
    # is signed in would load the user (a database query) for every script and font.
    signed_in = request.endpoint != "static" and current_user and getattr(
        current_user, "is_authenticated", False)
    response.headers.extend([(name, value) for name, value in
                             (_SECURITY_HEADERS + _PRIVATE if signed_in else _SECURITY_HEADERS)
                             if name.lower() not in present])
    return response


def csrf_token() -> str:
    """This session's CSRF token, as Flask-WTF's ``generate_csrf`` gives it, signed once per
    worker and session instead of on every page.

    With ``WTF_CSRF_TIME_LIMIT = None`` (the default here) the time inside a signature is never
    checked, so one signed earlier for the same session and key is as good as a new one.
    """
    config = current_app.config
    if ("csrf_token" in g or config["WTF_CSRF_TIME_LIMIT"] is not None
            or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") != "csrf_token"):
        return generate_csrf()
    signed: OrderedDict[tuple[str, str], str] = current_app.extensions["merchant_onboard.csrf"]
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    found = signed.get((secret, session.get("csrf_token", "")))
    if found is None:
        found = generate_csrf()  # gives the session its raw token if it had none
        signed[(secret, session["csrf_token"])] = found
        if len(signed) > _SIGNED_TOKENS:
            signed.popitem(last=False)
    else:
        g.csrf_token = found
    return found


#: Signed CSRF tokens kept per worker, one per session that opened a page lately; the oldest
#: fall out (and are signed again when asked).
_SIGNED_TOKENS = 4096


def init_app(app: Flask) -> None:
    session_cookies.init_app(app)
    csrf.init_app(app)
    app.extensions["merchant_onboard.csrf"] = OrderedDict()
    # Flask-WTF offers its own as a global and through a context processor: both are replaced.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "strong" would log volunteers out whenever their mobile network changes address.
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_request)
    app.after_request(_security_headers)
