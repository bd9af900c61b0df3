"""What a volunteer is told when registering, editing or re-banking a stall goes wrong, and
what is stored then: the cases the other service tests leave out (found by mutation testing,
tests/MUTATION.md).

Through ``stalls.register_stall``, ``stalls.update_stall`` and ``stalls.change_account``, as
the forms and the API call them.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.db import get_engine
from merchant_onboard.domain.errors import ConflictError, FormErrors
from merchant_onboard.models import Stall
from merchant_onboard.services import stalls
from merchant_onboard.services.stalls import PhoneInUse
from tests.factories import stall_fields
from tests.races import rival_first


def register(session, market, volunteer, stall=None, **fields):
    return stalls.register_stall(session, actor=volunteer, market=market, stall=stall,
                                 raw=stall_fields(**fields), client_id=str(uuid.uuid4()),
                                 confirm_phone=True)


def census_stall(session, market, code="C-7"):
    stall = Stall(market_id=market.id, stall_code=code, sort_key=code.lower(),
                  public_code="CENSUS01", shop_name="Gạo Út", owner_name="Lê Văn Út")
    session.add(stall)
    session.commit()
    return stall


def messages(error: FormErrors) -> list[str]:
    return [str(e) for e in error.errors]


# --- registration: a taken code is said with the other mistakes ------------------------------

def test_a_taken_code_is_said_first_with_the_other_mistakes(session, market, volunteer):
    holder = register(session, market, volunteer).stall
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, stall_code="A-1", account_number="99990000",
                 consent=False)
    assert messages(caught.value) == [
        "stall_code: Mã A-1 đã có trong chợ: A-1 · Tạp hoá Cô Ba.",
        "consent: Cần chủ gian hàng đồng ý lưu thông tin trước khi đăng ký.",
    ]
    assert caught.value.errors[0].existing_id == holder.id


def test_a_phone_another_stall_has_is_said_with_the_other_mistakes_unless_confirmed(
        session, market, volunteer):
    holder = register(session, market, volunteer).stall
    for confirmed in (False, True):
        with pytest.raises(FormErrors) as caught:
            stalls.register_stall(session, actor=volunteer, market=market, client_id=str(
                uuid.uuid4()), raw=stall_fields(stall_code="B-2", account_number="99990000",
                                                consent=False), confirm_phone=confirmed)
        said = caught.value.errors
        assert [e.field for e in said] == ["consent"] + ([] if confirmed else ["owner_phone"])
        if not confirmed:
            assert isinstance(said[-1], PhoneInUse) and said[-1].existing_id == holder.id
            assert str(said[-1]) == ("owner_phone: Số điện thoại này đã dùng cho gian hàng "
                                     "A-1 · Tạp hoá Cô Ba. Xác nhận nếu cùng một chủ.")
    # A phone no other stall has, or one that is no phone: no warning.
    for phone in ("0912 000 999", "12345"):
        with pytest.raises(FormErrors) as caught:
            stalls.register_stall(session, actor=volunteer, market=market, client_id=str(
                uuid.uuid4()), raw=stall_fields(stall_code="B-3", account_number="99990001",
                                                owner_phone=phone, consent=False))
        assert "owner_phone" not in [e.field for e in caught.value.errors if
                                     isinstance(e, PhoneInUse)]


def test_a_free_code_with_other_mistakes_is_not_said_taken(session, market, volunteer):
    register(session, market, volunteer)
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, stall_code="B-2", account_number="99990000",
                 consent=False)
    assert [e.field for e in caught.value.errors] == ["consent"]


def test_a_census_stall_keeps_its_own_code_when_the_form_has_mistakes(session, market,
                                                                     volunteer):
    census = census_stall(session, market)
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, stall=census, stall_code="C-7", consent=False)
    assert [e.field for e in caught.value.errors] == ["consent"]


# --- editing -----------------------------------------------------------------------------

def test_an_edit_warns_of_a_shared_phone_unless_the_caller_confirms(session, market,
                                                                   volunteer):
    """Confirming is the caller's explicit choice: a caller that says nothing gets the
    warning, and the phone is not saved."""
    first = register(session, market, volunteer).stall
    second = register(session, market, volunteer, stall_code="A-2", owner_phone="0987 000 111",
                      account_number="22223333").stall
    with pytest.raises(PhoneInUse) as caught:
        stalls.update_stall(session, actor=volunteer, stall=second, market=market,
                            raw={"owner_phone": "0912 345 678"}, client_id=str(uuid.uuid4()))
    assert caught.value.existing_id == first.id
    session.expire_all()
    assert session.get(Stall, second.id).owner_phone == "0987000111"


def test_an_edit_that_loses_the_race_for_a_code_is_told_so_and_saves_nothing(
        app, session, market, volunteer):
    """Another volunteer gives the code to another stall between the check and the save: the
    database's unique constraint answers, said as a conflict on the code (not a 500)."""
    first = register(session, market, volunteer, zone="Khu A").stall
    second = register(session, market, volunteer, stall_code="A-2",
                      account_number="22223333").stall

    def rival_takes_the_code(*_args) -> None:
        with get_engine(app).begin() as rival:
            # As the app writes it: the code with its key (text.code_key).
            rival.execute(sa.update(Stall).where(Stall.id == second.id)
                          .values(stall_code="B-7", code_key="B-7"))

    sa.event.listen(session, "before_flush", rival_takes_the_code, once=True)
    with pytest.raises(ConflictError) as caught:
        stalls.update_stall(session, actor=volunteer, stall=first, market=market,
                            raw={"stall_code": "B-7", "zone": "Khu B"},
                            client_id=str(uuid.uuid4()))
    # Named like the check before the save would have: the stall that holds the code.
    assert (caught.value.field, caught.value.existing_id) == ("stall_code", second.id)
    session.expire_all()
    assert session.exec(select(Stall.stall_code, Stall.zone).where(Stall.id == first.id)
                        ).one() == ("A-1", "Khu A")


