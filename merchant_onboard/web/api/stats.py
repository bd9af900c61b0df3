"""A market's adoption figures as JSON: the same numbers as the manager's dashboard."""

from __future__ import annotations

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.figures import AGEING_RULES
from merchant_onboard.domain.funnel import MILESTONES, RefusalReason, Status
from merchant_onboard.services import access, stats
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, token_required
from merchant_onboard.web.api.openapi import operation, path_param, problems, ref, response


@bp.get("/markets/<code>/stats")
@read_only
@token_required
def market_stats(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    return stats.market_stats(session, market).as_dict()


_COUNT = {"type": "integer", "minimum": 0}
_RATE = {"type": ["number", "null"], "minimum": 0,
         "description": "A fraction (0.85 = 85 %); null when the census is empty."}
_STATUS_COUNTS = {"type": "object", "properties": {s.value: _COUNT for s in Status},
                  "additionalProperties": False,
                  "description": "Stalls per current status; absent statuses have none."}

OPENAPI_SCHEMAS = {
    "MarketStats": {
        "type": "object",
        "required": ["market", "generated_at", "counts", "headline", "census_size",
                     "adoption_rate", "target_pct", "funnel", "ageing", "volunteers",
                     "refusal_reasons", "weekly", "median_days_to_first_payment"],
        "properties": {
            "market": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
            "counts": _STATUS_COUNTS,
            "census_size": {**_COUNT, "description": "The adoption denominator: the census "
                            "rows, or the declared size when it is larger."},
            "adoption_rate": {**_RATE, "description": "Stalls at first_payment_confirmed ÷ "
                              "census_size."},
            "target_pct": {"type": "integer"},
            "headline": {"type": "object", "properties": {
                **{name: _COUNT for name in (
                    "census_rows", "declared", "census", "registered", "installed",
                    "test_verified", "first_paid", "refused", "inactive")},
                "target_pct": {"type": "integer"}, "adoption_rate": _RATE}},
            "funnel": {"type": "array", "items": {"type": "object", "properties": {
                "status": {"type": "string", "enum": [m.value for m in MILESTONES]},
                "count": {**_COUNT, "description": "Stalls at or past this step (the census "
                          "step counts census_size)."},
                "rate": _RATE,
                "conversion": {**_RATE, "description": "count ÷ the previous step's count."},
            }}},
            "ageing": {"type": "object", "properties": {
                rule.key: {"type": "object", "properties": {"days": {"type": "integer"},
                                                            "count": _COUNT}}
                for rule in AGEING_RULES}},
            "median_days_to_first_payment": {"type": ["number", "null"]},
            "volunteers": {"type": "array", "items": {"type": "object", "properties": {
                "user_id": {"type": ["integer", "null"]}, "name": {"type": "string"},
                **{name: _COUNT for name in ("registrations", "installed", "payments",
                                             "refusals", "rechecks", "mismatches")}}}},
            "refusal_reasons": {"type": "object", "properties": {
                r.value: _COUNT for r in RefusalReason}},
            "weekly": {"type": "array", "items": {"type": "object", "properties": {
                "week": {"type": "string", "format": "date",
                         "description": "Monday of the week, Vietnam time."},
                "cumulative": _COUNT, "rate": _RATE}}},
        },
    },
}

OPENAPI_PATHS = {
    "/markets/{code}/stats": {"get": operation(
        "A market's adoption figures (managers of the market, administrators)",
        tag="markets", parameters=[path_param("code", "string")],
        description="Counts per status, the census size and adoption rate, the funnel with "
                    "stage-to-stage conversion, ageing counts, per-volunteer rows, refusal "
                    "reasons and the weekly trend: the figures of the web dashboard.",
        responses={"200": response("The figures.", ref("MarketStats")),
                   **problems(403, 404)})},
}
