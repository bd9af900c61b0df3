"""Every state × event pair of the onboarding funnel (DESIGN §3)."""

import itertools

import pytest

from merchant_onboard.domain.funnel import (
    MANUAL_EVENTS, MILESTONES, EventKind, Status, TransitionError, allowed_events, next_status,
    reached,
)

S, E = Status, EventKind

#: The expected outcome of every pair, written out independently of the table under test:
#: a state, "back" for reactivation, or None for "not allowed".
AFTER_PRINT = {S.POSTER_PRINTED, S.POSTER_INSTALLED, S.TEST_PAYMENT_VERIFIED,
               S.FIRST_PAYMENT_CONFIRMED}


def expected(status: Status, event: EventKind):
    if event in (E.NOTE, E.EDITED):
        return status
    if event == E.INACTIVE:
        return None if status == S.INACTIVE else S.INACTIVE
    if event == E.REACTIVATED:
        return "back" if status in (S.INACTIVE, S.REFUSED) else None
    if event == E.REGISTERED:
        return S.REGISTERED if status in (S.CENSUS, S.REFUSED) else None
    if event == E.POSTER_PRINTED:
        if status == S.REGISTERED:
            return S.POSTER_PRINTED
        return status if status in AFTER_PRINT else None
    if event == E.POSTER_INSTALLED:
        return S.POSTER_INSTALLED if status == S.POSTER_PRINTED else None
    if event == E.TEST_PAYMENT_VERIFIED:
        return S.TEST_PAYMENT_VERIFIED if status == S.POSTER_INSTALLED else None
    if event == E.FIRST_PAYMENT_CONFIRMED:
        return S.FIRST_PAYMENT_CONFIRMED if status == S.TEST_PAYMENT_VERIFIED else None
    if event == E.REFUSED:
        return S.REFUSED if status in (S.CENSUS, S.REGISTERED, S.POSTER_PRINTED,
                                       S.POSTER_INSTALLED) else None
    if event == E.ACCOUNT_CHANGED:
        return S.REGISTERED if status in AFTER_PRINT | {S.REGISTERED} else None
    if event == E.RECHECK:
        return status if status in AFTER_PRINT else None
    raise AssertionError(event)


@pytest.mark.parametrize(("status", "event"), list(itertools.product(Status, EventKind)))
def test_every_state_and_event_pair(status, event):
    want = expected(status, event)
    if want is None:
        with pytest.raises(TransitionError):
            next_status(status, event)
    elif want == "back":
        assert next_status(status, event, has_account=True) == S.REGISTERED
        assert next_status(status, event, has_account=False) == S.CENSUS
    else:
        assert next_status(status, event) == want


def test_milestones_only_move_forward_except_a_bank_change():
    for status, event in itertools.product(MILESTONES, EventKind):
        if event in (E.ACCOUNT_CHANGED, E.REFUSED, E.INACTIVE):
            continue
        try:
            after = next_status(status, event)
        except TransitionError:
            continue
        assert MILESTONES.index(after) >= MILESTONES.index(status), (status, event)


def test_the_stall_page_offers_exactly_the_allowed_manual_steps():
    for status in Status:
        offered = allowed_events(status, has_account=True)
        assert set(offered) <= set(MANUAL_EVENTS)
        for event in MANUAL_EVENTS:
            allowed = expected(status, event) is not None
            assert (event in offered) == allowed, (status, event)


def test_no_printing_without_a_bank_account():
    assert E.POSTER_PRINTED not in allowed_events(S.REGISTERED, has_account=False)
    # Unless told otherwise, a stall is taken to have no account: printing is not offered.
    assert E.POSTER_PRINTED not in allowed_events(S.REGISTERED)


def test_error_names_the_event_and_status():
    with pytest.raises(TransitionError) as caught:
        next_status(S.CENSUS, E.POSTER_INSTALLED)
    assert caught.value.params == {"event": "poster_installed", "status": "census"}


def test_reached_follows_the_funnel_order():
    assert reached(S.TEST_PAYMENT_VERIFIED, S.POSTER_INSTALLED)
    assert not reached(S.REGISTERED, S.POSTER_PRINTED)
    assert not reached(S.REFUSED, S.CENSUS)


@pytest.mark.parametrize(("status", "forward"), [
    (S.REGISTERED, E.POSTER_PRINTED), (S.POSTER_PRINTED, E.POSTER_INSTALLED),
    (S.POSTER_INSTALLED, E.TEST_PAYMENT_VERIFIED),
    (S.TEST_PAYMENT_VERIFIED, E.FIRST_PAYMENT_CONFIRMED),
])
def test_the_step_forward_comes_first_before_a_reprint(status, forward):
    assert allowed_events(status, has_account=True)[0] == forward
