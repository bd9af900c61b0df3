"""The pure maths of the dashboard: denominators, funnel, medians and the weekly trend."""

from __future__ import annotations

from datetime import date

import pytest

from merchant_onboard.domain import figures


def test_declared_census_counts_only_when_larger():
    assert figures.census_size(12, 20) == 20
    assert figures.census_size(25, 20) == 25
    assert figures.census_size(7, 0) == 7


def test_refused_and_inactive_reach_no_milestone():
    counts = {"census": 5, "registered": 2, "poster_installed": 1, "refused": 4, "inactive": 3}
    head = figures.headline(counts, declared=0, target_pct=80)
    assert (head.census_rows, head.registered, head.installed, head.first_paid) == (15, 3, 1, 0)
    assert head.adoption == 0


def test_funnel_conversion_is_none_after_an_empty_stage():
    stages = figures.funnel({"census": 3}, 3)
    assert [s.count for s in stages] == [3, 0, 0, 0, 0, 0]
    assert stages[1].conversion == 0
    assert stages[2].conversion is None


@pytest.mark.parametrize(("n", "window"), [(1, (0, 1)), (2, (0, 2)), (5, (2, 1)), (6, (2, 2))])
def test_median_window_fetches_the_middle(n, window):
    assert figures.median_window(n) == window
    values = sorted(range(n))
    offset, limit = window
    assert figures.median_of_middle(values[offset:offset + limit]) == pytest.approx(
        (values[(n - 1) // 2] + values[n // 2]) / 2)


def test_weekly_trend_fills_empty_weeks_and_keeps_earlier_totals():
    counts = [(date(2026, 1, 7), 2), (date(2026, 1, 21), 1), (date(2026, 1, 22), 1)]
    points = figures.weekly_cumulative(counts, census=10, start=date(2026, 1, 1),
                                       today=date(2026, 2, 3), max_weeks=4)
    assert [p.week for p in points] == [date(2026, 1, 12), date(2026, 1, 19),
                                        date(2026, 1, 26), date(2026, 2, 2)]
    assert [p.cumulative for p in points] == [2, 4, 4, 4]
    assert points[-1].rate == pytest.approx(0.4)


def test_sum_of_headlines_weights_the_target_by_census():
    a = figures.headline({"first_payment_confirmed": 9, "census": 1}, declared=0, target_pct=90)
    b = figures.headline({"census": 30}, declared=0, target_pct=50)
    total = figures.sum_headlines([a, b])
    assert (total.census, total.first_paid) == (40, 9)
    assert total.target_pct == 60  # (90 × 10 + 50 × 30) / 40
    assert figures.sum_headlines([]).adoption is None


def test_markets_without_a_stall_total_their_targets_as_a_plain_mean():
    """A filter finding one market of no stall yet (a target of 60 %) totalled a "0 %" target:
    with no stall anywhere to weigh by, each market weighs the same."""
    empty = [figures.headline({}, declared=0, target_pct=t) for t in (60, 81)]
    assert figures.sum_headlines(empty[:1]).target_pct == 60
    assert figures.sum_headlines(empty).target_pct == 71  # 70.5, halves up
    # One stall anywhere: the census weighs again, and markets of none weigh nothing.
    one = figures.headline({"census": 1}, declared=0, target_pct=90)
    assert figures.sum_headlines([*empty, one]).target_pct == 90


@pytest.mark.parametrize(("paid", "census", "target"), [(29, 100, 29), (57, 100, 57),
                                                       (29, 50, 58), (17, 20, 85)])
def test_a_market_exactly_at_its_target_has_reached_it(paid, census, target):
    """29 of 100 at a 29 % target: "đã đạt", not "còn thiếu 0 gian hàng" (29 / 100 * 100 is
    28.999999999999996 in floating point)."""
    head = figures.headline({"first_payment_confirmed": paid, "census": census - paid},
                            declared=0, target_pct=target)
    assert (head.on_target, head.short_of_target) == (True, 0)


def test_one_stall_short_of_the_target_is_not_on_it():
    head = figures.headline({"first_payment_confirmed": 28, "census": 72}, declared=0,
                            target_pct=29)
    assert (head.on_target, head.short_of_target) == (False, 1)
    empty = figures.headline({}, declared=0, target_pct=1)
    assert (empty.on_target, empty.adoption) == (False, None)


@pytest.mark.parametrize(("days", "shown"), [(None, None), (0.0, 0), (0.49, 0), (2.5, 3),
                                             (3.5, 4), (10.4999, 10), (3.42, 3),
                                             # 2.5 days between two timestamps, as julianday
                                             # subtracts them on SQLite
                                             (2.4999999999417923, 3)])
def test_days_are_shown_whole_with_halves_up(days, shown):
    assert figures.shown_days(days) == shown


@pytest.mark.parametrize(("targets", "shown"), [((50, 51), 51), ((52, 53), 53), ((80, 80), 80)])
def test_the_roll_up_target_rounds_halves_up_as_its_rates_do(targets, shown):
    """Two markets of 100 stalls at 50 % and 51 %: the commune's target is 50.5 %, shown 51 %
    as people round (and as every rate is shown), not 50 % (Python's round halves to even)."""
    total = figures.sum_headlines(
        figures.headline({"census": 100}, declared=0, target_pct=target) for target in targets)
    assert total.target_pct == shown


@pytest.mark.parametrize(("paid", "of", "target", "shown", "unreached"), [
    (2, 3, 67, 66, 67),        # 66.7 % rounds to the target it has not reached
    (1131, 1516, 75, 74, 75),  # 74.6 %
    (1137, 1516, 75, 75, None),  # 75.0 %: reached
    (29, 100, 29, 29, None),   # exactly the target, whatever 29 / 100 * 100 is in floats
    (1, 200, 1, 1, 1),         # 0.5 % under a 1 % target: "1 %" still, never "0 %" once paid
    (3, 4, 90, 75, 90),        # far below: as rounded
    (0, 0, 50, None, None),    # no stalls: no rate, nothing unreached
])
def test_a_rate_never_reads_as_a_target_it_has_not_reached(paid, of, target, shown, unreached):
    head = figures.headline({"first_payment_confirmed": paid, "census": of - paid}, declared=0,
                            target_pct=target)
    assert head.unreached_target == unreached
    assert figures.shown_percent(head.adoption, short_of=head.unreached_target) == shown
