"""A market's adoption figures as JSON: the same numbers as the manager's dashboard."""

from __future__ import annotations

from merchant_onboard.db import get_session, read_only
from merchant_onboard.services import access, stats
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, token_required
from merchant_onboard.web.api.openapi import operation, path_param, problems, response
from merchant_onboard.web.api.schemas import MarketStats
from merchant_onboard.web.market_entry import enters_market


@bp.get("/markets/<code>/stats")
@enters_market()
@read_only
@token_required
def market_stats(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    return MarketStats.model_validate(stats.market_stats(session, market).as_dict()).body()


OPENAPI_PATHS = {
    "/markets/{code}/stats": {"get": operation(
        "A market's adoption figures (managers of the market, administrators)",
        tag="markets", parameters=[path_param("code", "string")],
        description="Counts per status, the census size and adoption rate, the funnel with "
                    "stage-to-stage conversion, ageing counts, per-volunteer rows, refusal "
                    "reasons and the weekly trend: the figures of the web dashboard.",
        responses={"200": response("The figures.", MarketStats),
                   **problems(403, 404)})},
}
