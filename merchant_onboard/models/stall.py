"""A stall in a market, with its onboarding status kept beside it for fast dashboards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from merchant_onboard.domain.text import code_key, zone_key
from merchant_onboard.models.base import UTCDateTime, utcnow


def _code_key_of_insert(context: Any) -> str:
    return code_key(context.get_current_parameters()["stall_code"])


def _zone_key_of_insert(context: Any) -> str:
    return zone_key(context.get_current_parameters().get("zone") or "")


class Stall(SQLModel, table=True):
    """One stall (gian hàng / hộ kinh doanh) and where it stands in the funnel.

    ``status`` and the milestone times are denormalised from the event history and written
    in the same transaction as the event, so dashboards count rows instead of replaying events.
    """

    __table_args__ = (
        sa.UniqueConstraint("market_id", "stall_code"),
        # One stall per code however it is written ("A-1", "a1", "A 01"): text.code_key.
        sa.UniqueConstraint("market_id", "code_key", name="uq_stall_market_code_key"),
        sa.Index("ix_stall_market_status", "market_id", "status"),
        sa.Index("ix_stall_market_order", "market_id", "zone_key", "sort_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    market_id: int = Field(foreign_key="market.id", ondelete="CASCADE")
    stall_code: str = Field(max_length=32)
    #: Natural-order key of the stall code (A-2 before A-10), so SQL can ORDER BY it; compared
    #: byte by byte on PostgreSQL, where a locale collation would skip the punctuation.
    sort_key: str = Field(sa_type=sa.String(128).with_variant(sa.String(128, collation="C"),
                                                               "postgresql"))
    #: The code as read aloud (``text.code_key``: "A-1" for "a1"), unique within the market.
    #: An insert that leaves it out gets it from the code (services set it on edits).
    code_key: str = Field(max_length=64, sa_column_kwargs={"default": _code_key_of_insert})
    zone: str = Field(default="", max_length=64)
    #: The zone as filters compare it and lists sort it (``text.zone_key``: "Khu A", "khu a"
    #: and "KHU A" are one zone, and zones come in Vietnamese alphabetical order), byte by
    #: byte on PostgreSQL as ``sort_key``. The key holds the zone's letters, its tones and its
    #: spelling: up to 770 characters for the zone's 64 ("ﬃ" casefolds to "ffi", each letter
    #: four times in the key), hence the room. Set like ``code_key``.
    zone_key: str = Field(sa_type=sa.String(1024).with_variant(sa.String(1024, collation="C"),
                                                               "postgresql"),
                          sa_column_kwargs={"default": _zone_key_of_insert})
    shop_name: str = Field(default="", max_length=200)
    owner_name: str = Field(default="", max_length=120)
    owner_phone: str = Field(default="", max_length=16, index=True)
    category: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=2000)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    #: Accent-folded code, shop and owner, for search that ignores diacritics.
    search_text: str = Field(default="", max_length=600)
    consent: bool = Field(default=False)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="census", max_length=32)
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    refusal_reason: str | None = Field(default=None, max_length=32)
    registered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    printed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    test_paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_by_id: int | None = Field(default=None, foreign_key="user.id", index=True,
                                         ondelete="SET NULL")
    #: Set when a re-check visit found a QR that is not the stall's registered account.
    recheck_mismatch: bool = Field(default=False)
    public_code: str = Field(max_length=16, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Goes up by one with every UPDATE of the row (the column's ``onupdate``): the optimistic
    #: lock of ``onboarding.lock_stall``.
    version: int = Field(default=1, sa_column_kwargs={
        "server_default": "1", "onupdate": sa.literal_column("version") + 1})

    # Read the new version back with the UPDATE (RETURNING) instead of expiring it.
    __mapper_args__ = {"eager_defaults": True}
