"""Recording funnel events: what each event must carry, and consistency under concurrency."""

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.db import get_engine
from merchant_onboard.domain.errors import ConflictError, FormErrors, ValidationError
from merchant_onboard.domain.funnel import Status, TransitionError
from merchant_onboard.models import Event, Stall
from merchant_onboard.services import onboarding


def record(session, volunteer, stall, kind, data=None, client_id=None):
    return onboarding.record_event(session, actor=volunteer, stall=stall, kind=kind,
                                   client_id=client_id or str(uuid.uuid4()), data=data)


def walk_to_installed(session, volunteer, stall):
    record(session, volunteer, stall, "poster_printed")
    record(session, volunteer, stall, "poster_installed")


def events(session, stall):
    return [e.kind for e in session.exec(select(Event).where(Event.stall_id == stall.id)
                                         .order_by(Event.id))]


def test_full_funnel_stamps_each_milestone(session, volunteer, stall):
    walk_to_installed(session, volunteer, stall)
    record(session, volunteer, stall, "test_payment_verified",
           {"name_matches": "on", "owner_confirmed": "on"})
    record(session, volunteer, stall, "first_payment_confirmed",
           {"amount": "45.000", "customer_payment": "on"})
    after = session.get(Stall, stall.id)
    assert after.status == Status.FIRST_PAYMENT_CONFIRMED
    assert after.registered_at <= after.printed_at <= after.installed_at <= after.test_paid_at \
        <= after.first_paid_at
    assert events(session, stall) == ["registered", "poster_printed", "poster_installed",
                                      "test_payment_verified", "first_payment_confirmed"]


def test_test_payment_records_amount_memo_and_name_check(session, volunteer, stall):
    walk_to_installed(session, volunteer, stall)
    result = record(session, volunteer, stall, "test_payment_verified",
                    {"name_matches": True, "owner_confirmed": True, "bank_reference": "FT2611"})
    assert result.event.data["amount"] == 2000
    assert result.event.data["memo"] == f"MO {stall.public_code}"
    assert result.event.data["bank_reference"] == "FT2611"


def test_test_payment_needs_the_name_check_and_the_owner(session, volunteer, stall):
    walk_to_installed(session, volunteer, stall)
    with pytest.raises(FormErrors) as caught:
        record(session, volunteer, stall, "test_payment_verified", {"amount": "-5"})
    assert {e.field for e in caught.value.errors} == {"name_matches", "owner_confirmed", "amount"}
    assert session.get(Stall, stall.id).status == Status.POSTER_INSTALLED


def test_first_payment_must_be_a_customer_and_not_in_the_future(session, volunteer, stall):
    walk_to_installed(session, volunteer, stall)
    record(session, volunteer, stall, "test_payment_verified",
           {"name_matches": True, "owner_confirmed": True})
    with pytest.raises(FormErrors) as caught:
        record(session, volunteer, stall, "first_payment_confirmed",
               {"amount": "30000", "paid_at": "2999-01-01T10:00"})
    assert {e.field for e in caught.value.errors} == {"paid_at", "customer_payment"}
    assert session.get(Stall, stall.id).first_paid_at is None


def test_step_out_of_order_is_refused_and_changes_nothing(session, volunteer, stall):
    with pytest.raises(TransitionError):
        record(session, volunteer, stall, "first_payment_confirmed",
               {"amount": 1000, "customer_payment": True})
    assert session.get(Stall, stall.id).status == Status.REGISTERED
    assert events(session, stall) == ["registered"]


def test_refusal_keeps_its_reason(session, volunteer, stall):
    with pytest.raises(FormErrors):
        record(session, volunteer, stall, "refused", {"reason": "bored"})
    record(session, volunteer, stall, "refused", {"reason": "prefers_cash"})
    assert session.get(Stall, stall.id).refusal_reason == "prefers_cash"
    record(session, volunteer, stall, "reactivated")
    after = session.get(Stall, stall.id)
    assert after.status == Status.REGISTERED and after.refusal_reason is None


