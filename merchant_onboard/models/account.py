"""The bank accounts a stall is paid into."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import UTCDateTime, utcnow


class PaymentAccount(SQLModel, table=True):
    """A bank account or card of a stall; the primary one is printed on the poster.

    The canonical static VietQR payload is stored with the account so posters, the public
    check and the re-check visit compare against exactly what was printed.
    """

    __tablename__ = "payment_account"
    # DESIGN §11: "only one of these may be true" is a partial unique index, so no race between
    # two requests (an account change, a re-registration, two registrations of one account) can
    # leave a stall with two primaries or one account primary on two stalls of a market.
    __table_args__ = (
        sa.Index("ix_payment_account_market_bank", "market_id", "bank_bin", "account_number"),
        sa.Index("uq_payment_account_primary_stall", "stall_id", unique=True,
                 sqlite_where=sa.text("is_primary"), postgresql_where=sa.text("is_primary")),
        sa.Index("uq_payment_account_primary_account", "market_id", "bank_bin",
                 "account_number", unique=True,
                 sqlite_where=sa.text("is_primary"), postgresql_where=sa.text("is_primary")),
    )

    id: int | None = Field(default=None, primary_key=True)
    stall_id: int = Field(foreign_key="stall.id", index=True, ondelete="CASCADE")
    #: Denormalised from the stall: "same account already in this market" is one index probe.
    market_id: int = Field(foreign_key="market.id", ondelete="CASCADE")
    bank_bin: str = Field(max_length=6)
    account_number: str = Field(max_length=19)
    holder_name: str = Field(max_length=120)
    service: str = Field(max_length=8)
    is_primary: bool = Field(default=True)
    payload: str = Field(max_length=512)
    payload_hash: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: When the account stopped being primary (history is kept, never deleted).
    replaced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
