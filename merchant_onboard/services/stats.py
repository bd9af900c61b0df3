"""A market's adoption figures, from aggregate SQL only (every market at once: rollup.py).

DESIGN §8: every figure is a GROUP BY or an ordered LIMIT over the indexed columns
(``stall(market_id, status)``, ``event(market_id, kind, created_at)``); no stall is loaded into
Python, so the cost of a dashboard does not grow with the size of the market.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.figures import (
    AGEING_RULES, LOCAL_OFFSET, AgeingRule, Headline, Stage, WeekPoint, funnel, headline,
    median_of_middle, median_window, weekly_cumulative,
)
from merchant_onboard.domain.funnel import EventKind, Status
from merchant_onboard.models import Event, Market, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services.stall_lookup import stuck_condition

#: Event kinds counted per volunteer, and the column each one fills.
VOLUNTEER_KINDS = {
    EventKind.REGISTERED: "registrations",
    EventKind.POSTER_INSTALLED: "installed",
    EventKind.FIRST_PAYMENT_CONFIRMED: "payments",
    EventKind.REFUSED: "refusals",
    EventKind.RECHECK: "rechecks",
}


@dataclass(frozen=True)
class StuckStall:
    """A stall on an ageing list, with how long it has waited."""

    id: int
    stall_code: str
    shop_name: str
    zone: str
    since: datetime
    days: int


@dataclass(frozen=True)
class Ageing:
    """How many stalls one ageing rule finds, and the longest-waiting of them."""

    rule: AgeingRule
    count: int
    stalls: list[StuckStall]


@dataclass(frozen=True)
class VolunteerRow:
    """What one person recorded in the market (events grouped by actor)."""

    user_id: int | None
    name: str
    registrations: int = 0
    installed: int = 0
    payments: int = 0
    refusals: int = 0
    rechecks: int = 0
    mismatches: int = 0


@dataclass(frozen=True)
class MarketStats:
    """Everything the market dashboard and ``GET /api/v1/markets/{code}/stats`` show."""

    market: Market
    counts: dict[str, int]
    headline: Headline
    funnel: list[Stage]
    ageing: list[Ageing]
    median_days_to_payment: float | None
    volunteers: list[VolunteerRow]
    refusals: dict[str, int]
    weekly: list[WeekPoint]
    generated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values (the API's body)."""
        head = asdict(self.headline)
        head["adoption_rate"] = self.headline.adoption
        return {
            "market": self.market.code, "generated_at": self.generated_at.isoformat(),
            "counts": self.counts, "headline": head,
            "census_size": self.headline.census, "adoption_rate": self.headline.adoption,
            "target_pct": self.market.target_pct,
            "funnel": [asdict(stage) for stage in self.funnel],
            "ageing": {a.rule.key: {"days": a.rule.days, "count": a.count} for a in self.ageing},
            "median_days_to_first_payment": self.median_days_to_payment,
            "volunteers": [asdict(row) for row in self.volunteers],
            "refusal_reasons": self.refusals,
            "weekly": [{"week": p.week.isoformat(), "cumulative": p.cumulative, "rate": p.rate}
                       for p in self.weekly],
        }