def test_a_code_taken_only_in_another_market_is_not_said_taken(session, market, volunteer,
                                                               make_market):
    register(session, make_market("cho-khac"), volunteer)
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, consent=False)
    assert [e.field for e in caught.value.errors] == ["consent"]


def test_a_census_stall_without_a_shop_name_is_named_by_its_code(session, market, volunteer):
    census = Stall(market_id=market.id, stall_code="C-8", sort_key="c-8", public_code="CENSUS02")
    session.add(census)
    session.commit()
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall_code="C-8")
    assert str(caught.value) == "stall_code: Mã C-8 đã có trong chợ: C-8."
    assert caught.value.existing_id == census.id


# --- a new bank account ------------------------------------------------------------------

def change_account(session, market, volunteer, stall, **raw):
    return stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                                 raw={"bank": "970436", "holder_name": "", **raw},
                                 client_id=str(uuid.uuid4()))


def primary(session, stall):
    from merchant_onboard.models import PaymentAccount

    session.expire_all()
    return session.exec(select(PaymentAccount.account_number, PaymentAccount.holder_name).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary)).one()


def test_a_new_account_another_stall_has_is_refused_naming_it(session, market, volunteer):
    first = register(session, market, volunteer).stall
    second = register(session, market, volunteer, stall_code="A-2", shop_name="Bún Cô Hai",
                      account_number="22223333").stall
    with pytest.raises(ConflictError) as caught:
        change_account(session, market, volunteer, first, account_number="22223333")
    assert str(caught.value) == ("account_number: Tài khoản này đã đăng ký cho gian hàng "
                                 "A-2 · Bún Cô Hai.")
    assert caught.value.existing_id == second.id
    assert primary(session, first) == ("0011012345678", "NGUYEN THI BA")


