"""A pilot site: a market or a cashless street."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import UTCDateTime, utcnow


class MarketKind(StrEnum):
    MARKET = "market"
    STREET = "street"


class Market(SQLModel, table=True):
    """A market (chợ 4.0) or street (tuyến đường không dùng tiền mặt) being onboarded."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=MarketKind.MARKET, max_length=16)
    province: str = Field(default="", max_length=100, index=True)
    ward: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=300)
    #: The declared number of stalls, used when the census list is still incomplete.
    census_size: int = Field(default=0)
    target_pct: int = Field(default=80)
    campaign_title: str = Field(default="", max_length=200)
    #: Printed under the Vietnamese instructions in Khmer or English; "" for none (issue 12).
    poster_second_line: str = Field(default="", max_length=80,
                                    sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MarketFormerCode(SQLModel, table=True):
    """A code a market was known by before an administrator corrected it.

    Its pages stay where bookmarks, printed instructions, API scripts and the phones' offline
    copies left them: a request under the former code is sent on to the current one
    (``access.enter_market``). A code is in one place only: no market takes another's
    former code while it redirects there (``services.markets``).
    """

    __tablename__ = "market_former_code"

    code: str = Field(max_length=32, primary_key=True)
    market_id: int = Field(foreign_key="market.id", ondelete="CASCADE", index=True)
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
