"""The onboarding funnel driven through the services by random sequences of steps (Hypothesis
stateful testing), against a small model of the rules written here (DESIGN §3).

Steps: registrations (a taken stall code is refused), every manual event with the data it needs
(allowed or not), refusals with a reason, closures and reactivations, and bank-account changes
(the same account again is refused). After each step the stored market must agree with the
model: one primary account per stall, the status the model reached, posters revoked by an
account change and only by it, and the dashboard's counts equal to the stall list's.
Runs on both backends, with a bounded number of examples.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)
from sqlmodel import Session, select

from merchant_onboard.db import get_engine
from merchant_onboard.domain.errors import DomainError
from merchant_onboard.models import PaymentAccount, Poster, Stall
from merchant_onboard.services import onboarding, stall_lookup, stats, stalls
from merchant_onboard.services.markets import create_market
from merchant_onboard.services.users import create_user
from tests.conftest import empty_database
from tests.factories import TEST_PASSWORD, stall_fields

# The funnel's milestones, in order (DESIGN §3).
CENSUS, REGISTERED, PRINTED, INSTALLED, TESTED, PAID = (
    "census", "registered", "poster_printed", "poster_installed", "test_payment_verified",
    "first_payment_confirmed")
REFUSED, INACTIVE = "refused", "inactive"
STATUSES = (CENSUS, REGISTERED, PRINTED, INSTALLED, TESTED, PAID, REFUSED, INACTIVE)
AFTER_PRINT = (PRINTED, INSTALLED, TESTED, PAID)

#: What a volunteer sends with each event the stall page offers.
EVENT_DATA = {
    "poster_printed": {"format": "a6"},
    "poster_installed": {},
    "test_payment_verified": {"name_matches": True, "owner_confirmed": True},
    "first_payment_confirmed": {"customer_payment": True, "amount": 35000},
    "refused": {"reason": "prefers_cash"},
    "inactive": {},
    "reactivated": {},
    "recheck": {},  # the payload read at the stall is added when the step runs
    "note": {"note": "Chủ hàng hẹn quay lại sau"},
}
SLOTS = ("A-1", "A-2", "B-1")
#: Once money has moved through the poster, a refusal is no longer allowed.
MONEY_MOVED = (TESTED, PAID)
#: The event that moves a stall to the next milestone.
NEXT_MILESTONE = {REGISTERED: PRINTED, PRINTED: INSTALLED, INSTALLED: TESTED, TESTED: PAID}


def model_next(status: str, kind: str) -> str | None:
    """Where ``kind`` takes a stall (that has a bank account) from ``status``, or None."""
    forward = {PRINTED: REGISTERED, INSTALLED: PRINTED, TESTED: INSTALLED, PAID: TESTED}
    if kind == "note":
        return status
    if kind == "inactive":
        return None if status == INACTIVE else INACTIVE
    if kind == "reactivated":
        return REGISTERED if status in (REFUSED, INACTIVE) else None
    if kind == "refused":
        return REFUSED if status in (CENSUS, REGISTERED, PRINTED, INSTALLED) else None
    if kind == "recheck":
        return status if status in AFTER_PRINT else None
    if kind == "poster_printed" and status in AFTER_PRINT:
        return status  # a reprint keeps the milestone reached
    if kind == "account_changed":
        return REGISTERED if status in (REGISTERED, *AFTER_PRINT) else None
    return kind if forward.get(kind) == status else None


@dataclass
class ModelStall:
    status: str
    account: str
    #: For every poster printed, in order: the account it shows.
    posters: list[str] = field(default_factory=list)
    #: Whether ``refuse_once_money_moved`` tried a refusal since the stall reached its status.
    refusal_tried: bool = False

    def move(self, status: str) -> None:
        if status != self.status:
            self.status, self.refusal_tried = status, False


class FunnelMachine(RuleBasedStateMachine):
    """One market, one volunteer, up to three stalls; the services do every step."""

    engine = None  # set by the test, per backend

    def __init__(self) -> None:
        super().__init__()
        empty_database(self.engine)
        self.session = Session(self.engine)
        self.market = create_market(self.session, actor=None, raw={
            "code": "cho-mo-hinh", "name": "Chợ Mô Hình", "province": "Hậu Giang",
            "ward": "Phường 1"})
        self.volunteer = create_user(self.session, username="lan", password=TEST_PASSWORD,
                                     role="volunteer", display_name="Lan",
                                     market_codes=[self.market.code])
        self.model: dict[str, ModelStall] = {}
        self.ids: dict[str, int] = {}
        self.checks = 0  # invariant checks so far (``dashboard_counts_equal_the_stall_list``)
        self.accounts = (f"{700000 + n:07d}" for n in itertools.count())

    def teardown(self) -> None:
        self.session.close()

    def stall(self, code: str) -> Stall:
        """The stall as stored now (its version included: changes check it)."""
        self.session.expire_all()
        return self.session.get(Stall, self.ids[code])

    def refused(self, step) -> bool:
        try:
            step()
        except DomainError:
            self.session.rollback()
            return True
        return False

    @initialize()
    def first_stall(self) -> None:
        self.register("A-1")

    @rule(code=st.sampled_from(SLOTS))
    def register(self, code: str) -> None:
        account = next(self.accounts)
        refused = self.refused(lambda: self.ids.__setitem__(code, stalls.register_stall(
            self.session, actor=self.volunteer, market=self.market,
            raw=stall_fields(stall_code=code, account_number=account, owner_phone=""),
            client_id=str(uuid.uuid4()), confirm_phone=True).stall.id))
        # A stall code is taken once per market.
        assert refused == (code in self.model)
        if not refused:
            self.model[code] = ModelStall(REGISTERED, account)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), kind=st.sampled_from(sorted(EVENT_DATA)))
    def record(self, data: st.DataObject, kind: str) -> None:
        self.record_on(data.draw(st.sampled_from(sorted(self.model)), label="stall"), kind)

    @precondition(lambda self: any(s.status in NEXT_MILESTONE for s in self.model.values()))
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The step the stall page offers first: without it, random events rarely reach the
        end of the funnel, where the rules differ (no refusal once money has moved)."""
        code = data.draw(st.sampled_from(sorted(
            c for c, s in self.model.items() if s.status in NEXT_MILESTONE)), label="stall")
        self.record_on(code, NEXT_MILESTONE[self.model[code].status])

    @precondition(lambda self: any(s.status in AFTER_PRINT for s in self.model.values()))
    @rule(data=st.data(), kind=st.sampled_from(sorted(EVENT_DATA)))
    def record_late(self, data: st.DataObject, kind: str) -> None:
        """Any event on a stall past printing, where fewer steps are allowed."""
        self.record_on(data.draw(st.sampled_from(sorted(
            c for c, s in self.model.items() if s.status in AFTER_PRINT)), label="stall"), kind)

    def money_moved(self) -> list[str]:
        """Stalls past the test payment not yet asked for a refusal since they got there."""
        return sorted(c for c, s in self.model.items()
                      if s.status in MONEY_MOVED and not s.refusal_tried)

    @precondition(lambda self: self.money_moved())
    @rule(data=st.data())
    def refuse_once_money_moved(self, data: st.DataObject) -> None:
        """An owner declining after the test or first payment: not allowed (DESIGN §3: only
        before money has moved through the poster). ``record_late`` draws it one time in
        nine, and only on a stall that got that far, so bounded runs missed it; once per
        stall and status, so that it does not crowd out the other steps."""
        code = data.draw(st.sampled_from(self.money_moved()), label="stall")
        self.model[code].refusal_tried = True
        self.record_on(code, "refused")

    def record_on(self, code: str, kind: str) -> None:
        stall, expected = self.stall(code), self.model[code]
        payload = dict(EVENT_DATA[kind])
        if kind == "recheck":
            payload["payloads"] = [self.session.exec(select(PaymentAccount.payload).where(
                PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary)).one()]
        refused = self.refused(lambda: onboarding.record_event(
            self.session, actor=self.volunteer, stall=stall, kind=kind,
            client_id=str(uuid.uuid4()), data=payload))
        after = model_next(expected.status, kind)
        assert refused == (after is None), (code, expected.status, kind)
        if after is not None:
            expected.move(after)
            if kind == "poster_printed":
                expected.posters.append(expected.account)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), same=st.booleans())
    def change_account(self, data: st.DataObject, same: bool) -> None:
        code = data.draw(st.sampled_from(sorted(self.model)), label="stall")
        stall, expected = self.stall(code), self.model[code]
        account = expected.account if same else next(self.accounts)
        refused = self.refused(lambda: stalls.change_account(
            self.session, actor=self.volunteer, stall=stall, market=self.market,
            raw={"bank": "970436", "account_number": account, "holder_name": ""},
            client_id=str(uuid.uuid4())))
        after = model_next(expected.status, "account_changed")
        assert refused == (same or after is None), (code, expected.status, same)
        if not refused:
            expected.move(after)
            expected.account = account

    @invariant()
    def each_stall_is_where_the_model_says(self) -> None:
        self.session.expire_all()
        for code, expected in self.model.items():
            stall = self.stall(code)
            assert stall.status == expected.status, code
            primaries = self.session.exec(select(PaymentAccount.account_number).where(
                PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary)).all()
            assert primaries == [expected.account], code  # exactly one primary account

    @invariant()
    def only_posters_of_the_current_account_stand(self) -> None:
        for code, expected in self.model.items():
            rows = self.session.exec(
                select(Poster.version, PaymentAccount.account_number, Poster.revoked_at)
                .join(PaymentAccount, PaymentAccount.id == Poster.account_id)
                .where(Poster.stall_id == self.ids[code]).order_by(Poster.version)).all()
            assert [(v, acc) for v, acc, _ in rows] == list(
                enumerate(expected.posters, start=1)), code
            # An account change revokes every poster printed before it, and nothing else does.
            assert [revoked is not None for _, acc, revoked in rows] == [
                acc != expected.account for acc in expected.posters], code

    @invariant()
    def dashboard_counts_equal_the_stall_list(self) -> None:
        self.session.expire_all()
        counts = stats.market_stats(self.session, self.market).counts
        total = stall_lookup.search_stalls(self.session, market=self.market)[1]
        assert total == len(self.model)
        # The list is searched by each status the dashboard or the model has, and by one
        # more in turn (all eight a step were most of this test's time). Their sum being the
        # whole list's count, no stall is listed under another status; the one in turn
        # catches a search by a status no stall has answering with stalls anyway.
        self.checks += 1
        in_turn = STATUSES[self.checks % len(STATUSES)]
        found = 0
        for status in STATUSES:
            modelled = sum(1 for s in self.model.values() if s.status == status)
            if not (counts.get(status, 0) or modelled or status == in_turn):
                continue
            _, listed = stall_lookup.search_stalls(self.session, market=self.market,
                                                   status=status, summary=True)
            assert counts.get(status, 0) == listed == modelled, status
            found += listed
        assert found == total


