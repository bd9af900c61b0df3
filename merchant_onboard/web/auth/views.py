"""Log in and out, and choose the language."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import ThrottledError, ValidationError
from merchant_onboard.services import users
from merchant_onboard.web.auth import bp
from merchant_onboard.web.i18n import translate_error


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("stalls.home"))
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = users.authenticate(
                get_session(), username=request.form.get("username", ""),
                password=request.form.get("password", ""),
                address=request.remote_addr or "unknown",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                window=current_app.config["LOGIN_WINDOW_SECONDS"])
        except ThrottledError as exc:
            error, status = translate_error(exc), 429
        except ValidationError as exc:
            error, status = translate_error(exc), 401
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")) or url_for("stalls.home"))
    return render_template("auth/login.html", error=error,
                           username=request.form.get("username", "")), status


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


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
    """Only same-site paths: a login link must not bounce a volunteer to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target

