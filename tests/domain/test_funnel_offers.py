"""What the stall page offers in each state, in the order of its buttons, and the words of a
refused step (DESIGN §3). Written out here, independently of the funnel's table."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.funnel import (
    MILESTONES, EventKind, Status, TransitionError, allowed_events, milestone_index, next_status,
    reached,
)

#: Every state's buttons with a bank account: the step forward first (the main button), then
#: the others in funnel order.
OFFERED = {
    "census": ["refused", "inactive", "note"],
    "registered": ["poster_printed", "refused", "inactive", "note"],
    "poster_printed": ["poster_installed", "poster_printed", "refused", "inactive", "recheck",
                       "note"],
    "poster_installed": ["test_payment_verified", "poster_printed", "refused", "inactive",
                         "recheck", "note"],
    "test_payment_verified": ["first_payment_confirmed", "poster_printed", "inactive", "recheck",
                              "note"],
    "first_payment_confirmed": ["poster_printed", "inactive", "recheck", "note"],
    "refused": ["inactive", "reactivated", "note"],
    "inactive": ["reactivated", "note"],
}


@pytest.mark.parametrize("status", list(OFFERED))
def test_each_state_offers_its_buttons_in_order(status):
    assert [str(e) for e in allowed_events(Status(status), has_account=True)] == OFFERED[status]
    # Without a bank account the same, less printing.
    assert [str(e) for e in allowed_events(Status(status), has_account=False)] == [
        e for e in OFFERED[status] if e != "poster_printed"]


def test_a_refused_step_names_the_step_and_the_state():
    with pytest.raises(TransitionError) as caught:
        next_status(Status.CENSUS, EventKind.POSTER_INSTALLED)
    assert str(caught.value) == ("kind: Không thể ghi “poster_installed” khi gian hàng đang ở "
                                 "trạng thái “census”.")


def test_reactivation_goes_back_to_where_the_account_allows():
    for status in (Status.REFUSED, Status.INACTIVE):
        assert next_status(status, EventKind.REACTIVATED, has_account=True) == "registered"
        assert next_status(status, EventKind.REACTIVATED, has_account=False) == "census"
        assert next_status(status, EventKind.REACTIVATED) == "census"


def test_each_milestone_has_reached_itself_and_those_before_it_only():
    order = ["census", "registered", "poster_printed", "poster_installed",
             "test_payment_verified", "first_payment_confirmed"]
    assert [str(m) for m in MILESTONES] == order
    for i, status in enumerate(order):
        assert milestone_index(Status(status)) == i
        assert [reached(Status(status), Status(m)) for m in order] == [j <= i for j in
                                                                        range(len(order))]
    for out in (Status.REFUSED, Status.INACTIVE):
        assert milestone_index(out) is None
        assert not any(reached(out, Status(m)) for m in order)
