"""Census import pages: upload a spreadsheet, read the row-by-row report, confirm.

Between the preview and the confirmation the accepted rows travel in the confirmation form
itself, signed with the app's secret key and bound to the market. Nothing is kept in server
memory or on one host's disk, so any worker or host can take the confirmation (DESIGN §8),
there is nothing to clean up when a manager walks away, and a tampered form is refused.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.census import (
    LEGACY_ENCODING, pack_rows, parse_census, unpack_rows,
)
from merchant_onboard.domain.errors import N_, DomainError, ValidationError
from merchant_onboard.services import access, census
from merchant_onboard.web.dashboard import bp
from merchant_onboard.web.errors import handle_http, http_message
from merchant_onboard.web.i18n import thousands, translate_error
from merchant_onboard.web.market_entry import enters_market

_SALT = "merchant-onboard-census-import"
#: A preview left open longer than this must be uploaded again.
PREVIEW_MAX_AGE = 2 * 3600


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _upload_page(market, error: str | None = None, status: int = 200):
    return render_template("dashboard/census.html", market=market, error=error), status


@bp.get("/m/<code>/census")
@enters_market()
@read_only
@login_required
def census_page(code: str):
    market = access.require_market(get_session(), current_user, code, manage=True)
    return _upload_page(market)


@bp.post("/m/<code>/census")
@enters_market()
@login_required
def census_preview(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError(N_("Chọn tệp CSV hoặc Excel (.xlsx) để nhập."), field="file")
        plan = census.preview_census(session, actor=current_user, market=market,
                                     census=parse_census(upload.read()))
    except ValidationError as error:
        return _upload_page(market, translate_error(error), 422)
    counts = plan.counts
    token = _signer().dumps({"market": market.id, "rows": pack_rows(plan.accepted),
                             # For the audit entry: the lines the confirmation does not carry.
                             "skipped": {census.UNCHANGED: counts[census.UNCHANGED],
                                         census.REJECT: counts[census.REJECT]}})
    # What is stored is shown beside what the file says: the stored phones only to those who
    # may see them (a file of stall codes would otherwise read out every owner's phone).
    return render_template("dashboard/census_preview.html", market=market, plan=plan,
                           token=token, filename=upload.filename,
                           read_as_legacy=plan.encoding == LEGACY_ENCODING,
                           full_personal=access.sees_personal_data(current_user, market))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH is refused when the form is first read, before any view
    runs (the CSRF check reads it): on the census form the manager gets the form back with
    the reason, instead of a page that leads away from it."""
    if request.endpoint == "dashboard.census_preview" and current_user.is_authenticated:
        try:
            market = access.require_market(get_session(), current_user,
                                           (request.view_args or {}).get("code", ""),
                                           manage=True)
        except DomainError:
            return handle_http(error)
        return _upload_page(market, http_message(error), 413)
    return handle_http(error)


@bp.post("/m/<code>/census/confirm")
@enters_market()
@login_required
def census_confirm(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    try:
        payload = _signer().loads(request.form.get("token", ""), max_age=PREVIEW_MAX_AGE)
    except BadSignature:
        payload = None
    if not isinstance(payload, dict) or payload.get("market") != market.id:
        return _upload_page(market, _("Bản xem trước đã hết hạn hoặc không hợp lệ. Hãy tải tệp "
                                      "lên lại."), 422)
    try:
        skipped = payload.get("skipped")
        plan = census.apply_census(session, actor=current_user, market=market,
                                   rows=unpack_rows(payload.get("rows")),
                                   skipped=skipped if isinstance(skipped, dict) else None)
    except ValidationError as error:
        return _upload_page(market, translate_error(error), 422)
    counts = plan.counts
    flash(_("Đã nhập danh sách: thêm %(added)s, cập nhật %(updated)s gian hàng.",
            added=thousands(counts[census.ADD]), updated=thousands(counts[census.UPDATE])),
          "success")
    return redirect(url_for("dashboard.market", code=market.code))
