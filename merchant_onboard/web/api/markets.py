"""Markets: those the user works in, one market, and creating one (administrators only)."""

from __future__ import annotations

from flask import url_for

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import N_, ConflictError, PermissionDenied
from merchant_onboard.domain.poster.second_line import SECOND_LINE_MAX
from merchant_onboard.models import MarketKind, Role
from merchant_onboard.services import access, markets
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, json_body, replayable, token_required
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, ref, response,
)
from merchant_onboard.web.api.serializers import market_json

MARKET_CREATE = {
    "type": "object", "additionalProperties": False, "required": ["code", "name"],
    "properties": {
        "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,31}$",
                 "examples": ["cho-vi-thanh"]},
        "name": {"type": "string", "maxLength": 200},
        "kind": {"type": "string", "enum": [k.value for k in MarketKind], "default": "market"},
        "province": {"type": "string", "maxLength": 100},
        "ward": {"type": "string", "maxLength": 100},
        "address": {"type": "string", "maxLength": 300},
        "census_size": {"type": "integer", "minimum": 0, "default": 0},
        "target_pct": {"type": "integer", "minimum": 1, "maximum": 100, "default": 80},
        "campaign_title": {"type": "string", "maxLength": 200},
        "poster_second_line": {
            "type": "string", "maxLength": SECOND_LINE_MAX,
            "description": "Printed under the Vietnamese instructions (Khmer or English); "
                           "empty for none."},
        "client_id": {"type": "string", "description": "Accepted; the code is the key."},
    },
}


@bp.get("/markets")
@read_only
@token_required
def list_markets():
    rows = markets.list_markets(get_session(), api_user())
    return {"items": [market_json(m) for m in rows], "total": len(rows)}


@bp.post("/markets")
@token_required
def create_market():
    user = api_user()
    if user.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới tạo được chợ."))
    body = json_body(MARKET_CREATE)
    session = get_session()
    try:
        market = markets.create_market(session, actor=user, raw=body)
    except ConflictError:
        # The code is the market's natural idempotency key: a retry of the same market is
        # answered with it; another market under a taken code stays a conflict.
        fields = markets.clean_market(body)
        market = access.require_market(session, user, fields["code"])
        if any(getattr(market, name) != value for name, value in fields.items()):
            raise
        return replayable(market_json(market), created=False)
    return replayable(market_json(market), created=True,
                      location=url_for("api.get_market", code=market.code))


@bp.get("/markets/<code>")
@read_only
@token_required
def get_market(code: str):
    return market_json(access.require_market(get_session(), api_user(), code))


_MARKET_PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": ref("Market")}, "total": {"type": "integer"}}}

OPENAPI_PATHS = {
    "/markets": {
        "get": operation("Markets the user works in (all, for an administrator)",
                         tag="markets", responses={"200": response("The markets.", _MARKET_PAGE)}),
        "post": operation(
            "Create a market (administrators)", tag="markets", body=MARKET_CREATE,
            parameters=[IDEMPOTENCY_KEY],
            description="Idempotent by code: posting the same market again answers 200 with "
                        "it; a different market under a taken code is a 409.",
            responses={"201": response("Created.", ref("Market")),
                       "200": response("The same market existed: a retry.", ref("Market")),
                       **problems(400, 403, 409, 422)}),
    },
    "/markets/{code}": {"get": operation(
        "One market", tag="markets", parameters=[path_param("code", "string")],
        responses={"200": response("The market.", ref("Market")), **problems(404)})},
}
