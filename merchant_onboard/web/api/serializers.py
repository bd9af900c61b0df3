"""The JSON shapes of markets, stalls, accounts and events, and their OpenAPI schemas.

Personal data (DESIGN §9): for a user who may not see it (``access.sees_personal_data``),
phones and account numbers are masked as on the web pages, and payloads, which spell the
account number out, are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.funnel import Status, allowed_events
from merchant_onboard.domain.vietqr import Kind
from merchant_onboard.models import Event, Market, PaymentAccount, Stall, User
from merchant_onboard.services import access, stall_lookup
from merchant_onboard.services.onboarding import EventResult
from merchant_onboard.web.templating import mask

_STALL_TEXT = ("stall_code", "zone", "shop_name", "owner_name", "category", "notes")
_STALL_TIMES = ("consent_at", "registered_at", "printed_at", "installed_at", "test_paid_at",
                "first_paid_at", "status_changed_at", "created_at", "updated_at")
_MARKET_FIELDS = ("code", "name", "kind", "province", "ward", "address", "census_size",
                  "target_pct", "campaign_title", "poster_second_line")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, however the value was given (jsonify alone would write RFC 822)."""
    return moment.astimezone(UTC).isoformat() if moment else None


def market_json(market: Market) -> dict[str, Any]:
    return {"id": market.id, **{f: getattr(market, f) for f in _MARKET_FIELDS},
            "created_at": iso(market.created_at)}


def account_json(account: PaymentAccount, *, personal: bool) -> dict[str, Any]:
    bank = default_registry().by_bin(account.bank_bin)
    return {
        "bin": account.bank_bin,
        "bank": bank.short_name if bank else None,
        "account_number": account.account_number if personal else mask(account.account_number),
        "holder_name": account.holder_name,
        "service": account.service,
        "primary": account.is_primary,
        "payload": account.payload if personal else None,
        "created_at": iso(account.created_at),
        "replaced_at": iso(account.replaced_at),
    }


def stall_json(stall: Stall, market: Market, accounts: list[PaymentAccount], *,
               personal: bool) -> dict[str, Any]:
    """A stall with ``accounts`` (primary first) as the user may see it."""
    has_account = any(a.is_primary for a in accounts)
    return {
        "id": stall.id,
        "market": market.code,
        **{f: getattr(stall, f) for f in _STALL_TEXT},
        "owner_phone": stall.owner_phone if personal else mask(stall.owner_phone, 3),
        "latitude": stall.latitude,
        "longitude": stall.longitude,
        "status": stall.status,
        "refusal_reason": stall.refusal_reason,
        "recheck_mismatch": stall.recheck_mismatch,
        "public_code": stall.public_code,
        "consent": stall.consent,
        **{f: iso(getattr(stall, f)) for f in _STALL_TIMES},
        "next_events": [e.value for e in allowed_events(Status(stall.status),
                                                       has_account=has_account)],
        "personal_data_masked": not personal,
        "accounts": [account_json(a, personal=personal) for a in accounts],
    }


def event_json(event: Event) -> dict[str, Any]:
    # Events keep no full account number (a re-check stores only its outcome), so every role
    # that may see the stall sees the same history.
    data = dict(event.data or {})
    return {"id": event.id, "stall_id": event.stall_id, "kind": event.kind,
            "actor_id": event.actor_id, "created_at": iso(event.created_at),
            "device_time": iso(event.device_time), "client_id": event.client_id, "data": data}


def stall_detail(session: Session, user: User, stall: Stall, market: Market) -> dict[str, Any]:
    """One stall with all its accounts, current and replaced."""
    view = stall_lookup.stall_view(session, stall, market)
    return stall_json(stall, market, view.accounts,
                      personal=access.sees_personal_data(user, market))


def event_result_json(session: Session, user: User, result: EventResult,
                      market: Market) -> dict[str, Any]:
    """What a write that records an event answers: the event and the stall after it."""
    return {"event": event_json(result.event),
            "stall": stall_detail(session, user, result.stall, market)}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


_TIME = _nullable("string", format="date-time")

OPENAPI_SCHEMAS: dict[str, Any] = {
    "Market": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string", "examples": ["cho-vi-thanh"]},
        "name": {"type": "string"}, "kind": {"type": "string", "enum": ["market", "street"]},
        "province": {"type": "string"}, "ward": {"type": "string"},
        "address": {"type": "string"}, "census_size": {"type": "integer"},
        "target_pct": {"type": "integer"}, "campaign_title": {"type": "string"},
        "poster_second_line": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"}}},
    "Account": {"type": "object", "properties": {
        "bin": {"type": "string", "examples": ["970436"]},
        "bank": _nullable("string", description="Short name of the bank."),
        "account_number": {"type": "string",
                           "description": "Masked (•••• 5678) for roles that may not see it."},
        "holder_name": {"type": "string", "examples": ["NGUYEN THI BA"]},
        "service": {"type": "string", "enum": ["QRIBFTTA", "QRIBFTTC"]},
        "primary": {"type": "boolean"},
        "payload": _nullable("string", description="The static VietQR payload; null when "
                                                   "the account number is masked."),
        "created_at": {"type": "string", "format": "date-time"}, "replaced_at": _TIME}},
    "Stall": {"type": "object", "properties": {
        "id": {"type": "integer"}, "market": {"type": "string", "description": "Market code."},
        **{f: {"type": "string"} for f in _STALL_TEXT},
        "owner_phone": {"type": "string", "description": "Masked for roles that may not see it."},
        "latitude": _nullable("number"), "longitude": _nullable("number"),
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "refusal_reason": _nullable("string"), "recheck_mismatch": {"type": "boolean"},
        "public_code": {"type": "string"}, "consent": {"type": "boolean"},
        **{f: _TIME for f in _STALL_TIMES},
        "next_events": {"type": "array", "items": {"type": "string"},
                        "description": "Event kinds that may be recorded next."},
        "personal_data_masked": {"type": "boolean"},
        "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"},
                     "description": "Primary first. In lists: the primary account only."}}},
    "Event": {"type": "object", "properties": {
        "id": {"type": "integer"}, "stall_id": {"type": "integer"}, "kind": {"type": "string"},
        "actor_id": _nullable("integer"), "created_at": {"type": "string", "format": "date-time"},
        "device_time": _TIME, "client_id": {"type": "string"}, "data": {"type": "object"}}},
    "EventResult": {"type": "object", "properties": {
        "event": {"$ref": "#/components/schemas/Event"},
        "stall": {"$ref": "#/components/schemas/Stall"}}},
    "ParsedQR": {"type": "object", "properties": {
        "valid": {"type": "boolean"}, "kind": {"type": "string", "enum": [k.value for k in Kind]},
        "bin": _nullable("string"), "bank": _nullable("string"), "bank_name": _nullable("string"),
        "account": _nullable("string"), "service": _nullable("string"),
        "amount": _nullable("integer"), "purpose": _nullable("string"),
        "initiation": _nullable("string", enum=["static", "dynamic", None]),
        "errors": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"},
                     "description": "Read although the standard says otherwise: unknown_bin "
                                    "(pick the bank), purpose_too_long, amount_trailing_dot."}}},
}
