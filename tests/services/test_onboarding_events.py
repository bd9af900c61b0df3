"""Recording funnel events: what is stored with each event and stall, what a volunteer is told
when a request is malformed, reused or stale, and how a double tap racing itself ends. The
cases tests/services/test_onboarding.py leaves out (found by mutation testing,
tests/MUTATION.md).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.db import get_engine
from merchant_onboard.domain.errors import ConflictError, FormErrors, ValidationError
from merchant_onboard.domain.funnel import TransitionError
from merchant_onboard.models import Event, Poster, Stall
from merchant_onboard.services import onboarding, stalls
from tests.races import rival_first

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PAID = {"customer_payment": True, "amount": 35000}
TESTED = {"name_matches": True, "owner_confirmed": True}
MOVED_AWAY = {"reason": "other", "note": "Chuyển về quê sau Tết"}


def record(session, volunteer, stall, kind, data=None, *, client_id=None, at=None,
           device_time=None):
    return onboarding.record_event(session, actor=volunteer, stall=stall, kind=kind,
                                   client_id=client_id or str(uuid.uuid4()), data=data,
                                   at=at, device_time=device_time)


def stored(session, stall) -> Stall:
    session.expire_all()
    return session.get(Stall, stall.id)


def history(session, stall) -> list[Event]:
    session.expire_all()
    return list(session.exec(select(Event).where(Event.stall_id == stall.id)
                             .order_by(Event.id)))


# --- the request itself ------------------------------------------------------------------

@pytest.mark.parametrize("client_id", ["", "   ", "1234567", "x" * 65, None])
def test_a_client_id_outside_8_to_64_characters_is_refused(session, volunteer, stall,
                                                          client_id):
    with pytest.raises(ValidationError) as caught:
        onboarding.record_event(session, actor=volunteer, stall=stall, kind="note",
                                client_id=client_id, data={"note": "Hẹn mai"})
    assert str(caught.value) == "client_id: Mã yêu cầu (client_id) cần 8–64 ký tự."
    assert [e.kind for e in history(session, stall)] == ["registered"]


@pytest.mark.parametrize("client_id", ["12345678", "x" * 64])
def test_a_client_id_of_8_or_64_characters_is_kept_as_sent(session, volunteer, stall,
                                                          client_id):
    result = record(session, volunteer, stall, "note", {"note": "Hẹn mai"},
                    client_id=f"  {client_id} ")
    assert result.created and history(session, stall)[-1].client_id == client_id


@pytest.mark.parametrize("kind", ["bogus", "registered", "account_changed", ""])
def test_an_unknown_or_service_only_kind_is_refused(session, volunteer, stall, kind):
    with pytest.raises(ValidationError) as caught:
        record(session, volunteer, stall, kind)
    assert str(caught.value) == "kind: Loại sự kiện không hợp lệ."
    assert [e.kind for e in history(session, stall)] == ["registered"]


def test_a_client_id_reused_for_another_stall_is_refused(session, volunteer, stall,
                                                        make_stall, market):
    other = make_stall(market, volunteer, stall_code="A-2", account_number="22223333")
    record(session, volunteer, stall, "note", {"note": "Hẹn mai"}, client_id="shared-key-01")
    with pytest.raises(ConflictError) as caught:
        record(session, volunteer, other, "note", {"note": "Hẹn mai"}, client_id="shared-key-01")
    assert str(caught.value) == "client_id: Mã yêu cầu này đã dùng cho một thao tác khác."
    assert [e.kind for e in history(session, other)] == ["registered"]


def test_a_retry_answers_the_first_event_and_the_stall(session, volunteer, stall):
    first = record(session, volunteer, stall, "poster_printed", client_id="print-key-001")
    again = record(session, volunteer, stall, "poster_printed", client_id="print-key-001")
    assert (again.created, again.event.id, again.stall.id) == (False, first.event.id, stall.id)
    assert again.stall.status == "poster_printed"
    assert session.exec(select(sa.func.count()).select_from(Poster)).one() == 1


# --- what is stored ----------------------------------------------------------------------

def test_the_event_keeps_who_when_where_and_the_device_time(session, volunteer, stall, market):
    device = T0 - timedelta(minutes=5)
    result = record(session, volunteer, stall, "poster_printed", {"format": "a5"},
                    client_id="print-key-002", at=T0, device_time=device)
    event = history(session, stall)[-1]
    assert event.id == result.event.id
    assert (event.kind, event.stall_id, event.market_id, event.actor_id, event.client_id) == (
        "poster_printed", stall.id, market.id, volunteer.id, "print-key-002")
    assert (event.created_at, event.device_time) == (T0, device)
    assert event.data == {"format": "a5", "poster_version": 1}
    after = stored(session, stall)
    assert (after.status, after.printed_at, after.status_changed_at, after.updated_at) == (
        "poster_printed", T0, T0, T0)


def test_each_print_is_a_new_poster_version_of_the_current_account(session, volunteer, stall):
    record(session, volunteer, stall, "poster_printed", at=T0)
    record(session, volunteer, stall, "poster_installed", at=T0 + timedelta(hours=1))
    reprint = record(session, volunteer, stall, "poster_printed", {"format": "a5"},
                     at=T0 + timedelta(days=1))
    assert reprint.event.data["poster_version"] == 2
    posters = session.exec(select(Poster).where(Poster.stall_id == stall.id)
                           .order_by(Poster.version)).all()
    account = onboarding.primary_account(session, stall.id)
    assert [(p.version, p.format, p.printed_by_id, p.printed_at) for p in posters] == [
        (1, "a6", volunteer.id, T0), (2, "a5", volunteer.id, T0 + timedelta(days=1))]
    assert {(p.account_id, p.payload_hash) for p in posters} == {(account.id,
                                                                  account.payload_hash)}
    # A reprint keeps the milestones reached and when they were reached.
    after = stored(session, stall)
    assert (after.status, after.printed_at, after.status_changed_at) == (
        "poster_installed", T0, T0 + timedelta(hours=1))


def test_a_note_changes_no_status_and_keeps_a_refusal_reason(session, volunteer, stall):
    record(session, volunteer, stall, "refused", {"reason": "prefers_cash"}, at=T0)
    record(session, volunteer, stall, "note", {"note": "Chị Ba đổi ý thì gọi"},
           at=T0 + timedelta(days=2))
    after = stored(session, stall)
    assert (after.status, after.refusal_reason) == ("refused", "prefers_cash")
    assert (after.status_changed_at, after.updated_at) == (T0, T0 + timedelta(days=2))


def test_a_stall_back_in_restarts_its_milestone_times_from_its_return(session, volunteer,
                                                                      stall):
    """A stall printed, then refused and back in, is printed again: registration is stamped
    anew on return and the print after it with its own time, so no milestone is dated before
    the registration it follows (the dashboard's waits and stuck lists count from them)."""
    record(session, volunteer, stall, "poster_printed", at=T0)
    record(session, volunteer, stall, "refused", MOVED_AWAY, at=T0 + timedelta(days=1))
    record(session, volunteer, stall, "reactivated", at=T0 + timedelta(days=3))
    back = stored(session, stall)
    assert (back.registered_at, back.printed_at) == (T0 + timedelta(days=3), None)
    record(session, volunteer, stall, "poster_printed", at=T0 + timedelta(days=4))
    after = stored(session, stall)
    assert (after.status, after.printed_at, after.refusal_reason) == (
        "poster_printed", T0 + timedelta(days=4), None)


def test_an_account_change_clears_every_later_milestone_and_the_recheck_flag(
        session, volunteer, stall, market):
    from merchant_onboard.domain.vietqr import build_payload

    record(session, volunteer, stall, "poster_printed", at=T0)
    record(session, volunteer, stall, "poster_installed", at=T0)
    record(session, volunteer, stall, "test_payment_verified", TESTED, at=T0)
    record(session, volunteer, stall, "first_payment_confirmed", PAID, at=T0)
    record(session, volunteer, stall, "recheck",
           {"payload": build_payload(bank="970422", account="99998888777")}, at=T0)
    assert stored(session, stall).recheck_mismatch is True
    stalls.change_account(session, actor=volunteer, stall=stored(session, stall), market=market,
                          raw={"bank": "MB", "account_number": "0987654321000"},
                          client_id=str(uuid.uuid4()))
    after = stored(session, stall)
    assert after.status == "registered" and after.recheck_mismatch is False
    assert (after.printed_at, after.installed_at, after.test_paid_at, after.first_paid_at) == (
        None, None, None, None)


# --- stale pages and races ---------------------------------------------------------------

def test_a_step_from_a_stale_page_is_told_to_reload_and_writes_nothing(app, session,
                                                                       volunteer, stall):
    """The stall moved on since the page was read (another volunteer refused it): the
    conditional update finds no row in the status read, and the volunteer is told."""
    record(session, volunteer, stall, "poster_printed")
    stale = stored(session, stall)
    with Session(get_engine(app)) as other:
        record(other, volunteer, other.get(Stall, stall.id), "refused", MOVED_AWAY)
    with pytest.raises(ConflictError) as caught:
        record(session, volunteer, stale, "poster_installed")
    assert str(caught.value) == ("Gian hàng vừa được người khác cập nhật. "
                                 "Tải lại trang rồi thử lại.")
    assert [e.kind for e in history(session, stall)] == ["registered", "poster_printed",
                                                         "refused"]
    assert stored(session, stall).status == "refused"


def test_an_account_change_from_a_page_read_before_another_one_is_refused(app, session,
                                                                          volunteer, market,
                                                                          stall):
    """Two volunteers re-bank the same stall from pages read at the same version. The status
    does not move (registered stays registered), so only the stall's version tells the second
    that the stall changed under it: it is told to reload, and the first account stays."""
    stale = stored(session, stall)
    with Session(get_engine(app)) as other:
        stalls.change_account(other, actor=volunteer, stall=other.get(Stall, stall.id),
                              market=market, raw={"bank": "MB", "account_number": "0987654321000"},
                              client_id=str(uuid.uuid4()))
    with pytest.raises(ConflictError) as caught:
        stalls.change_account(session, actor=volunteer, stall=stale, market=market,
                              raw={"bank": "MB", "account_number": "1111222233334"},
                              client_id=str(uuid.uuid4()))
    assert str(caught.value) == ("Gian hàng vừa được người khác cập nhật. "
                                 "Tải lại trang rồi thử lại.")
    assert [e.kind for e in history(session, stall)] == ["registered", "account_changed"]


@pytest.mark.parametrize("kind", ["poster_installed", "note"])
def test_a_double_tap_overtaken_by_its_twin_answers_the_twins_result(app, session,
                                                                     volunteer, stall, kind):
    """Both taps carry the same client id; the second commits first. The first then meets a
    moved status (a step) or the unique client id (a note), and answers the twin's event
    instead of an error."""
    record(session, volunteer, stall, "poster_printed")
    data = {"note": "Hẹn mai"} if kind == "note" else None
    twin = {}
    rival_first(session, app, lambda other: twin.setdefault("result", record(
        other, volunteer, other.get(Stall, stall.id), kind, data, client_id="double-tap-01")))
    result = record(session, volunteer, stored(session, stall), kind, data,
                    client_id="double-tap-01")
    assert (result.created, result.event.id) == (False, twin["result"].event.id)
    assert [e.kind for e in history(session, stall)] == ["registered", "poster_printed", kind]


def test_a_step_overtaken_by_another_step_is_a_conflict(app, session, volunteer, stall):
    record(session, volunteer, stall, "poster_printed")
    rival_first(session, app, lambda other: record(
        other, volunteer, other.get(Stall, stall.id), "refused", MOVED_AWAY))
    with pytest.raises(ConflictError) as caught:
        record(session, volunteer, stored(session, stall), "poster_installed")
    assert str(caught.value) == ("Gian hàng vừa được người khác cập nhật. "
                                 "Tải lại trang rồi thử lại.")
    assert stored(session, stall).status == "refused"


def test_a_registration_overtaken_by_one_of_the_same_code_names_the_holder(
        app, session, volunteer, market):
    """The code was free when checked; the database's unique constraint catches the rival,
    and the volunteer is told which stall now holds it, as the check would have said."""
    from tests.factories import stall_fields

    rival_first(session, app, lambda other: stalls.register_stall(
        other, actor=volunteer, market=other.get(type(market), market.id),
        raw=stall_fields(shop_name="Bún Cô Hai", account_number="22223333",
                         owner_phone="0987000111"),
        client_id=str(uuid.uuid4())))
    with pytest.raises(ConflictError) as caught:
        stalls.register_stall(session, actor=volunteer, market=market,
                              raw=stall_fields(), client_id=str(uuid.uuid4()))
    assert str(caught.value) == "stall_code: Mã A-1 đã có trong chợ: A-1 · Bún Cô Hai."
    assert session.exec(select(Stall.shop_name)).all() == ["Bún Cô Hai"]


def test_a_stall_step_refused_before_its_data_is_judged(session, volunteer, stall):
    """A step that does not apply now is said so, not that its data is incomplete."""
    with pytest.raises(TransitionError):
        record(session, volunteer, stall, "first_payment_confirmed", {"amount": "-1"})


def walk_to_tested(session, volunteer, stall):
    for kind, data in [("poster_printed", None), ("poster_installed", None),
                       ("test_payment_verified", TESTED)]:
        record(session, volunteer, stall, kind, data)


def test_a_first_payment_before_the_stall_was_registered_is_refused(session, volunteer,
                                                                     stall):
    """The volunteer types a day too early (1 Nov for a stall registered in December): the
    payment cannot be the stall's, the time the stall was registered is said, nothing is kept."""
    walk_to_tested(session, volunteer, stall)
    registered = stored(session, stall).registered_at
    local = registered.astimezone(timezone(timedelta(hours=7)))
    with pytest.raises(FormErrors) as caught:
        record(session, volunteer, stall, "first_payment_confirmed",
               {**PAID, "paid_at": f"{local - timedelta(days=1):%Y-%m-%dT%H:%M}"})
    assert str(caught.value) == (
        "paid_at: Thời điểm thanh toán không thể trước lúc gian hàng được đăng ký "
        f"({local:%H:%M %d/%m/%Y}).")
    assert stored(session, stall).status == "test_payment_verified"
    assert history(session, stall)[-1].kind == "test_payment_verified"


def test_a_first_payment_keeps_the_time_typed_in_vietnam_time(session, volunteer, stall):
    walk_to_tested(session, volunteer, stall)
    registered = stored(session, stall).registered_at
    paid = registered.astimezone(timezone(timedelta(hours=7))) + timedelta(minutes=2)
    record(session, volunteer, stall, "first_payment_confirmed",
           {**PAID, "paid_at": f"{paid:%Y-%m-%dT%H:%M}"})
    assert history(session, stall)[-1].data["paid_at"] == (
        paid.replace(second=0, microsecond=0).astimezone(UTC).isoformat())


def test_a_refusal_for_another_reason_without_a_note_writes_nothing(session, volunteer,
                                                                    stall):
    with pytest.raises(FormErrors) as caught:
        record(session, volunteer, stall, "refused", {"reason": "other", "note": " "})
    assert str(caught.value) == "note: Ghi rõ lý do khác vào ghi chú."
    assert (stored(session, stall).status, [e.kind for e in history(session, stall)]) == (
        "registered", ["registered"])


@pytest.mark.parametrize("fmt", ["bogus", "<b>zz</b>"])
def test_a_print_in_a_format_the_app_does_not_print_writes_no_poster(session, volunteer,
                                                                     stall, fmt):
    with pytest.raises(FormErrors) as caught:
        record(session, volunteer, stall, "poster_printed", {"format": fmt})
    assert str(caught.value) == "format: Khổ poster không hợp lệ (a6, a5, a4, sticker, png)."
    assert session.exec(select(sa.func.count()).select_from(Poster)).one() == 0
    assert stored(session, stall).status == "registered"


def test_a_test_payment_without_an_amount_is_the_configured_one(session, volunteer, stall):
    """The app's DEFAULT_TEST_AMOUNT reaches the event when the volunteer types none."""
    record(session, volunteer, stall, "poster_printed")
    record(session, volunteer, stall, "poster_installed")
    result = onboarding.record_event(session, actor=volunteer, stall=stall,
                                     kind="test_payment_verified", client_id=str(uuid.uuid4()),
                                     data=TESTED, default_test_amount=5000)
    assert history(session, stall)[-1].data["amount"] == 5000 == result.event.data["amount"]


def test_a_client_id_another_stall_takes_meanwhile_is_refused_not_answered(
        app, session, volunteer, stall, make_stall, market):
    """The id was new when this step looked; a step of another stall with the same id (a
    client bug) commits first. This one is refused: answering with the other stall's event
    would show the wrong stall."""
    other = make_stall(market, volunteer, stall_code="B-2", account_number="22223333",
                       owner_phone="")
    rival_first(session, app, lambda rival: record(
        rival, volunteer, rival.get(Stall, other.id), "note", {"note": "x"},
        client_id="shared-id-0001"))
    with pytest.raises(ConflictError) as caught:
        record(session, volunteer, stall, "note", {"note": "y"}, client_id="shared-id-0001")
    assert caught.value.field == "client_id"
    assert [e.kind for e in history(session, stall)] == ["registered"]


def test_a_client_id_another_market_takes_meanwhile_is_refused_not_answered(
        app, session, volunteer, market, make_market, make_user):
    """As above for a registration: a rival in another market commits one with the same id."""
    from tests.factories import stall_fields

    elsewhere = make_market("cho-khac")
    hoa = make_user("hoa", markets=[elsewhere])
    rival_first(session, app, lambda rival: stalls.register_stall(
        rival, actor=rival.get(type(hoa), hoa.id), market=rival.get(type(elsewhere), elsewhere.id),
        raw=stall_fields(), client_id="shared-id-0002"))
    with pytest.raises(ConflictError) as caught:
        stalls.register_stall(session, actor=volunteer, market=market,
                              raw=stall_fields(), client_id="shared-id-0002")
    assert caught.value.field == "client_id"
    assert session.exec(select(Stall.market_id)).all() == [elsewhere.id]


def test_a_unique_clash_nothing_explains_is_a_plain_conflict(session):
    """Never a 500: a unique index that fires where no check says why is a conflict to
    retry after reloading."""
    def clash():
        raise sa.exc.IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed"))

    with pytest.raises(ConflictError) as caught:
        onboarding.idempotent(session, "unexplained-1", kind="note", operation=clash)
    assert str(caught.value) == ("Gian hàng vừa được người khác cập nhật. "
                                 "Tải lại trang rồi thử lại.")
