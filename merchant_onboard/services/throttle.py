"""Rate limits stored in the database, shared by every worker and host.

A key counts hits in a fixed window. A ``Rule`` may cap the hits per window (refused until the
window ends) and may make each hit past its free ones wait a growing delay before the next.
``reserve`` counts a hit before the work it guards, so parallel requests cannot all pass a
check made before any of them is counted.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from merchant_onboard.models import Throttle
from merchant_onboard.models.base import UTCDateTime, utcnow

_TABLE = Throttle.__table__
_KEY_MAX = _TABLE.c.key.type.length


def stored_key(key: str) -> str:
    """``key`` as it fits the ``throttle.key`` column: unchanged when short enough, else its
    head and a SHA-256 of the whole. Keys hold what a client sends (a username, a forwarded
    address) of any length: PostgreSQL refused a long one with a 500, SQLite kept it whole.
    A stored key is its own stored key, so callers may pass either."""
    if len(key) <= _KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:_KEY_MAX - len(digest) - 1]}#{digest}"


@dataclass(frozen=True)
class Rule:
    """What ``key`` allows per window: at most ``limit`` hits (None: no cap), and after
    ``free`` hits (None: never) a delay of 1, 2, 4 … seconds, at most ``delay_cap``, before
    each next one. ``key`` is kept as stored (``stored_key``)."""

    key: str
    limit: int | None = None
    free: int | None = None
    delay_cap: int = 60

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", stored_key(self.key))

    def delay_after(self, count: int) -> int:
        """Seconds the next hit waits once this key has ``count`` hits."""
        if self.free is None or count <= self.free:
            return 0
        return min(self.delay_cap, 2 ** (count - self.free - 1))


def reserve(session: Session, rules: Iterable[Rule], *, window: int,
            now: datetime | None = None) -> int:
    """Count one hit on every rule's key, or on none of them; commits.

    Returns 0 when the hit was counted, else the seconds to wait before trying again. Each key
    is counted by one INSERT … ON CONFLICT DO UPDATE whose WHERE is the rule itself: the row
    lock it takes makes concurrent reservations of a key queue up, and each sees the count
    left by the one before (keys are taken in one order, so two requests cannot deadlock).
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=window)
    dialect = session.get_bind().dialect.name
    for rule in sorted(rules, key=lambda r: r.key):
        values = {"key": rule.key, "now": now, "cutoff": cutoff}
        if rule.limit is not None:
            values["limit"] = rule.limit
        upsert = _upsert(dialect, capped=rule.limit is not None, spaced=rule.free is not None)
        count = session.execute(upsert, values).scalar_one_or_none()
        if count is None:
            wait = _wait(session, rule, now, window)
            session.rollback()
            return wait
        delay = rule.delay_after(count)
        if delay:
            session.execute(sa.update(Throttle).where(Throttle.key == rule.key)
                            .values(next_at=now + timedelta(seconds=delay)))
    session.commit()
    return 0


@functools.cache
def _upsert(dialect: str, *, capped: bool, spaced: bool) -> sa.Executable:
    """The INSERT … ON CONFLICT DO UPDATE that counts a hit on a rule of this shape, with
    the key, the time, the window's start and the cap as bound parameters: built once per
    backend and shape (building it took as long as running it, twice a login)."""
    module = postgresql if dialect == "postgresql" else sqlite
    now = sa.bindparam("now", type_=UTCDateTime())
    expired = _TABLE.c.window_start <= sa.bindparam("cutoff", type_=UTCDateTime())
    open_ = [sa.true()]
    if capped:
        open_.append(_TABLE.c.count < sa.bindparam("limit", type_=sa.Integer()))
    if spaced:
        open_.append(sa.or_(_TABLE.c.next_at.is_(None), _TABLE.c.next_at <= now))
    insert = module.insert(Throttle).values(key=sa.bindparam("key", type_=sa.String()),
                                            window_start=now, count=1, next_at=None)
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={"count": sa.case((expired, 1), else_=_TABLE.c.count + 1),
              "window_start": sa.case((expired, now), else_=_TABLE.c.window_start),
              "next_at": sa.case((expired, sa.null()), else_=_TABLE.c.next_at)},
        where=sa.or_(expired, sa.and_(*open_)),
    ).returning(_TABLE.c.count)


def _wait(session: Session, rule: Rule, now: datetime, window: int) -> int:
    """Seconds until ``rule`` lets its key through again (it refused just now)."""
    row = session.get(Throttle, rule.key, populate_existing=True)
    assert row is not None  # a refusal means the row exists
    until = row.window_start + timedelta(seconds=window)
    if rule.limit is not None and row.count >= rule.limit:
        return max(1, math.ceil((until - now).total_seconds()))
    # Within the window, only a pending delay refuses.
    return max(1, math.ceil(((row.next_at or now) - now).total_seconds()))


def release(session: Session, keys: Iterable[str], *, forget: Iterable[str] = ()) -> None:
    """Take back one hit from each of ``keys`` and drop ``forget`` altogether: the attempt
    they were reserved for was not a failure. Caller commits."""
    keys = [stored_key(key) for key in keys]
    if keys:
        session.execute(sa.update(Throttle).where(Throttle.key.in_(keys), Throttle.count > 0)
                        .values(count=Throttle.count - 1))
    forget = [stored_key(key) for key in forget]
    if forget:
        session.execute(sa.delete(Throttle).where(Throttle.key.in_(forget)))


def hit(session: Session, key: str, *, window: int, now: datetime | None = None) -> int:
    """Count one more hit for ``key`` and return the count in the window (caller commits)."""
    now = now or utcnow()
    key = stored_key(key)
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
