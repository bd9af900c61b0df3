"""The onboarding funnel: one pure table of which event moves a stall from which state to which.

DESIGN §3: milestones move forward only; changing the primary bank account sends the stall back
to ``registered``; ``refused`` and ``inactive`` step out of the funnel and ``reactivated`` steps
back in. Every rule lives in ``TRANSITIONS`` so that a test can visit every state × event pair.
"""

from __future__ import annotations

from enum import StrEnum

from merchant_onboard.domain.errors import N_, DomainError


class Status(StrEnum):
    """Where a stall stands; the order of the milestones is the order of the funnel."""

    CENSUS = "census"
    REGISTERED = "registered"
    POSTER_PRINTED = "poster_printed"
    POSTER_INSTALLED = "poster_installed"
    TEST_PAYMENT_VERIFIED = "test_payment_verified"
    FIRST_PAYMENT_CONFIRMED = "first_payment_confirmed"
    REFUSED = "refused"
    INACTIVE = "inactive"


class EventKind(StrEnum):
    """What a volunteer, manager or the system records about a stall."""

    REGISTERED = "registered"
    POSTER_PRINTED = "poster_printed"
    POSTER_INSTALLED = "poster_installed"
    TEST_PAYMENT_VERIFIED = "test_payment_verified"
    FIRST_PAYMENT_CONFIRMED = "first_payment_confirmed"
    REFUSED = "refused"
    INACTIVE = "inactive"
    REACTIVATED = "reactivated"
    ACCOUNT_CHANGED = "account_changed"
    RECHECK = "recheck"
    NOTE = "note"
    EDITED = "edited"


class RefusalReason(StrEnum):
    """Why an owner declined (DESIGN §3); reported on the manager's dashboard."""

    NO_SMARTPHONE = "no_smartphone"
    NO_BANK_ACCOUNT = "no_bank_account"
    PREFERS_CASH = "prefers_cash"
    FEAR_OF_FEES_OR_TAX = "fear_of_fees_or_tax"
    OTHER = "other"


#: The funnel's milestones in order; the adoption rate counts the last one.
MILESTONES: tuple[Status, ...] = (
    Status.CENSUS,
    Status.REGISTERED,
    Status.POSTER_PRINTED,
    Status.POSTER_INSTALLED,
    Status.TEST_PAYMENT_VERIFIED,
    Status.FIRST_PAYMENT_CONFIRMED,
)

#: Sentinel target for ``reactivated``: back to ``registered`` when the stall has a bank
#: account, else to ``census`` (the table stays pure; the caller says which applies).
_BACK_IN = "back_in"

_S = Status
_E = EventKind
_AFTER_PRINT = (_S.POSTER_PRINTED, _S.POSTER_INSTALLED, _S.TEST_PAYMENT_VERIFIED,
                _S.FIRST_PAYMENT_CONFIRMED)
_WITH_ACCOUNT = (_S.REGISTERED, *_AFTER_PRINT)

TRANSITIONS: dict[tuple[Status, EventKind], Status | str] = {
    (_S.CENSUS, _E.REGISTERED): _S.REGISTERED,
    (_S.REFUSED, _E.REGISTERED): _S.REGISTERED,
    (_S.REGISTERED, _E.POSTER_PRINTED): _S.POSTER_PRINTED,
    # A reprint (lost or torn poster) of the same account keeps the milestone reached.
    **{(s, _E.POSTER_PRINTED): s for s in _AFTER_PRINT},
    (_S.POSTER_PRINTED, _E.POSTER_INSTALLED): _S.POSTER_INSTALLED,
    (_S.POSTER_INSTALLED, _E.TEST_PAYMENT_VERIFIED): _S.TEST_PAYMENT_VERIFIED,
    (_S.TEST_PAYMENT_VERIFIED, _E.FIRST_PAYMENT_CONFIRMED): _S.FIRST_PAYMENT_CONFIRMED,
    # An owner may decline at any point before money has moved through the poster.
    **{(s, _E.REFUSED): _S.REFUSED
       for s in (_S.CENSUS, _S.REGISTERED, _S.POSTER_PRINTED, _S.POSTER_INSTALLED)},
    **{(s, _E.INACTIVE): _S.INACTIVE for s in Status if s is not _S.INACTIVE},
    (_S.INACTIVE, _E.REACTIVATED): _BACK_IN,
    (_S.REFUSED, _E.REACTIVATED): _BACK_IN,
    # DESIGN §3: a new primary account revokes the posters and restarts from registered.
    **{(s, _E.ACCOUNT_CHANGED): _S.REGISTERED for s in _WITH_ACCOUNT},
    **{(s, _E.RECHECK): s for s in _AFTER_PRINT},
    **{(s, _E.NOTE): s for s in Status},
    # A stall's own fields edited: recorded (with its client id, so a replay is known) and
    # moving nothing.
    **{(s, _E.EDITED): s for s in Status},
}

#: Events a person records from the stall page; the others are written by services
#: (``registered`` by the registration form, ``account_changed`` by the account form).
MANUAL_EVENTS: tuple[EventKind, ...] = (
    _E.POSTER_PRINTED, _E.POSTER_INSTALLED, _E.TEST_PAYMENT_VERIFIED,
    _E.FIRST_PAYMENT_CONFIRMED, _E.REFUSED, _E.INACTIVE, _E.REACTIVATED, _E.RECHECK, _E.NOTE,
)


class TransitionError(DomainError):
    """The event is not allowed from the stall's current state."""


def next_status(status: Status, event: EventKind, *, has_account: bool = False) -> Status:
    """Return the state ``event`` leads to from ``status``, or raise ``TransitionError``."""
    target = TRANSITIONS.get((Status(status), EventKind(event)))
    if target is None:
        raise TransitionError(
            N_("Không thể ghi “%(event)s” khi gian hàng đang ở trạng thái “%(status)s”."),
            field="kind", event=str(event), status=str(status),
        )
    if target == _BACK_IN:
        return Status.REGISTERED if has_account else Status.CENSUS
    return Status(target)


def allowed_events(status: Status, *, has_account: bool = False) -> list[EventKind]:
    """The events a person may record next, the one that moves the stall forward first (the
    stall page's main button), then the others in funnel order (a reprint, a refusal…)."""
    status = Status(status)
    allowed = [e for e in MANUAL_EVENTS if (status, e) in TRANSITIONS]
    if not has_account:
        allowed = [e for e in allowed if e is not EventKind.POSTER_PRINTED]

    def advances(event: EventKind) -> bool:
        before = milestone_index(status)
        after = milestone_index(next_status(status, event, has_account=has_account))
        return before is not None and after is not None and after > before

    return sorted(allowed, key=lambda event: not advances(event))


def milestone_index(status: Status) -> int | None:
    """Position of ``status`` in the funnel, or None for refused and inactive."""
    try:
        return MILESTONES.index(Status(status))
    except ValueError:
        return None


def reached(status: Status, milestone: Status) -> bool:
    """True when a stall at ``status`` has reached (or passed) ``milestone``."""
    index = milestone_index(status)
    return index is not None and index >= MILESTONES.index(milestone)
