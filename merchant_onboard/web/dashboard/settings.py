"""The market's settings, edited by its managers: the declared number of stalls and the
adoption target the figures are measured against, the campaign title printed at the top of
every poster, and the optional second language line under the Vietnamese instructions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import DomainError
from merchant_onboard.domain.poster.second_line import SECOND_LINE_MAX
from merchant_onboard.services import access, markets
from merchant_onboard.web.dashboard import bp
from merchant_onboard.web.errors import field_errors, status_of
from merchant_onboard.web.forms import seen_now, shown_on_page
from merchant_onboard.web.market_entry import enters_market

#: What this form edits for a manager; any other posted field is ignored. The declared size
#: counts when the census is incomplete (DESIGN §3): a commune's count revised after the
#: market was created must not leave its adoption rate measured against the old one. An
#: administrator's form also corrects what the market is (``markets.editable_fields``).
FIELDS = markets.SETTINGS


def _page(market, values: dict, seen: dict | None, errors: dict, status: int = 200):
    return render_template("dashboard/settings.html", market=market, values=values,
                           seen=seen or {}, errors=errors, second_line_max=SECOND_LINE_MAX,
                           identity="name" in markets.editable_fields(current_user),
                           title_max=markets.TEXT_FIELDS["campaign_title"][0]), status


@bp.get("/m/<code>/settings")
@enters_market()
@read_only
@login_required
def settings_page(code: str):
    market = access.require_market(get_session(), current_user, code, manage=True)
    values = {field: getattr(market, field) for field in markets.editable_fields(current_user)}
    return _page(market, values, values, {})


@bp.post("/m/<code>/settings")
@enters_market()
@login_required
def settings_save(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    # Only what the form sent: a field left out keeps its value.
    values = {field: request.form[field] for field in markets.editable_fields(current_user)
              if field in request.form}
    if not values:
        return redirect(url_for("dashboard.settings_page", code=market.code))
    seen = shown_on_page(markets.editable_fields(current_user))
    try:
        markets.update_market(session, actor=current_user, market=market, raw=values,
                              shown=seen)
    except DomainError as exc:
        session.rollback()
        return _page(market, values, seen_now(seen, exc), field_errors(exc), status_of(exc))
    flash(_("Đã lưu cài đặt chợ."), "success")
    return redirect(url_for("dashboard.settings_page", code=market.code))