def test_recheck_flags_a_foreign_qr(session, volunteer, stall):
    from merchant_onboard.domain.vietqr import build_payload

    walk_to_installed(session, volunteer, stall)
    fake = build_payload(bank="970422", account="99998888777")
    result = record(session, volunteer, stall, "recheck", {"payload": fake})
    assert result.event.data["match"] is False
    assert session.get(Stall, stall.id).recheck_mismatch is True
    own = onboarding.primary_account(session, stall.id).payload
    record(session, volunteer, stall, "recheck", {"payload": own})
    assert session.get(Stall, stall.id).recheck_mismatch is False


def test_a_recheck_reading_no_payment_code_is_refused_and_keeps_the_flag(session, volunteer,
                                                                          stall):
    """A website's QR says nothing about the poster: it neither raises nor clears the flag."""
    from merchant_onboard.domain.vietqr import build_payload

    walk_to_installed(session, volunteer, stall)
    record(session, volunteer, stall, "recheck",
           {"payload": build_payload(bank="970422", account="99998888777")})
    events = session.scalar(sa.select(sa.func.count()).select_from(Event)
                            .where(Event.stall_id == stall.id))
    with pytest.raises(ValidationError) as refused:
        record(session, volunteer, stall, "recheck", {"payloads": ["https://zalo.me/g/abc"]})
    session.rollback()
    assert (refused.value.message, refused.value.field) == (
        "Ảnh không có mã thanh toán nào, chỉ có mã QR khác (ví dụ trang web). Hãy chụp mã QR "
        "trên poster của gian hàng.", "payloads")
    assert session.get(Stall, stall.id).recheck_mismatch is True
    assert session.scalar(sa.select(sa.func.count()).select_from(Event)
                          .where(Event.stall_id == stall.id)) == events


def test_registered_is_not_a_manual_event(session, volunteer, stall):
    with pytest.raises(ValidationError):
        record(session, volunteer, stall, "registered")


def test_event_retry_is_idempotent_and_key_reuse_is_refused(session, volunteer, stall):
    first = record(session, volunteer, stall, "note", {"note": "Hẹn chiều quay lại"},
                   client_id="note-key-0001")
    again = record(session, volunteer, stall, "note", {"note": "other text"},
                   client_id="note-key-0001")
    assert not again.created and again.event.id == first.event.id
    with pytest.raises(ConflictError):
        record(session, volunteer, stall, "poster_printed", client_id="note-key-0001")
    assert events(session, stall) == ["registered", "note"]


def test_parallel_events_leave_one_consistent_history(app, session, volunteer, stall):
    """Two volunteers tap "poster installed" at the same moment: one wins, one is told."""
    record(session, volunteer, stall, "poster_printed")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def tap(kind: str) -> None:
        with Session(get_engine(app), expire_on_commit=False) as own:
            mine = own.get(Stall, stall.id)
            barrier.wait()
            try:
                onboarding.record_event(own, actor=volunteer, stall=mine, kind=kind,
                                        client_id=str(uuid.uuid4()),
                                        data={"reason": "prefers_cash"} if kind == "refused"
                                        else None)
                outcomes.append("ok")
            except (ConflictError, TransitionError):
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
                outcomes.append(repr(error))

    threads = [threading.Thread(target=tap, args=(kind,)) for kind in
               ("poster_installed", "poster_installed", "refused", "inactive")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.expire_all()
    final = session.get(Stall, stall.id)
    history = events(session, stall)
    # Exactly one status change won; the history ends with the event that set the status.
    status_changes = history[2:]
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert len(status_changes) == 1
    assert final.status == {"poster_installed": "poster_installed", "refused": "refused",
                            "inactive": "inactive"}[status_changes[0]]
    count = session.exec(select(sa.func.count()).select_from(Event)).one()
    assert count == len(history) == 3


def test_recheck_keeps_the_outcome_not_the_scanned_account(session, volunteer, stall):
    from merchant_onboard.domain.vietqr import build_payload

    walk_to_installed(session, volunteer, stall)
    result = record(session, volunteer, stall, "recheck",
                    {"payload": build_payload(bank="970422", account="99998888777")})
    assert "payload" not in result.event.data and "payloads" not in result.event.data
    assert "99998888777" not in str(result.event.data)
    assert result.event.data["codes"][0]["account"] == "•••• 8777"
