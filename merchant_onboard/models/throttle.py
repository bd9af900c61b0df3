"""Fixed-window counters for login attempts and public uploads, kept in the database.

The app keeps no state in memory between requests (DESIGN §8), so a limit must hold across
workers and hosts: the counter lives where every worker sees it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import UTCDateTime


class Throttle(SQLModel, table=True):
    """How many times ``key`` was hit since ``window_start``, and when it may be tried next."""

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(sa_type=UTCDateTime)
    count: int = Field(default=0)
    #: No attempt is let through before this time (a growing delay after repeated failures).
    next_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
