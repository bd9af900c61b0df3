"""Log in and out, change one's password (or choose one from a reset link), choose the language."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_remembered, login_required, logout_user

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import (
    DomainError, PermissionDenied, ThrottledError, ValidationError,
)
from merchant_onboard.services import authentication, users
from merchant_onboard.web.auth import bp
from merchant_onboard.web.errors import field_errors, retry_after, status_of
from merchant_onboard.web.forms import posted
from merchant_onboard.web.i18n import translate_error
from merchant_onboard.web.security import login_limits, reset_link_user, start_session


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("stalls.home"))
    error = None
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = authentication.authenticate(
                get_session(), username=request.form.get("username", ""),
                password=request.form.get("password", ""),
                address=request.remote_addr or "unknown", limits=login_limits())
        except (ThrottledError, ValidationError, PermissionDenied) as exc:
            error, status = translate_error(exc), status_of(exc)
            if status == 422:
                status = 401  # a wrong password is a failed login, not a form to correct
            if isinstance(exc, ThrottledError):
                headers["Retry-After"] = str(exc.params["seconds"])
        else:
            start_session(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")) or url_for("stalls.home"))
    return render_template("auth/login.html", error=error,
                           username=request.form.get("username", "")), status, headers


@bp.post("/logout")
def logout():
    """Log out everywhere: every session, remember cookie and API token of this login ends,
    so a cookie copied from this phone (or a forgotten one) is worthless from now on."""
    if current_user.is_authenticated:
        users.end_all_sessions(get_session(), user=current_user)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (the current one is asked); required after a reset."""
    values: dict = {}
    errors: dict[str, list[str]] = {}
    status, headers = 200, {}
    if request.method == "POST":
        values = posted()
        try:
            # The user object itself: logging in the ``current_user`` proxy would make it
            # point at itself.
            user = users.change_password(
                get_session(), user=current_user._get_current_object(),
                current_password=values.get("current_password", ""),
                new_password=values.get("new_password", ""),
                address=request.remote_addr or "unknown", limits=login_limits())
        except DomainError as exc:
            errors, status, headers = field_errors(exc), status_of(exc), retry_after(exc)
        else:
            # The change ended every session, this one too: carry on under the new generation.
            start_session(user, remember=login_remembered())
            flash(_("Đã đổi mật khẩu. Mọi phiên đăng nhập khác đã kết thúc."), "success")
            return redirect(url_for("stalls.home"))
    return render_template("auth/password.html", errors=errors,
                           forced=current_user.must_change_password), status, headers


@bp.route("/password/<token>", methods=["GET", "POST"])
def reset_link(token: str):
    """A one-time reset link (valid PASSWORD_RESET_MAX_AGE): choose a new password."""
    found = reset_link_user(token)
    if found is None:
        return render_template("error.html", status=404, message=_(
            "Liên kết đặt lại mật khẩu đã hết hạn hoặc đã được dùng.")), 404
    users.reset_link_owner(get_session(), user_id=found[0], epoch=found[1])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            user = users.set_password_from_link(
                get_session(), user_id=found[0], epoch=found[1],
                new_password=request.form.get("new_password", ""))
        except DomainError as exc:
            errors = field_errors(exc)
        else:
            start_session(user, remember=False)
            flash(_("Đã đặt mật khẩu mới."), "success")
            return redirect(url_for("stalls.home"))
    return render_template("auth/password.html", errors=errors, forced=True, link=True), \
        (422 if errors else 200)


#: Pages a login with a temporary password may open before choosing its own.
_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.language", "static"}


@bp.before_app_request
def _require_password_change():
    """After a reset, the temporary password opens only the page that replaces it."""
    if (request.endpoint not in _BEFORE_PASSWORD_CHANGE and not request.path.startswith("/api/")
            and current_user.is_authenticated and current_user.must_change_password):
        return redirect(url_for("auth.change_password"))
    return None


@bp.get("/lang/<code>")
def language(code: str):
    """Switch language (``select_locale`` stores the choice) and go back."""
    if code not in current_app.config["LANGUAGES"]:
        return redirect(url_for("stalls.home"))
    session["lang"] = code
    back = _safe_next(request.args.get("next"))
    if back is None:
        return redirect(url_for("stalls.home"))
    # Coming from a page opened with ``?lang=``, going back with it would choose that language
    # again at once.
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return redirect(urlunsplit(("", "", parts.path, urlencode(query), parts.fragment)))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a login link must not bounce a volunteer to another site.

    Control characters are refused, not cleaned: ``urlsplit`` silently drops CR, LF and tab, so
    what it checks is not what would be sent, and Werkzeug refuses a Location header holding a
    newline (the login answered 500). A backslash is refused because browsers read "/\\evil"
    as "//evil"."""
    if not target or any(ch == "\\" or unicodedata.category(ch) == "Cc" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target

