"""Stalls: search a market's stalls, register one, read and edit it, change its bank account.

The bank account changes through its own route, ``POST /stalls/{id}/account``, not PATCH:
a change revokes the posters and sends the stall back to ``registered`` with an event, so it
commits apart from the field edits of PATCH.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import N_, ConflictError, FormErrors, ValidationError
from merchant_onboard.domain.funnel import Status
from merchant_onboard.services import access, stall_lookup, stalls
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import (
    api_user, client_id, json_body, query_int, replayable, token_required,
)
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, query_param, ref, response,
)
from merchant_onboard.web.api.serializers import (
    event_result_json, stall_detail, stall_json,
)

MAX_LIMIT = 200

_TEXT = {"type": "string"}
STALL_FIELDS: dict[str, Any] = {
    "stall_code": {**_TEXT, "maxLength": 32, "examples": ["A-12"]},
    "zone": {**_TEXT, "maxLength": 64}, "shop_name": {**_TEXT, "maxLength": 200},
    "owner_name": {**_TEXT, "maxLength": 120},
    "owner_phone": {**_TEXT, "description": "Mobile (10 digits) or landline (11); +84 allowed."},
    "category": {**_TEXT, "maxLength": 64}, "notes": {**_TEXT, "maxLength": 2000},
    "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
}
ACCOUNT_FIELDS: dict[str, Any] = {
    "bank": {**_TEXT, "description": "BIN, NAPAS code or name.", "examples": ["970436"]},
    "account_number": {**_TEXT, "maxLength": 19,
                       "description": "A string: numbers may start with 0."},
    "holder_name": {**_TEXT, "description": "As the bank shows it; default: the owner's name."},
    "card": {"type": "boolean", "default": False, "description": "A card number, not an account."},
    "client_id": {**_TEXT, "minLength": 8, "maxLength": 64, "description": "Idempotency key."},
}
CONFIRM_PHONE = {"confirm_phone": {
    "type": "boolean", "default": False,
    "description": "Accept a phone already used by another stall of the market (else 409)."}}
STALL_CREATE = {
    "type": "object", "additionalProperties": False,
    "required": ["stall_code", "shop_name", "owner_name", "bank", "account_number", "consent"],
    "properties": {**STALL_FIELDS, **ACCOUNT_FIELDS, **CONFIRM_PHONE, "consent": {
        "type": "boolean", "description": "The owner agreed that these details are stored."}},
}
STALL_PATCH = {"type": "object", "additionalProperties": False,
               "properties": {**STALL_FIELDS, **CONFIRM_PHONE,
                              "client_id": ACCOUNT_FIELDS["client_id"]}}
ACCOUNT_CHANGE = {"type": "object", "additionalProperties": False,
                  "required": ["bank", "account_number"], "properties": ACCOUNT_FIELDS}


@bp.get("/markets/<code>/stalls")
@read_only
@token_required
def list_stalls(code: str):
    session, user = get_session(), api_user()
    market = access.require_market(session, user, code)
    filters = _filters()
    rows, total = stall_lookup.search_stalls(session, market=market, **filters)
    primary = stall_lookup.primary_accounts(session, [row.id for row in rows])
    personal = access.sees_personal_data(user, market)
    items = [stall_json(row, market, [primary[row.id]] if row.id in primary else [],
                        personal=personal) for row in rows]
    return {"items": items, "total": total, "limit": filters["limit"],
            "offset": filters["offset"]}


@bp.post("/markets/<code>/stalls")
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
    return stall_detail(session, user, stall, market)


@bp.patch("/stalls/<int:stall_id>")
@token_required
def update_stall(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    body = json_body(STALL_PATCH)
    stalls.update_stall(session, actor=user, stall=stall, market=market,
                        raw={k: v for k, v in body.items() if k in STALL_FIELDS},
                        client_id=client_id(body),
                        confirm_phone=body.get("confirm_phone") is True)
    return stall_detail(session, user, stall, market)


@bp.post("/stalls/<int:stall_id>/account")
@token_required
def change_account(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    body = json_body(ACCOUNT_CHANGE)
    result = stalls.change_account(session, actor=user, stall=stall, market=market, raw=body,
                                   client_id=client_id(body))
    return replayable(event_result_json(session, user, result, market), result.created)


def _register(*, code: str | None, stall_id: int | None):
    """Register a new stall of market ``code``, or the census stall ``stall_id``."""
    session, user = get_session(), api_user()
    if stall_id is not None:
        stall, market = access.require_stall(session, user, stall_id)
    else:
        stall, market = None, access.require_market(session, user, code or "")
    body = json_body(STALL_CREATE)
    result = stalls.register_stall(session, actor=user, market=market, raw=body,
                                   client_id=client_id(body), stall=stall,
                                   confirm_phone=body.get("confirm_phone") is True)
    if result.stall.market_id != market.id:
        # The service finds a retry by client id alone: one made in another market must not
        # hand that market's stall over.
        raise ConflictError(N_("Mã yêu cầu này đã dùng cho một thao tác khác."),
                            field="client_id")
    return replayable(stall_detail(session, user, result.stall, market), result.created,
                      location=url_for("api.get_stall", stall_id=result.stall.id))


def _filters() -> dict[str, Any]:
    """The search arguments of the list, or FormErrors naming each wrong one."""
    errors: list[ValidationError] = []
    out: dict[str, Any] = {"query": request.args.get("q", ""),
                           "zone": request.args.get("zone") or None,
                           "status": request.args.get("status") or None}
    if out["status"] and out["status"] not in {s.value for s in Status}:
        errors.append(ValidationError(N_("Trạng thái không hợp lệ."), field="status"))
    for name, default, low, high in (("limit", 50, 1, MAX_LIMIT), ("offset", 0, 0, 10**9)):
        try:
            out[name] = query_int(name, default=default, low=low, high=high)
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise FormErrors(errors)
    return out


_ID = path_param("stall_id")
_STALL_PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": ref("Stall")}, "total": {"type": "integer"},
    "limit": {"type": "integer"}, "offset": {"type": "integer"}}}
_REPLAY = "The same client id was used before: the first result, nothing written."
_CREATED = {"201": response("Registered.", ref("Stall")),
            "200": response(_REPLAY, ref("Stall")), **problems(400, 404, 409, 422)}

OPENAPI_PATHS = {
    "/markets/{code}/stalls": {
        "get": operation(
            "Search a market's stalls", tag="stalls",
            description="In zone then natural stall-code order (A-2 before A-10). Each "
                        "item's `accounts` holds its primary account only.",
            parameters=[path_param("code", "string"),
                        query_param("q", {"type": "string"}, "Code, shop or owner; accents "
                                                             "ignored."),
                        query_param("status", {"type": "string",
                                               "enum": [s.value for s in Status]}),
                        query_param("zone", {"type": "string"}),
                        query_param("limit", {"type": "integer", "minimum": 1,
                                              "maximum": MAX_LIMIT, "default": 50}),
                        query_param("offset", {"type": "integer", "minimum": 0, "default": 0})],
            responses={"200": response("A page of stalls and the total.", _STALL_PAGE),
                       **problems(404, 422)}),
        "post": operation(
            "Register a new stall with its bank account", tag="stalls", body=STALL_CREATE,
            parameters=[path_param("code", "string"), IDEMPOTENCY_KEY],
            description="A stall code, account or (unless `confirm_phone`) phone already in "
                        "the market is a 409 naming the stall in `existing_id`.",
            responses=_CREATED),
    },
    "/stalls/{stall_id}": {
        "get": operation("One stall with all its accounts, current and replaced",
                         tag="stalls", parameters=[_ID],
                         responses={"200": response("The stall.", ref("Stall")),
                                    **problems(404)}),
        "patch": operation(
            "Edit a stall's own fields", tag="stalls", body=STALL_PATCH,
            parameters=[_ID, IDEMPOTENCY_KEY],
            description="Only the fields sent change, recorded as an `edited` event. A retry "
                        "with the same idempotency key changes nothing. The bank account "
                        "changes through POST /stalls/{stall_id}/account.",
            responses={"200": response("The stall after the edit.", ref("Stall")),
                       **problems(400, 404, 409, 422)}),
    },
    "/stalls/{stall_id}/registration": {"post": operation(
        "Register a census stall", tag="stalls", body=STALL_CREATE,
        parameters=[_ID, IDEMPOTENCY_KEY],
        description="For a stall imported with the census (or one that refused before).",
        responses=_CREATED)},
    "/stalls/{stall_id}/account": {"post": operation(
        "Change the stall's primary bank account", tag="stalls", body=ACCOUNT_CHANGE,
        parameters=[_ID, IDEMPOTENCY_KEY],
        description="Revokes the printed posters and sends the stall back to `registered`.",
        responses={"201": response("Changed.", ref("EventResult")),
                   "200": response(_REPLAY, ref("EventResult")),
                   **problems(400, 404, 409, 422)})},
}
