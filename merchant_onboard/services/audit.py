"""Reading the audit log: who changed which access, who exported or downloaded what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.models import AuditEntry, Market, User


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str | None
    action: str
    target: str
    market: str | None
    data: dict[str, Any]


def recent(session: Session, *, limit: int = 100, before_id: int | None = None,
           action_prefix: str = "", market_code: str = "") -> tuple[list[AuditLine], int | None]:
    """The latest entries, newest first, and the id to page on from (None: no more);
    ``market_code``: only one market's (a district admin reading one market's history)."""
    actor = sa.orm.aliased(User)
    query = (select(AuditEntry, actor.username, Market.code)
             .outerjoin(actor, actor.id == AuditEntry.actor_id)
             .outerjoin(Market, Market.id == AuditEntry.market_id)
             .order_by(AuditEntry.id.desc()).limit(limit + 1))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
    if market_code:
        query = query.where(Market.code == market_code)
    rows = session.execute(query).all()
    lines = [AuditLine(entry.created_at, username, entry.action, entry.target, code,
                       entry.data or {}) for entry, username, code in rows[:limit]]
    more = rows[limit - 1][0].id if len(rows) > limit else None
    return lines, more


def record(session: Session, *, actor: User, action: str, target: str,
           market: Market | None = None, data: dict[str, Any] | None = None) -> None:
    """Add one entry (the caller commits)."""
    session.add(AuditEntry(actor_id=actor.id, action=action, target=target,
                           market_id=market.id if market else None, data=data or {}))
