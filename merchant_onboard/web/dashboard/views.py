"""Dashboard pages: one market's adoption figures, and the roll-up of every market."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.figures import shown_days
from merchant_onboard.web.i18n import percent
from merchant_onboard.services import access, rollup, stats
from merchant_onboard.web.dashboard import bp, presenters
from merchant_onboard.web.i18n import translate_error
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.routing import page_number

bp.add_app_template_filter(percent, "percent")
bp.add_app_template_filter(shown_days, "shown_days")
bp.add_app_template_global(translate_error, "translate_error")
bp.add_app_template_global(presenters.reached_label, "reached_label")


@bp.get("/m/<code>/dashboard")
@enters_market()
@read_only
@login_required
def market(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    figures = stats.market_stats(session, market)
    return render_template(
        "dashboard/market.html", market=market, stats=figures,
        cards=presenters.cards(figures.headline), status_rows=presenters.status_rows(figures),
        funnel_chart=presenters.funnel_chart(figures),
        trend_chart=presenters.trend_chart(figures),
        refusal_chart=presenters.refusal_chart(figures) if figures.refusals else None)


def rollup_filters() -> dict:
    """The roll-up's filters and order from the query string."""
    return {"province": request.args.get("province", "").strip(),
            "ward": request.args.get("ward", "").strip(),
            "sort": request.args.get("sort", "name"),
            "descending": request.args.get("desc") == "1"}


@bp.get("/rollup")
@read_only
@login_required
def rollup_page():
    filters = rollup_filters()
    result = rollup.rollup(get_session(), actor=current_user,
                           page=page_number(), **filters)
    return render_template("dashboard/rollup.html", result=result, filters=filters)
