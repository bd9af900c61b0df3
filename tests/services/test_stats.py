"""Dashboard figures against a hand-made market whose answers are worked out below."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from merchant_onboard.domain.funnel import Status
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Stall
from merchant_onboard.services import onboarding, stall_lookup, stalls, stats
from tests.factories import stall_fields

#: A Monday, 17:00 in Vietnam.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PAID = {"amount": "45000", "customer_payment": "on"}
TESTED = {"name_matches": "on", "owner_confirmed": "on"}


def census_stall(session, market, code: str) -> Stall:
    stall = Stall(market_id=market.id, public_code=stalls.unused_public_code(session),
                  created_at=NOW - 60 * DAY)
    stalls.apply_details(stall, {"stall_code": code, "shop_name": f"Sạp {code}"})
    session.add(stall)
    session.commit()
    return stall


class Market:
    """Twelve stalls over the whole funnel, declared census 20, target 50 %."""

    def __init__(self, session, make_market, make_user):
        self.session = session
        self.market = make_market("cho-so-lieu", census_size=20, target_pct=50)
        self.lan = make_user("lan", markets=[self.market], display_name="Nguyễn Thị Lan")
        self.minh = make_user("minh", markets=[self.market], display_name="Lê Quang Minh")
        self.account = 1000

    def register(self, code: str, who, at: datetime) -> Stall:
        self.account += 1
        return stalls.register_stall(
            self.session, actor=who, market=self.market, client_id=str(uuid.uuid4()), at=at,
            confirm_phone=True, raw=stall_fields(stall_code=code, owner_phone="",
                                                 account_number=f"00110{self.account}")).stall

    def record(self, stall: Stall, kind: str, who, at: datetime, data=None) -> None:
        onboarding.record_event(self.session, actor=who, stall=stall, kind=kind, at=at,
                                client_id=str(uuid.uuid4()), data=data)

    def walk(self, stall: Stall, who, times: list[datetime], payer=None) -> None:
        """Printed, installed, tested and paid at ``times`` (as many as given)."""
        steps = [("poster_printed", None), ("poster_installed", None),
                 ("test_payment_verified", TESTED), ("first_payment_confirmed", PAID)]
        for (kind, data), at in zip(steps, times, strict=False):
            actor = payer if payer and kind == "first_payment_confirmed" else who
            self.record(stall, kind, actor, at, data)


@pytest.fixture
def known(session, make_market, make_user) -> Market:
    m = Market(session, make_market, make_user)
    lan, minh = m.lan, m.minh
    # Paid: A-1 after 10 days (paid by minh's visit), A-2 after 3.42 days (Sunday 20:00 UTC,
    # already Monday in Vietnam), A-3 after 30 days. Median: 10 days.
    a1 = m.register("A-1", lan, NOW - 30 * DAY)
    m.walk(a1, lan, [NOW - 29 * DAY, NOW - 28 * DAY, NOW - 27 * DAY, NOW - 20 * DAY], payer=minh)
    a2 = m.register("A-2", lan, NOW - 25 * DAY)
    m.walk(a2, lan, [NOW - 24 * DAY, NOW - 23 * DAY, NOW - 22.5 * DAY,
                     datetime(2026, 2, 8, 20, 0, tzinfo=UTC)])
    a3 = m.register("A-3", minh, NOW - 40 * DAY)
    m.walk(a3, minh, [NOW - 39 * DAY, NOW - 38 * DAY, NOW - 37 * DAY, NOW - 10 * DAY])
    # Stuck: printed 10 days ago, registered 20 days ago.
    m.walk(m.register("A-4", lan, NOW - 20 * DAY), lan, [NOW - 10 * DAY])
    m.register("A-5", lan, NOW - 3 * DAY)
    m.record(m.register("A-6", lan, NOW - 10 * DAY), "refused", lan, NOW - 9 * DAY,
             {"reason": "prefers_cash"})
    m.record(census_stall(m.session, m.market, "A-7"), "refused", minh, NOW - 8 * DAY,
             {"reason": "no_smartphone"})
    # Paid once, then the bank changed: back to registered, no longer counted as adopted.
    a8 = m.register("A-8", minh, NOW - 16 * DAY)
    m.walk(a8, minh, [NOW - 15.9 * DAY, NOW - 15 * DAY, NOW - 14 * DAY, NOW - 12 * DAY])
    stalls.change_account(m.session, actor=minh, stall=a8, market=m.market,
                          raw={"bank": "970415", "account_number": "1234567890"},
                          client_id=str(uuid.uuid4()), at=NOW - 2 * DAY)
    m.record(m.register("A-9", lan, NOW - 50 * DAY), "inactive", lan, NOW - 5 * DAY)
    m.record(census_stall(m.session, m.market, "A-10"), "inactive", lan, NOW - 5 * DAY)
    census_stall(m.session, m.market, "A-11")
    census_stall(m.session, m.market, "A-12")
    # Re-checks: A-2's poster matches, A-1 carries someone else's QR.
    m.record(a2, "recheck", lan, NOW - DAY,
             {"payload": build_payload(bank="970436", account="00110" + "1002")})
    m.record(a1, "recheck", minh, NOW - DAY,
             {"payload": build_payload(bank="970436", account="9999999999")})
    return m


def figures(known: Market) -> stats.MarketStats:
    return stats.market_stats(known.session, known.market, now=NOW)


def test_counts_per_status_and_adoption_against_declared_census(known):
    result = figures(known)
    assert result.counts == {"census": 2, "registered": 2, "poster_printed": 1,
                             "first_payment_confirmed": 3, "refused": 2, "inactive": 2}
    head = result.headline
    assert (head.census_rows, head.declared, head.census) == (12, 20, 20)
    assert (head.registered, head.installed, head.test_verified, head.first_paid) == (6, 3, 3, 3)
    assert (head.refused, head.inactive) == (2, 2)
    assert head.adoption == pytest.approx(0.15)
    assert not head.on_target


def test_census_rows_count_when_more_than_declared(known):
    known.market.census_size = 5
    head = figures(known).headline
    assert head.census == 12
    assert head.adoption == pytest.approx(3 / 12)


def test_funnel_rates_and_stage_to_stage_conversion(known):
    stages = {s.status: s for s in figures(known).funnel}
    assert [s.count for s in figures(known).funnel] == [20, 6, 4, 3, 3, 3]
    assert stages["registered"].rate == pytest.approx(6 / 20)
    assert stages["registered"].conversion == pytest.approx(6 / 20)
    assert stages["poster_printed"].conversion == pytest.approx(4 / 6)
    assert stages["poster_installed"].conversion == pytest.approx(3 / 4)
    assert stages["first_payment_confirmed"].conversion == pytest.approx(1.0)
    assert stages["census"].conversion is None


def test_ageing_lists_name_the_stuck_stalls(known):
    ageing = {a.rule.key: a for a in figures(known).ageing}
    assert ageing["printed_not_installed"].count == 1
    assert [s.stall_code for s in ageing["printed_not_installed"].stalls] == ["A-4"]
    assert ageing["printed_not_installed"].stalls[0].days == 10
    assert ageing["registered_no_payment"].count == 1
    assert ageing["registered_no_payment"].stalls[0].days == 20
    # A-8 was re-registered by its bank change two days ago: not stuck.
    assert ageing["registered_not_printed"].count == 0
    assert ageing["installed_not_tested"].count == 0


def test_median_days_from_registration_to_first_payment(known):
    assert figures(known).median_days_to_payment == pytest.approx(10.0)


def test_per_volunteer_rows_come_from_the_event_history(known):
    rows = {r.name: r for r in figures(known).volunteers}
    lan, minh = rows["Nguyễn Thị Lan"], rows["Lê Quang Minh"]
    assert (lan.registrations, lan.installed, lan.payments, lan.refusals) == (6, 2, 1, 1)
    assert (lan.rechecks, lan.mismatches) == (1, 0)
    # minh's payment on A-8 stays in his record even though the bank change undid it.
    assert (minh.registrations, minh.installed, minh.payments, minh.refusals) == (2, 2, 3, 1)
    assert (minh.rechecks, minh.mismatches) == (1, 1)


def test_refusal_reasons(known):
    assert figures(known).refusals == {"no_smartphone": 1, "prefers_cash": 1}


def test_weekly_cumulative_adoption_in_vietnam_weeks(known):
    weekly = figures(known).weekly
    assert weekly[0].week == date(2026, 1, 5)
    assert weekly[-1].week == date(2026, 3, 2)
    by_week = {p.week: p.cumulative for p in weekly}
    assert by_week[date(2026, 2, 2)] == 0
    assert by_week[date(2026, 2, 9)] == 2
    assert by_week[date(2026, 2, 16)] == 3
    assert by_week[date(2026, 3, 2)] == 3
    assert weekly[-1].rate == pytest.approx(0.15)


def test_the_trend_starts_at_the_first_registration_even_after_an_account_change(
        session, make_market, make_user):
    """A changed account restarts the stall's ``registered_at`` (its steps must be done
    again); the campaign still started when the stall was first registered, and its trend
    shows the weeks since then."""
    m = Market(session, make_market, make_user)
    first = m.register("B-1", m.lan, NOW - 50 * DAY)  # Thursday 2026-01-08 (Vietnam)
    m.walk(first, m.lan, [NOW - 49 * DAY])
    stalls.change_account(session, actor=m.lan, stall=first, market=m.market,
                          raw={"bank": "970415", "account_number": "1234567890"},
                          client_id=str(uuid.uuid4()), at=NOW - 20 * DAY)
    m.walk(m.register("B-2", m.minh, NOW - 30 * DAY), m.minh,
           [NOW - 29 * DAY, NOW - 28 * DAY, NOW - 27 * DAY, NOW - 26 * DAY])
    weekly = figures(m).weekly
    assert (weekly[0].week, weekly[0].cumulative) == (date(2026, 1, 5), 0)
    assert [p.cumulative for p in weekly if p.week >= date(2026, 2, 2)] == [1, 1, 1, 1, 1]


def test_empty_market_has_no_rates(session, make_market):
    market = make_market("cho-trong")
    result = stats.market_stats(session, market, now=NOW)
    assert result.headline.census == 0
    assert result.headline.adoption is None
    assert result.median_days_to_payment is None
    assert result.weekly == []
    assert all(a.count == 0 for a in result.ageing)


def test_refused_then_registered_again_counts_once(known):
    a7 = stall_lookup.get_stall_by_code(known.session, known.market, "A-7")
    assert a7.status == Status.REFUSED
    stalls.register_stall(known.session, actor=known.lan, market=known.market, stall=a7,
                          client_id=str(uuid.uuid4()), at=NOW - DAY, confirm_phone=True,
                          raw=stall_fields(stall_code="A-7", owner_phone="",
                                           account_number="0011077777"))
    result = figures(known)
    assert result.counts["refused"] == 1
    assert result.headline.registered == 7
    assert result.refusals == {"prefers_cash": 1}


def test_a_stall_reopened_after_closing_is_timed_from_its_return(session, make_market,
                                                                 make_user):
    """Reopened, a closed stall is back at "registered" and walks the steps again: its
    first customer payment is the one after its return, never weeks before its restart
    (a negative wait pulled the median down), and its new print is not weeks old."""
    m = Market(session, make_market, make_user)
    c1 = m.register("C-1", m.lan, NOW - 60 * DAY)
    m.walk(c1, m.lan, [NOW - 59 * DAY, NOW - 58 * DAY, NOW - 57 * DAY, NOW - 56 * DAY])
    m.record(c1, "inactive", m.lan, NOW - 40 * DAY)
    m.record(c1, "reactivated", m.lan, NOW - 20 * DAY)
    m.walk(c1, m.lan, [NOW - 19 * DAY, NOW - 18 * DAY, NOW - 17 * DAY, NOW - 16 * DAY])
    c2 = m.register("C-2", m.minh, NOW - 60 * DAY)
    m.walk(c2, m.minh, [NOW - 59 * DAY])
    m.record(c2, "refused", m.minh, NOW - 50 * DAY, {"reason": "prefers_cash"})
    m.record(c2, "reactivated", m.minh, NOW - 3 * DAY)
    m.walk(c2, m.minh, [NOW - 2 * DAY])
    result = figures(m)
    assert result.median_days_to_payment == pytest.approx(4.0)
    assert {p.week: p.cumulative for p in result.weekly}[date(2026, 2, 9)] == 1
    assert {p.week: p.cumulative for p in result.weekly}[date(2026, 2, 2)] == 0
    ageing = {a.rule.key: a.count for a in result.ageing}
    assert ageing["printed_not_installed"] == 0
