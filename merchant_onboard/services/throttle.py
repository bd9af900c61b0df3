"""Fixed-window rate limits stored in the database, shared by every worker and host."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from merchant_onboard.models import Throttle
from merchant_onboard.models.base import utcnow


def count(session: Session, key: str, *, window: int, now: datetime | None = None) -> int:
    """How many hits ``key`` has in its current window (0 once the window has passed)."""
    now = now or utcnow()
    row = session.get(Throttle, key)
    if row is None or row.window_start <= now - timedelta(seconds=window):
        return 0
    return row.count


def hit(session: Session, key: str, *, window: int, now: datetime | None = None) -> int:
    """Count one more hit for ``key`` and return the count in the window (caller commits)."""
    now = now or utcnow()
    row = session.get(Throttle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(Throttle(key=key, window_start=now, count=1))
            return 1
        except IntegrityError:
            # Another worker created the row first: count on it instead.
            row = session.get(Throttle, key, with_for_update=True, populate_existing=True)
            assert row is not None
    if row.window_start <= now - timedelta(seconds=window):
        row.window_start, row.count = now, 1
    else:
        session.execute(sa.update(Throttle).where(Throttle.key == key)
                        .values(count=Throttle.count + 1))
        session.refresh(row)
    return row.count


def reset(session: Session, key: str) -> None:
    """Forget ``key`` (a successful login clears its failures)."""
    session.execute(sa.delete(Throttle).where(Throttle.key == key))
