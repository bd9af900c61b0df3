"""Spreadsheet downloads: a market's stalls and the roll-up, as CSV or XLSX, streamed."""

from __future__ import annotations

from flask import Response, abort
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session
from merchant_onboard.domain.tables import ROLLUP_COLUMNS, STALL_COLUMNS
from merchant_onboard.services import access, exports
from merchant_onboard.web.dashboard import bp
from merchant_onboard.web.dashboard.views import rollup_filters
from merchant_onboard.web.i18n import ngettext, thousands
from merchant_onboard.web.labels import labels_in
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.streaming import streamed_attachment


def _send(export: exports.Export) -> Response:
    # The export is audited (and committed) already; its rows are read as they are sent.
    return streamed_attachment(lambda: export.chunks, session=get_session(), mimetype=export.mimetype,
                               filename=export.filename)


def _check(fmt: str) -> None:
    if fmt not in exports.FORMATS:
        abort(404)


@bp.get("/m/<code>/export.<fmt>")
@enters_market()
@login_required
def export_stalls(code: str, fmt: str):
    _check(fmt)
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    translated = labels_in(str(get_locale()))
    labels = {"status": translated["status"], "refusal_reason": translated["reason"]}
    return _send(exports.export_stalls(
        session, actor=current_user, market=market, fmt=fmt, labels=labels,
        headers=[_(title) for _key, title in STALL_COLUMNS]))


@bp.get("/rollup.<fmt>")
@login_required
def export_rollup(fmt: str):
    _check(fmt)
    return _send(exports.export_rollup(
        get_session(), actor=current_user, fmt=fmt,
        headers=[_(title) for _key, title in ROLLUP_COLUMNS],
        # As the page's totals row names itself.
        total_label=lambda n: ngettext("Tổng (%(n)s chợ)", "Tổng (%(n)s chợ)", n,
                                       n=thousands(n)),
        **rollup_filters()))
