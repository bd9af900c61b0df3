"""Who exported or changed what: kept for the district and the data owners (DESIGN §9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import JSONType, UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One audited action: an export, a user change, a market change."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=200)
    market_id: int | None = Field(default=None, foreign_key="market.id", index=True,
                                  ondelete="SET NULL")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
