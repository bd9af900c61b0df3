"""The maths of the adoption figures (DESIGN §3 "Dashboard figures"): rates, funnel, trend.

Pure: the services count rows with aggregate SQL and hand the counts here; nothing in this
module sees a stall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from merchant_onboard.domain.errors import N_
from merchant_onboard.domain.funnel import MILESTONES, Status, reached

#: Vietnam keeps UTC+7 all year (no daylight saving): weeks and days are counted in local time.
LOCAL_OFFSET = timedelta(hours=7)
VIETNAM = timezone(LOCAL_OFFSET)

#: The names of the funnel's counts. Each counts the stalls at a milestone *or past it*, so
#: none may be named as a status is: "Đã đăng ký" is the stalls at that very step (the status
#: table, the stall export), and one name for two numbers is what a manager copies wrongly.
#: The census step is the denominator, the declared size included.
REACHED_LABELS: dict[Status, str] = {
    Status.CENSUS: N_("Tổng số gian hàng"),
    Status.REGISTERED: N_("Đăng ký trở lên"),
    Status.POSTER_PRINTED: N_("In poster trở lên"),
    Status.POSTER_INSTALLED: N_("Dán poster trở lên"),
    Status.TEST_PAYMENT_VERIFIED: N_("Thanh toán thử trở lên"),
    # The last step: at it and past it are the same stalls, and the status's own name fits.
    Status.FIRST_PAYMENT_CONFIRMED: N_("Có khách thanh toán"),
}
#: Statuses still moving through the funnel after registration (not yet paid by a customer).
IN_PROGRESS: tuple[Status, ...] = (
    Status.REGISTERED, Status.POSTER_PRINTED, Status.POSTER_INSTALLED,
    Status.TEST_PAYMENT_VERIFIED,
)


def census_size(rows: int, declared: int) -> int:
    """The adoption denominator: the census rows, or the declared size when it is larger."""
    return max(rows, declared or 0)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, or None when there is nothing to divide by."""
    return part / whole if whole else None


def shown_percent(fraction: float | None, *, short_of: int | None = None) -> int | None:
    """``fraction`` as the whole percent every page and export shows, or None.

    Halves round up, as people round (Python's ``round`` takes 12.5 to 12). A commune reads
    "100 %" as "every stall" and "0 %" as "none yet": 199 of 200 shows 99, and 1 of 1,433
    shows 1. Likewise a target: ``short_of`` is a whole-percent target the rate has not
    reached (``Headline.unreached_target``), which it never shows: 2 of 3 stalls against a
    67 % target reads 66, not "67 %" beside "1 stall short".
    """
    if fraction is None:
        return None
    shown = _halves_up(fraction * 100)
    if short_of is not None:
        shown = min(shown, short_of - 1)
    if fraction < 1:
        shown = min(shown, 99)
    if fraction > 0:
        shown = max(shown, 1)
    return shown


def shown_days(days: float | None) -> int | None:
    """A number of days (a median) as the dashboard shows it, whole: halves round up, as
    ``shown_percent``'s do (``"%.0f"`` showed 2.5 days as 2 and 3.5 as 4)."""
    return None if days is None else _halves_up(days)


def _halves_up(value: float) -> int:
    # Nine decimals drop the binary error first: 29 / 200 * 100 is 14.499999999999998.
    return int(Decimal(f"{value:.9f}").quantize(Decimal(1), ROUND_HALF_UP))


def at_or_past(counts: Mapping[str, int], milestone: Status) -> int:
    """Stalls whose current status has reached ``milestone`` (refused and inactive never do)."""
    return sum(n for status, n in counts.items() if reached(Status(status), milestone))


@dataclass(frozen=True)
class Stage:
    """One step of the funnel: how many stalls reached it, of the census and of the step before."""

    status: str
    count: int
    rate: float | None
    conversion: float | None


def funnel(counts: Mapping[str, int], census: int) -> list[Stage]:
    """The funnel from the census to the first customer payment.

    The census step counts the denominator (declared size included), so the step to
    ``registered`` converts against every stall the market has, listed or not.
    """
    stages: list[Stage] = []
    previous: int | None = None
    for milestone in MILESTONES:
        count = census if milestone is Status.CENSUS else at_or_past(counts, milestone)
        conversion = None if previous is None else rate(count, previous)
        stages.append(Stage(milestone.value, count, rate(count, census), conversion))
        previous = count
    return stages


