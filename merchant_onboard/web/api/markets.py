"""Markets: those the user works in, one market, creating one (administrators only) and
changing it (its settings: its managers; what it is, its code too: administrators)."""

from __future__ import annotations

from flask import url_for

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import N_, PermissionDenied
from merchant_onboard.models import Role
from merchant_onboard.services import access, markets
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, json_body, replayable, token_required
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, response,
)
from merchant_onboard.web.api.schemas import Market, MarketChanges, MarketCreate, MarketPage
from merchant_onboard.web.market_entry import enters_market


@bp.get("/markets")
@read_only
@token_required
def list_markets():
    rows = markets.list_markets(get_session(), api_user())
    return MarketPage(items=[Market.of(m) for m in rows], total=len(rows)).body()


@bp.post("/markets")
@token_required
def create_market():
    user = api_user()
    if user.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới tạo được chợ."))
    body = json_body(MarketCreate).model_dump(exclude_unset=True)
    market, created = markets.create_market_once(get_session(), actor=user, raw=body)
    if not created:
        return replayable(Market.of(market).body(), created=False)
    return replayable(Market.of(market).body(), created=True,
                      location=url_for("api.get_market", code=market.code))


@bp.get("/markets/<code>")
@enters_market()
@read_only
@token_required
def get_market(code: str):
    return Market.of(access.require_market(get_session(), api_user(), code)).body()


@bp.patch("/markets/<code>")
@enters_market()
@token_required
def update_market(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    changes = json_body(MarketChanges).model_dump(exclude_unset=True)
    if changes:
        market = markets.update_market(session, actor=api_user(), market=market, raw=changes)
    return Market.of(market).body()


OPENAPI_PATHS = {
    "/markets": {
        "get": operation("Markets the user works in (all, for an administrator)",
                         tag="markets", responses={"200": response("The markets.", MarketPage)}),
        "post": operation(
            "Create a market (administrators)", tag="markets", body=MarketCreate,
            parameters=[IDEMPOTENCY_KEY],
            description="Idempotent by code: posting the same market again answers 200 with "
                        "it; a different market under a taken code is a 409.",
            responses={"201": response("Created.", Market),
                       "200": response("The same market existed: a retry.", Market),
                       **problems(400, 403, 409, 422)}),
    },
    "/markets/{code}": {
        "get": operation(
            "One market", tag="markets", parameters=[path_param("code", "string")],
            responses={"200": response("The market.", Market), **problems(404)}),
        "patch": operation(
            "Change a market (settings: its managers; what it is: administrators)",
            tag="markets", body=MarketChanges, parameters=[path_param("code", "string")],
            description="The fields sent change; the others keep their values. Each change "
                        "is written to the audit log. A manager sending what only an "
                        "administrator changes gets a 403; a code another market has or had, "
                        "a 409.",
            responses={"200": response("The market as it now stands.", Market),
                       **problems(400, 403, 404, 409, 422)}),
    },
}
