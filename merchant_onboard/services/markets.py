"""Markets: create and edit pilot sites, list those a user works in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.errors import (
    N_, ConflictError, FormErrors, NotFoundError, ValidationError,
)
from merchant_onboard.domain.poster.second_line import FIELD as SECOND_LINE
from merchant_onboard.domain.poster.second_line import clean_second_line
from merchant_onboard.domain.text import clean_text
from merchant_onboard.models import AuditEntry, Market, MarketKind, User
from merchant_onboard.services.access import scope_markets

MARKET_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
_TEXT = {"name": (200, True), "province": (100, False), "ward": (100, False),
         "address": (300, False), "campaign_title": (200, False)}


def clean_market(raw: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Cleaned market fields, or FormErrors naming each wrong one."""
    out: dict[str, Any] = {}
    errors: list[ValidationError] = []
    if not partial or "code" in raw:
        code = str(raw.get("code") or "").strip().lower()
        if not MARKET_CODE_RE.match(code):
            errors.append(ValidationError(
                N_("Mã chợ gồm 2–32 chữ thường không dấu, số và gạch ngang, ví dụ cho-vi-thanh."),
                field="code"))
        out["code"] = code
    for field, (limit, required) in _TEXT.items():
        if partial and field not in raw:
            continue
        try:
            out[field] = clean_text(raw.get(field) or "", field=field, max_length=limit,
                                    required=required)
        except ValidationError as error:
            errors.append(error)
    if not partial or SECOND_LINE in raw:
        try:
            out[SECOND_LINE] = clean_second_line(raw.get(SECOND_LINE) or "")
        except ValidationError as error:
            errors.append(error)
    if not partial or "kind" in raw:
        kind = str(raw.get("kind") or MarketKind.MARKET)
        if kind not in {k.value for k in MarketKind}:
            errors.append(ValidationError(N_("Loại điểm không hợp lệ."), field="kind"))
        out["kind"] = kind
    for field, low, high in (("census_size", 0, 1_000_000), ("target_pct", 1, 100)):
        if partial and field not in raw:
            continue
        value = raw.get(field)
        if value in (None, ""):
            value = 0 if field == "census_size" else 80
        try:
            number = int(str(value).strip())
            if not low <= number <= high:
                raise ValueError
        except ValueError:
            errors.append(ValidationError(N_("Nhập số nguyên từ %(low)s đến %(high)s."),
                                          field=field, low=low, high=high))
        else:
            out[field] = number
    if errors:
        raise FormErrors(errors)
    return out


def create_market(session: Session, *, actor: User | None, raw: Mapping[str, Any]) -> Market:
    """Create a market; commits."""
    fields = clean_market(raw)
    if session.exec(select(Market).where(Market.code == fields["code"])).first():
        raise ConflictError(N_("Mã chợ “%(code)s” đã có."), field="code", code=fields["code"])
    market = Market(**fields)
    session.add(market)
    try:
        session.flush()
        session.add(AuditEntry(actor_id=actor.id if actor else None, action="market.create",
                               target=market.code, market_id=market.id))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("Mã chợ “%(code)s” đã có."), field="code",
                            code=fields["code"]) from None
    return market


def update_market(session: Session, *, actor: User, market: Market,
                  raw: Mapping[str, Any]) -> Market:
    """Edit a market's fields (its code stays); commits."""
    fields = clean_market({k: v for k, v in raw.items() if k != "code"}, partial=True)
    for field, value in fields.items():
        setattr(market, field, value)
    session.add(market)
    session.add(AuditEntry(actor_id=actor.id, action="market.update", target=market.code,
                           market_id=market.id, data={"fields": sorted(fields)}))
    session.commit()
    return market


def list_markets(session: Session, user: User) -> list[Market]:
    """The markets ``user`` may see, by province then name."""
    query = scope_markets(select(Market), session, user).order_by(Market.province, Market.name)
    return list(session.exec(query))


def get_market(session: Session, code: str) -> Market:
    """The market with ``code``, for the machine's operator (CLI): no membership applies."""
    market = session.exec(select(Market).where(Market.code == code.strip().lower())).first()
    if market is None:
        raise NotFoundError(N_("Không tìm thấy chợ “%(code)s”."), code=code)
    return market