def test_a_new_account_another_market_has_is_taken(session, market, volunteer, make_market):
    register(session, make_market("cho-khac"), volunteer, account_number="22223333")
    first = register(session, market, volunteer).stall
    assert change_account(session, market, volunteer, first, account_number="22223333").created
    assert primary(session, first) == ("22223333", "NGUYEN THI BA")


def test_the_same_number_at_another_bank_is_another_account(session, market, volunteer):
    """An account is its bank and number: the same digits at another bank belong to nobody
    here, for a registration and for an account change."""
    register(session, market, volunteer, bank="970436", account_number="22223333")
    second = register(session, market, volunteer, stall_code="A-2", shop_name="Bún Cô Hai",
                      bank="970415", account_number="22223333").stall
    third = register(session, market, volunteer, stall_code="A-3", account_number="44445555").stall
    assert change_account(session, market, volunteer, third, bank="970418",
                          account_number="22223333").created
    assert primary(session, second) == ("22223333", "NGUYEN THI BA")
    assert primary(session, third) == ("22223333", "NGUYEN THI BA")


def test_an_account_a_stall_no_longer_uses_may_be_another_stalls(session, market, volunteer):
    """Only a stall's current account is its own: the one it changed away from is history,
    and another stall may register it or change to it."""
    first = register(session, market, volunteer, account_number="22223333").stall
    change_account(session, market, volunteer, first, account_number="66667777")
    second = register(session, market, volunteer, stall_code="A-2", shop_name="Bún Cô Hai",
                      account_number="22223333").stall
    assert primary(session, second) == ("22223333", "NGUYEN THI BA")
    third = register(session, market, volunteer, stall_code="A-3", account_number="88889999").stall
    with pytest.raises(ConflictError):  # the first stall's current account is still its own
        change_account(session, market, volunteer, third, account_number="66667777")


def test_the_same_account_under_the_holders_corrected_name_is_taken(session, market,
                                                                   volunteer):
    """The bank shows another name for the owner's account: the stall's own account is no
    duplicate of itself."""
    first = register(session, market, volunteer).stall
    result = change_account(session, market, volunteer, first, account_number="0011012345678",
                            holder_name="NGUYEN THI BA HAI")
    assert result.created and result.stall.status == "registered"
    assert primary(session, first) == ("0011012345678", "NGUYEN THI BA HAI")


def test_an_account_change_is_recorded_with_the_old_account_masked(session, market, volunteer):
    from datetime import UTC, datetime

    from merchant_onboard.models import Event, PaymentAccount

    first = register(session, market, volunteer).stall
    at = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    result = stalls.change_account(session, actor=volunteer, stall=first, market=market,
                                   raw={"bank": "MB", "account_number": "0987654321000"},
                                   client_id="change-key-01", at=at)
    session.expire_all()
    event = session.get(Event, result.event.id)
    assert (event.kind, event.created_at, event.client_id, event.actor_id) == (
        "account_changed", at, "change-key-01", volunteer.id)
    assert event.data == {"bin": "970422", "bank": "MBBank", "account_last4": "1000",
                          "service": "QRIBFTTA", "old_bin": "970436", "old_account_last4": "5678"}
    accounts = session.exec(select(PaymentAccount).where(PaymentAccount.stall_id == first.id)
                            .order_by(PaymentAccount.id)).all()
    assert [(a.account_number, a.is_primary, a.replaced_at) for a in accounts] == [
        ("0011012345678", False, at), ("0987654321000", True, None)]
    assert accounts[1].created_at == at


