"""What was printed for a stall, so a bank change can revoke it and the public page can tell."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import UTCDateTime, utcnow


class Poster(SQLModel, table=True):
    """One issued poster: which account and payload, which format, by whom, when."""

    __table_args__ = (sa.UniqueConstraint("stall_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    stall_id: int = Field(foreign_key="stall.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="payment_account.id", ondelete="CASCADE")
    payload_hash: str = Field(max_length=64)
    format: str = Field(max_length=16)
    #: 1, 2, 3… per stall: printed on the public page so an old copy can be told apart.
    version: int = Field(default=1)
    printed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    printed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    batch_id: str | None = Field(default=None, max_length=64, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