def market_stats(session: Session, market: Market, *, now: datetime | None = None,
                 sample: int = 10) -> MarketStats:
    """The figures of one market; ``sample`` stalls are listed per ageing rule."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    counts = _status_counts(session, market)
    head = headline(counts, declared=market.census_size, target_pct=market.target_pct)
    first_registration = _first_registration(session, market)
    start = _local_date(first_registration) if first_registration else None
    weekly = weekly_cumulative(_first_payments_per_week(session, market, dialect),
                               census=head.census, start=start, today=_local_date(now))
    return MarketStats(
        market=market, counts=counts, headline=head, funnel=funnel(counts, head.census),
        ageing=_ageing(session, market, now, sample),
        median_days_to_payment=_median_days_to_payment(session, market, dialect),
        volunteers=_volunteers(session, market), refusals=_refusals(session, market),
        weekly=weekly, generated_at=now)


def _status_counts(session: Session, market: Market) -> dict[str, int]:
    rows = session.exec(select(Stall.status, sa.func.count())
                        .where(Stall.market_id == market.id).group_by(Stall.status)).all()
    return dict(rows)


def _first_registration(session: Session, market: Market) -> datetime | None:
    """When the market's first stall was registered: the campaign's start.

    Read from the events, not from ``Stall.registered_at``, which a changed account restarts
    (the stall's steps must be done again): the trend would lose the weeks before it."""
    return session.exec(select(sa.func.min(Event.created_at))
                        .where(Event.market_id == market.id,
                               Event.kind == EventKind.REGISTERED.value)).one()


def _ageing(session: Session, market: Market, now: datetime, sample: int) -> list[Ageing]:
    out = []
    for rule in AGEING_RULES:
        column = getattr(Stall, rule.since)
        where = (Stall.market_id == market.id,
                 stuck_condition(rule, now - timedelta(days=rule.days)))
        count = session.exec(select(sa.func.count()).select_from(Stall).where(*where)).one()
        rows = session.exec(select(Stall.id, Stall.stall_code, Stall.shop_name, Stall.zone, column)
                            .where(*where).order_by(column, Stall.id).limit(sample)) if count \
            else []
        out.append(Ageing(rule, count, [
            StuckStall(id_, code, shop, zone, since, (now - since).days)
            for id_, code, shop, zone, since in rows]))
    return out


def _days_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def _median_days_to_payment(session: Session, market: Market, dialect: str) -> float | None:
    """Median days from registration to the first customer payment, of the stalls paid now."""
    where = (Stall.market_id == market.id, Stall.status == Status.FIRST_PAYMENT_CONFIRMED.value,
             Stall.registered_at.is_not(None), Stall.first_paid_at.is_not(None))
    n = session.exec(select(sa.func.count()).select_from(Stall).where(*where)).one()
    if not n:
        return None
    days = _days_between(Stall.first_paid_at, Stall.registered_at, dialect)
    offset, limit = median_window(n)
    middle = session.exec(select(days).where(*where).order_by(days).offset(offset).limit(limit))
    return median_of_middle([float(value) for value in middle])


def _local_week(column: Any, dialect: str) -> Any:
    """The Monday (Vietnam time) of ``column``'s week, computed by the database."""
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    if dialect == "postgresql":
        shifted = column + sa.literal_column(f"interval '{hours} hours'")
        return sa.cast(sa.func.date_trunc("week", shifted), sa.Date)
    return sa.func.date(column, f"+{hours} hours", "weekday 0", "-6 days")


def _first_payments_per_week(session: Session, market: Market,
                             dialect: str) -> list[tuple[date, int]]:
    week = _local_week(Stall.first_paid_at, dialect)
    rows = session.exec(select(week, sa.func.count())
                        .where(Stall.market_id == market.id,
                               Stall.status == Status.FIRST_PAYMENT_CONFIRMED.value,
                               Stall.first_paid_at.is_not(None))
                        .group_by(week)).all()
    return [(day if isinstance(day, date) else date.fromisoformat(day), n) for day, n in rows]


def _volunteers(session: Session, market: Market) -> list[VolunteerRow]:
    mismatch = sa.case((sa.and_(Event.kind == EventKind.RECHECK.value,
                                Event.data["match"].as_boolean().is_(False)), 1), else_=0)
    rows = session.exec(select(Event.actor_id, Event.kind, sa.func.count(), sa.func.sum(mismatch))
                        .where(Event.market_id == market.id,
                               Event.kind.in_([k.value for k in VOLUNTEER_KINDS]))
                        .group_by(Event.actor_id, Event.kind)).all()
    figures: dict[int | None, dict[str, int]] = defaultdict(dict)
    for actor_id, kind, n, mismatches in rows:
        figures[actor_id][VOLUNTEER_KINDS[EventKind(kind)]] = n
        if kind == EventKind.RECHECK.value:
            figures[actor_id]["mismatches"] = int(mismatches or 0)
    ids = [i for i in figures if i is not None]
    names = dict(session.exec(select(User.id, User.display_name)
                              .where(User.id.in_(ids))).all()) if ids else {}
    out = [VolunteerRow(user_id=i, name=names.get(i, "") if i else "", **values)
           for i, values in figures.items()]
    return sorted(out, key=lambda r: (-r.registrations, -r.payments, r.name))


def _refusals(session: Session, market: Market) -> dict[str, int]:
    rows = session.exec(select(Stall.refusal_reason, sa.func.count())
                        .where(Stall.market_id == market.id,
                               Stall.status == Status.REFUSED.value)
                        .group_by(Stall.refusal_reason)).all()
    totals: dict[str, int] = defaultdict(int)
    for reason, n in rows:
        totals[reason or "other"] += n
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _local_date(moment: datetime) -> date:
    return (moment.astimezone(UTC) + LOCAL_OFFSET).date()
