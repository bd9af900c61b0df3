"""The append-only onboarding history of a stall."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """One thing that happened to a stall; status changes are written with their event.

    ``client_id`` is the idempotency key made by the client (a UUID): a retried request finds
    its first event by it and writes nothing new.
    """

    __table_args__ = (
        sa.Index("ix_event_stall_created", "stall_id", "created_at"),
        sa.Index("ix_event_market_kind_created", "market_id", "kind", "created_at"),
        sa.Index("ix_event_actor_kind", "actor_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    stall_id: int = Field(foreign_key="stall.id", ondelete="CASCADE")
    market_id: int = Field(foreign_key="market.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    device_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    client_id: str = Field(max_length=64, unique=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