def test_a_retried_account_change_answers_the_first_and_a_reused_id_is_refused(
        session, market, volunteer):
    first = register(session, market, volunteer).stall
    second = register(session, market, volunteer, stall_code="A-2", account_number="22223333"
                      ).stall
    once = stalls.change_account(session, actor=volunteer, stall=first, market=market,
                                 raw={"bank": "MB", "account_number": "0987654321000"},
                                 client_id="change-key-02")
    again = stalls.change_account(session, actor=volunteer, stall=first, market=market,
                                  raw={"bank": "MB", "account_number": "0987654321000"},
                                  client_id="change-key-02")
    assert (again.created, again.event.id) == (False, once.event.id)
    with pytest.raises(ConflictError) as caught:
        stalls.change_account(session, actor=volunteer, stall=second, market=market,
                              raw={"bank": "MB", "account_number": "0987654321999"},
                              client_id="change-key-02")
    assert str(caught.value) == "client_id: Mã yêu cầu này đã dùng cho một thao tác khác."
    assert primary(session, second) == ("22223333", "NGUYEN THI BA")


def test_a_poster_keeps_the_time_it_was_first_revoked(session, market, volunteer):
    from datetime import UTC, datetime

    from merchant_onboard.models import Poster
    from merchant_onboard.services import onboarding

    first = register(session, market, volunteer).stall
    onboarding.record_event(session, actor=volunteer, stall=first, kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    moments = [datetime(2026, 11, day, 9, 0, tzinfo=UTC) for day in (3, 4)]
    for moment, number in zip(moments, ("0987654321000", "0987654321111"), strict=True):
        session.expire_all()
        stalls.change_account(session, actor=volunteer, stall=session.get(Stall, first.id),
                              market=market, raw={"bank": "MB", "account_number": number},
                              client_id=str(uuid.uuid4()), at=moment)
    session.expire_all()
    assert session.exec(select(Poster.revoked_at).where(Poster.stall_id == first.id)).all() == [
        moments[0]]


def test_a_new_account_taken_by_a_rival_meanwhile_is_refused_naming_it(app, session, market,
                                                                       volunteer):
    """The account was free when checked; another volunteer registers it for a new stall
    before this change is written: the unique index answers, said as the check would."""
    first = register(session, market, volunteer).stall
    rival_first(session, app, lambda other: register(
        other, other.get(type(market), market.id), other.get(type(volunteer), volunteer.id),
        stall_code="A-2", shop_name="Bún Cô Hai", account_number="22223333"))
    with pytest.raises(ConflictError) as caught:
        change_account(session, market, volunteer, first, account_number="22223333")
    assert str(caught.value) == ("account_number: Tài khoản này đã đăng ký cho gian hàng "
                                 "A-2 · Bún Cô Hai.")
    assert primary(session, first) == ("0011012345678", "NGUYEN THI BA")


def test_a_census_stall_whose_account_a_rival_takes_meanwhile_is_told_who_has_it(
        app, session, market, volunteer):
    """A census stall registered with an account free when checked, which another volunteer
    registers for a new stall first: the unique index answers, said as the check would have
    (naming the rival, not the census stall's own code)."""
    census = census_stall(session, market)
    rival_first(session, app, lambda other: register(
        other, other.get(type(market), market.id), other.get(type(volunteer), volunteer.id),
        stall_code="A-2", shop_name="Bún Cô Hai", account_number="22223333"))
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall=census, stall_code="C-7",
                 account_number="22223333")
    assert str(caught.value) == ("account_number: Tài khoản này đã đăng ký cho gian hàng "
                                 "A-2 · Bún Cô Hai.")
    session.expire_all()
    assert session.get(Stall, census.id).status == "census"


def test_a_client_id_used_for_one_stall_is_refused_for_a_census_stall(session, market,
                                                                      volunteer):
    stalls.register_stall(session, actor=volunteer, market=market, raw=stall_fields(),
                          client_id="shared-key-0001")
    census = census_stall(session, market)
    with pytest.raises(ConflictError) as caught:
        stalls.register_stall(session, actor=volunteer, market=market, stall=census,
                              raw=stall_fields(stall_code="C-7", account_number="22223333"),
                              client_id="shared-key-0001")
    assert caught.value.field == "client_id"
    session.expire_all()
    assert session.get(Stall, census.id).status == "census"