@dataclass(frozen=True)
class Headline:
    """The cards at the top of a dashboard and the columns of the roll-up."""

    census_rows: int
    declared: int
    census: int
    registered: int
    installed: int
    test_verified: int
    first_paid: int
    refused: int
    inactive: int
    target_pct: int

    @property
    def adoption(self) -> float | None:
        return rate(self.first_paid, self.census)

    @property
    def on_target(self) -> bool:
        # In whole numbers: 29 / 100 * 100 is 28.999999999999996, short of a 29 % target.
        return self.census > 0 and self.first_paid * 100 >= self.target_pct * self.census

    @property
    def unreached_target(self) -> int | None:
        """The target while the rate has not reached it (``shown_percent``'s ``short_of``)."""
        return None if self.on_target or not self.census else self.target_pct

    @property
    def short_of_target(self) -> int:
        """More stalls that need a first customer payment to reach the target."""
        return max(0, -(-self.target_pct * self.census // 100) - self.first_paid)


def headline(counts: Mapping[str, int], *, declared: int, target_pct: int) -> Headline:
    """Headline figures from the stall count per status."""
    rows = sum(counts.values())
    return Headline(
        census_rows=rows, declared=declared, census=census_size(rows, declared),
        registered=at_or_past(counts, Status.REGISTERED),
        installed=at_or_past(counts, Status.POSTER_INSTALLED),
        test_verified=at_or_past(counts, Status.TEST_PAYMENT_VERIFIED),
        first_paid=counts.get(Status.FIRST_PAYMENT_CONFIRMED, 0),
        refused=counts.get(Status.REFUSED, 0), inactive=counts.get(Status.INACTIVE, 0),
        target_pct=target_pct)


@dataclass(frozen=True)
class AgeingRule:
    """A list of stuck stalls: at one of ``statuses`` since ``since`` for more than ``days``."""

    key: str
    label: str
    statuses: tuple[Status, ...]
    since: str
    days: int


AGEING_RULES: tuple[AgeingRule, ...] = (
    AgeingRule("registered_not_printed", N_("Đã đăng ký, chưa in poster quá %(days)s ngày"),
               (Status.REGISTERED,), "registered_at", 7),
    AgeingRule("printed_not_installed", N_("Đã in, chưa dán poster quá %(days)s ngày"),
               (Status.POSTER_PRINTED,), "printed_at", 7),
    AgeingRule("installed_not_tested", N_("Đã dán, chưa thanh toán thử quá %(days)s ngày"),
               (Status.POSTER_INSTALLED,), "installed_at", 7),
    AgeingRule("registered_no_payment",
               N_("Đã đăng ký, chưa có khách thanh toán quá %(days)s ngày"),
               IN_PROGRESS, "registered_at", 14),
)


def ageing_rule(key: str | None) -> AgeingRule | None:
    """The ageing rule named ``key`` (the stall list's ``stuck`` filter), or None."""
    return next((rule for rule in AGEING_RULES if rule.key == key), None)


def median_window(n: int) -> tuple[int, int]:
    """``(offset, limit)`` of the middle value(s) of ``n`` sorted values, for SQL to fetch."""
    return ((n - 1) // 2, 1 if n % 2 else 2)


def median_of_middle(values: Sequence[float]) -> float | None:
    """The median from the one or two middle values that ``median_window`` fetched."""
    return sum(values) / len(values) if values else None


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (Vietnamese reports run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekPoint:
    """Cumulative adoption at the end of one week."""

    week: date
    cumulative: int
    rate: float | None


def weekly_cumulative(counts: Iterable[tuple[date, int]], *, census: int, start: date | None,
                      today: date, max_weeks: int = 26) -> list[WeekPoint]:
    """Cumulative first payments per week from ``start`` to ``today``, no week left out.

    Only the last ``max_weeks`` are returned, but their totals include every earlier week.
    """
    per_week: dict[date, int] = {}
    for day, n in counts:
        monday = week_start(day)
        per_week[monday] = per_week.get(monday, 0) + n
    first = min(([week_start(start)] if start else []) + list(per_week), default=None)
    if first is None:
        return []
    points: list[WeekPoint] = []
    total, week, last = 0, first, week_start(today)
    while week <= last:
        total += per_week.get(week, 0)
        points.append(WeekPoint(week, total, rate(total, census)))
        week += timedelta(days=7)
    return points[-max_weeks:]


def sum_headlines(items: Iterable[Headline]) -> Headline:
    """Totals over several markets: each market brings its own census denominator, and the
    target is the census-weighted mean of their targets; of markets with no stall yet (no
    weight at all), their plain mean: one market's 60 % totalled "0 %"."""
    items = list(items)
    fields = ("census_rows", "declared", "census", "registered", "installed", "test_verified",
              "first_paid", "refused", "inactive")
    sums = {f: sum(getattr(h, f) for h in items) for f in fields}
    weights = [h.census for h in items] if sums["census"] else [1] * len(items)
    weighted, total = sum(h.target_pct * w for h, w in zip(items, weights)), sum(weights)
    # Halves up, in whole numbers, as every shown rate (Python's round takes 50.5 to 50).
    target = (2 * weighted + total) // (2 * total) if total else 0
    return Headline(**sums, target_pct=target)
