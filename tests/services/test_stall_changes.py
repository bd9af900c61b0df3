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


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


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
            rival.execute(sa.update(Stall).where(Stall.id == second.id)
                          .values(stall_code="B-7"))

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
