"""Stalls: search a market's stalls, register one, read and edit it, change its bank account.

The bank account changes through its own route, ``POST /stalls/{id}/account``, not PATCH:
a change revokes the posters and sends the stall back to ``registered`` with an event, so it
commits apart from the field edits of PATCH.
"""

from __future__ import annotations

from flask import url_for
from sqlmodel import Session

from merchant_onboard.db import get_session, read_only
from merchant_onboard.models import Market, Stall as StallRow, User
from merchant_onboard.services import access, stall_lookup, stalls
from merchant_onboard.services.onboarding import Outcome
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import (
    api_user, client_id, json_body, query_args, replayable, token_required,
)
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, query_params, response,
)
from merchant_onboard.web.api.schemas import (
    AccountChange, Event, EventResult, Stall, StallCreate, StallPage, StallPatch, StallSearch,
)
from merchant_onboard.web.market_entry import enters_market


@bp.get("/markets/<code>/stalls")
@enters_market()
@read_only
@token_required
def list_stalls(code: str):
    session, user = get_session(), api_user()
    market = access.require_market(session, user, code)
    search = query_args(StallSearch)
    personal = access.sees_personal_data(user, market)
    rows, total = stall_lookup.search_stalls(
        session, market=market, query=search.q, zone=search.zone,
        status=search.status.value if search.status else None, limit=search.limit,
        offset=search.offset, phone_tail=personal)
    primary = stall_lookup.primary_accounts(session, [row.id for row in rows])
    items = [Stall.of(row, market, [primary[row.id]] if row.id in primary else [],
                      personal=personal) for row in rows]
    return StallPage(items=items, total=total, limit=search.limit, offset=search.offset).body()


@bp.post("/markets/<code>/stalls")
@enters_market()
@token_required
def create_stall(code: str):
    return _register(code=code, stall_id=None)


@bp.post("/stalls/<int:stall_id>/registration")
@token_required
def register_census_stall(stall_id: int):
    return _register(code=None, stall_id=stall_id)


@bp.get("/stalls/<int:stall_id>")
@read_only
@token_required
def get_stall(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    return stall_detail(session, user, stall, market).body()


@bp.patch("/stalls/<int:stall_id>")
@token_required
def update_stall(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    body = json_body(StallPatch)
    stalls.update_stall(session, actor=user, stall=stall, market=market,
                        raw=body.model_dump(exclude_unset=True,
                                            exclude={"confirm_phone", "client_id"}),
                        client_id=client_id(body.client_id), confirm_phone=body.confirm_phone)
    return stall_detail(session, user, stall, market).body()


@bp.post("/stalls/<int:stall_id>/account")
@token_required
def change_account(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    body = json_body(AccountChange)
    result = stalls.change_account(session, actor=user, stall=stall, market=market,
                                   raw=body.model_dump(exclude_unset=True),
                                   client_id=client_id(body.client_id))
    return replayable(event_result(session, user, result, market).body(), result.created)


def _register(*, code: str | None, stall_id: int | None):
    """Register a new stall of market ``code``, or the census stall ``stall_id``."""
    session, user = get_session(), api_user()
    if stall_id is not None:
        stall, market = access.require_stall(session, user, stall_id)
    else:
        stall, market = None, access.require_market(session, user, code or "")
    body = json_body(StallCreate)
    result = stalls.register_stall(session, actor=user, market=market,
                                   raw=body.model_dump(exclude_unset=True),
                                   client_id=client_id(body.client_id), stall=stall,
                                   confirm_phone=body.confirm_phone)
    return replayable(stall_detail(session, user, result.stall, market).body(), result.created,
                      location=url_for("api.get_stall", stall_id=result.stall.id))


def stall_detail(session: Session, user: User, stall: StallRow, market: Market) -> Stall:
    """One stall with all its accounts, current and replaced, as ``user`` may see it."""
    view = stall_lookup.stall_view(session, stall, market)
    return Stall.of(stall, market, view.accounts,
                    personal=access.sees_personal_data(user, market))


def event_result(session: Session, user: User, result: Outcome,
                 market: Market) -> EventResult:
    """What a write that records an event answers: the event and the stall after it."""
    return EventResult(event=Event.of(result.event),
                       stall=stall_detail(session, user, result.stall, market))


_ID = path_param("stall_id")
_REPLAY = "The same client id was used before: the first result, nothing written."
_CREATED = {"201": response("Registered.", Stall),
            "200": response(_REPLAY, Stall), **problems(400, 404, 409, 422)}

OPENAPI_PATHS = {
    "/markets/{code}/stalls": {
        "get": operation(
            "Search a market's stalls", tag="stalls",
            description="In zone then natural stall-code order (A-2 before A-10). Each "
                        "item's `accounts` holds its primary account only.",
            parameters=[path_param("code", "string"), *query_params(StallSearch)],
            responses={"200": response("A page of stalls and the total.", StallPage),
                       **problems(404, 422)}),
        "post": operation(
            "Register a new stall with its bank account", tag="stalls", body=StallCreate,
            parameters=[path_param("code", "string"), IDEMPOTENCY_KEY],
            description="A stall code, account or (unless `confirm_phone`) phone already in "
                        "the market is a 409 naming the stall in `existing_id`.",
            responses=_CREATED),
    },
    "/stalls/{stall_id}": {
        "get": operation("One stall with all its accounts, current and replaced",
                         tag="stalls", parameters=[_ID],
                         responses={"200": response("The stall.", Stall),
                                    **problems(404)}),
        "patch": operation(
            "Edit a stall's own fields", tag="stalls", body=StallPatch,
            parameters=[_ID, IDEMPOTENCY_KEY],
            description="Only the fields sent change, recorded as an `edited` event. A retry "
                        "with the same idempotency key changes nothing. The bank account "
                        "changes through POST /stalls/{stall_id}/account. Who sees phones "
                        "masked (an admin) may not change `owner_phone`: 403.",
            responses={"200": response("The stall after the edit.", Stall),
                       **problems(400, 404, 409, 422)}),
    },
    "/stalls/{stall_id}/registration": {"post": operation(
        "Register a census stall", tag="stalls", body=StallCreate,
        parameters=[_ID, IDEMPOTENCY_KEY],
        description="For a stall imported with the census (or one that refused before).",
        responses=_CREATED)},
    "/stalls/{stall_id}/account": {"post": operation(
        "Change the stall's primary bank account", tag="stalls", body=AccountChange,
        parameters=[_ID, IDEMPOTENCY_KEY],
        description="Revokes the printed posters and sends the stall back to `registered`.",
        responses={"201": response("Changed.", EventResult),
                   "200": response(_REPLAY, EventResult),
                   **problems(400, 404, 409, 422)})},
}
