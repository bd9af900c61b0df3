"""Pages anyone may open without logging in: the poster verification page and the health check."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import text
from werkzeug.exceptions import RequestEntityTooLarge

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import ThrottledError, ValidationError
from merchant_onboard.services import verification
from merchant_onboard.web.errors import handle_http, http_message
from merchant_onboard.web.i18n import translate_error
from merchant_onboard.web.public import bp


@bp.get("/healthz")
@read_only
def healthz():
    get_session().execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/v")
def look_up():
    """The field a customer types the poster's code into (``?code=`` submits it)."""
    typed = request.args.get("code", "")
    if not typed.strip():
        return render_template("public/look_up.html", typed="", error=None)
    return _card_page(typed)


@bp.get("/v/<code>")
def verify(code: str):
    return _card_page(code)


def _look_up(typed: str) -> verification.PublicCard | None:
    """The card behind ``typed``, counted against this address's lookups: a page shown and a
    photo checked alike, since each answers whether a code exists."""
    return verification.look_up(
        get_session(), typed, address=request.remote_addr or "?",
        limit=current_app.config["PUBLIC_LOOKUP_LIMIT"],
        window=current_app.config["PUBLIC_CHECK_WINDOW_SECONDS"])


def _retry_after() -> dict[str, str]:
    """A throttled answer's wait, for scripts: the window, at the most."""
    return {"Retry-After": str(current_app.config["PUBLIC_CHECK_WINDOW_SECONDS"])}


def _too_many_lookups(typed: str, error: ThrottledError):
    # The code typed may be right: the field is not marked wrong.
    return render_template("public/look_up.html", typed=typed, error=translate_error(error),
                           throttled=True), 429, _retry_after()


def _card_page(typed: str):
    """The stall behind ``typed``; a mistyped code gets the form again with what went wrong."""
    try:
        card = _look_up(typed)
    except ThrottledError as exc:
        return _too_many_lookups(typed, exc)
    if card is None:
        return render_template("public/look_up.html", typed=typed, error=_(
            "Không tìm thấy mã xác minh này. Kiểm tra lại mã in trên poster (8 ký tự, "
            "ví dụ K7P2-QX9M) rồi thử lại.")), 404
    if request.endpoint == "public.look_up":
        return redirect(url_for("public.verify", code=card.public_code))
    return render_template("public/verify.html", card=card, check=None, error=None)


@bp.post("/v/<code>")
def check_photo(code: str):
    """Anyone compares a photo of the QR on a stall with the registry (overlay-fraud check)."""
    session = get_session()
    try:
        card = _look_up(code)
    except ThrottledError as exc:
        return _too_many_lookups(code, exc)
    if card is None:
        abort(404)
    photo = request.files.get("photo")
    check, error, status, headers = None, None, 200, {}
    if photo is None or not photo.filename:
        error, status = _("Chọn hoặc chụp ảnh mã QR trước."), 422
    else:
        try:
            check = verification.check_photo(
                session, code=code, image=photo.read(), address=request.remote_addr or "?",
                limit=current_app.config["PUBLIC_CHECK_LIMIT"],
                window=current_app.config["PUBLIC_CHECK_WINDOW_SECONDS"])
        except ThrottledError as exc:
            error, status = translate_error(exc), 429
            headers = _retry_after()
        except ValidationError as exc:
            error, status = translate_error(exc), 422
    return render_template("public/verify.html", card=card, error=error,
                           check=check.to_dict() if check else None), status, headers


@bp.errorhandler(RequestEntityTooLarge)
def photo_too_large(error: RequestEntityTooLarge):
    """A photo over the upload limit is refused when the form is first read (the CSRF check,
    before the view): the customer, whose phone could not shrink it, gets the stall's page
    back with the reason, not a bare error page whose one link leads to the staff login."""
    if request.endpoint != "public.check_photo":
        return handle_http(error)
    code = (request.view_args or {}).get("code", "")
    try:
        card = _look_up(code)
    except ThrottledError as exc:
        return _too_many_lookups(code, exc)
    if card is None:
        return handle_http(error)
    return render_template("public/verify.html", card=card, check=None,
                           error=http_message(error)), 413