def test_a_registered_stall_registered_again_is_refused_naming_it(session, market, volunteer):
    first = register(session, market, volunteer).stall
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall=first, account_number="22223333")
    assert str(caught.value) == "Gian hàng A-1 · Tạp hoá Cô Ba đã đăng ký rồi."
    assert caught.value.existing_id == first.id
    assert primary(session, first) == ("0011012345678", "NGUYEN THI BA")


def test_a_registration_keeps_its_time_and_volunteer_and_a_refused_stalls_replaces_its_account(
        session, market, volunteer):
    """What a registration stores, at the time it was made (an outbox item sent later keeps
    it): the stall's and account's creation, who registered it; registering a refused stall
    with another account retires the old one at that time."""
    from datetime import datetime, timezone

    from merchant_onboard.models import PaymentAccount
    from merchant_onboard.services import onboarding

    monday = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    stall = stalls.register_stall(session, actor=volunteer, market=market, raw=stall_fields(),
                                  client_id=str(uuid.uuid4()), at=monday).stall
    onboarding.record_event(session, actor=volunteer, stall=stall, kind="refused",
                            client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
    stalls.register_stall(session, actor=volunteer, market=market, stall=stall,
                          raw=stall_fields(account_number="22223333"),
                          client_id=str(uuid.uuid4()), at=tuesday)
    session.expire_all()
    stall = session.get(Stall, stall.id)
    assert (stall.created_at, stall.registered_by_id, stall.status) == \
        (monday, volunteer.id, "registered")
    accounts = session.exec(select(PaymentAccount).where(PaymentAccount.stall_id == stall.id)
                            .order_by(PaymentAccount.id)).all()
    assert [(a.account_number, a.is_primary, a.created_at, a.replaced_at) for a in accounts] == [
        ("0011012345678", False, monday, tuesday), ("22223333", True, tuesday, None)]


def test_a_census_stall_cannot_change_an_account_it_never_had(session, market, volunteer):
    """A census-only stall has no account to replace: the volunteer is told to register it,
    at the bank field, and nothing is written."""
    from merchant_onboard.domain.errors import ValidationError
    from merchant_onboard.models import Event, PaymentAccount

    census = census_stall(session, market)
    with pytest.raises(ValidationError) as caught:
        change_account(session, market, volunteer, census, account_number="22223333")
    assert str(caught.value) == "bank: Gian hàng chưa đăng ký: hãy đăng ký trước."
    session.expire_all()
    assert not session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == census.id)).all()
    assert not session.exec(select(Event).where(Event.stall_id == census.id)).all()


def test_the_current_account_again_is_refused_at_the_account_field(session, market, volunteer):
    from merchant_onboard.domain.errors import ValidationError
    from merchant_onboard.models import Event

    first = register(session, market, volunteer).stall
    with pytest.raises(ValidationError) as caught:
        change_account(session, market, volunteer, first, account_number="0011012345678")
    assert str(caught.value) == ("account_number: Tài khoản này đang là tài khoản chính của "
                                 "gian hàng.")
    session.expire_all()
    assert [e.kind for e in session.exec(select(Event).where(Event.stall_id == first.id))] == [
        "registered"]


def test_a_card_number_given_as_a_card_is_paid_to_as_a_card(session, market, volunteer):
    """"Đây là số thẻ" on the change form makes a card transfer QR (service QRIBFTTC), as it
    does at registration; without it the same digits are an account (QRIBFTTA)."""
    from merchant_onboard.models import PaymentAccount

    first = register(session, market, volunteer).stall
    result = change_account(session, market, volunteer, first,
                            account_number="9704366612345678", card="on")
    assert result.event.data["service"] == "QRIBFTTC"
    session.expire_all()
    current = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == first.id, PaymentAccount.is_primary)).one()
    assert (current.account_number, current.service) == ("9704366612345678", "QRIBFTTC")