@pytest.fixture
def funnel_machine(app):
    FunnelMachine.engine = get_engine(app)
    yield FunnelMachine
    FunnelMachine.engine = None


#: Examples per backend: PostgreSQL's round trips cost several times SQLite's, and CI's time
#: is bounded; the SQLite run explores more, the PostgreSQL run checks the same rules there.
EXAMPLES = {"sqlite": 40, "postgresql": 12}


def test_random_funnel_journeys_keep_the_invariants(funnel_machine):
    run_state_machine_as_test(funnel_machine, settings=settings(
        max_examples=EXAMPLES[funnel_machine.engine.dialect.name], stateful_step_count=30,
        deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def check_invariants(machine: FunnelMachine) -> None:
    machine.each_stall_is_where_the_model_says()
    machine.only_posters_of_the_current_account_stand()
    machine.dashboard_counts_equal_the_stall_list()


@pytest.mark.parametrize("paid", [False, True], ids=["after-test-payment", "after-first-payment"])
def test_no_refusal_once_money_has_moved(funnel_machine, paid):
    """The journey the random runs reach least, driven step by step through the same machine:
    a refusal after the test payment, and after the first customer payment, is refused and
    leaves the stall, its poster and the dashboard as they were."""
    machine = funnel_machine()
    try:
        machine.first_stall()
        steps = ["poster_printed", "poster_installed", "test_payment_verified"]
        for kind in [*steps, *(["first_payment_confirmed"] if paid else []), "refused"]:
            machine.record_on("A-1", kind)  # asserts the service refuses what the model does
            check_invariants(machine)
        assert machine.model["A-1"].status == (PAID if paid else TESTED)
        assert machine.stall("A-1").refusal_reason is None
    finally:
        machine.teardown()
