"""Editing a stall's own fields: what is saved, which duplicates are refused or warned about.

Through ``stalls.update_stall`` (the edit form and ``PATCH /api/v1/stalls/{id}`` call it).
"""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from merchant_onboard.domain.errors import ConflictError
from merchant_onboard.models import Event, Stall
from merchant_onboard.services import stalls
from merchant_onboard.services.stalls import PhoneInUse


@pytest.fixture
def pair(make_stall, market, volunteer):
    """Two stalls; the second was registered with the first one's phone (one owner, two
    stalls, confirmed at registration)."""
    first = make_stall(market, volunteer, stall_code="A-1", owner_phone="0912 345 678",
                       account_number="0011012340001")
    second = make_stall(market, volunteer, stall_code="A-2", shop_name="Bún Cô Hai",
                        owner_phone="0912 345 678", account_number="0011012340002")
    return first, second


def edit(session, volunteer, market, stall, confirm_phone=False, client_id=None, **raw):
    return stalls.update_stall(session, actor=volunteer, stall=stall, market=market, raw=raw,
                               client_id=client_id or str(uuid.uuid4()),
                               confirm_phone=confirm_phone)


def test_an_edit_that_keeps_a_shared_phone_is_not_warned_again(session, volunteer, market,
                                                               pair):
    _first, second = pair
    edit(session, volunteer, market, second, zone="Khu B")
    edit(session, volunteer, market, second, zone="Khu C", owner_phone="0912 345 678")
    session.expire_all()
    assert session.get(Stall, second.id).zone == "Khu C"


def test_taking_another_stalls_phone_warns_until_confirmed(session, volunteer, market, pair,
                                                           make_stall):
    first, _second = pair
    third = make_stall(market, volunteer, stall_code="A-3", owner_phone="0987 000 111",
                       account_number="0011012340003")
    with pytest.raises(PhoneInUse) as caught:
        edit(session, volunteer, market, third, owner_phone="0912 345 678")
    assert caught.value.existing_id == first.id
    assert str(caught.value) == ("owner_phone: Số điện thoại này đã dùng cho gian hàng "
                                 "A-1 · Tạp hoá Cô Ba. Xác nhận nếu cùng một chủ.")
    session.expire_all()
    assert session.get(Stall, third.id).owner_phone == "0987000111"
    edit(session, volunteer, market, third, confirm_phone=True, owner_phone="0912 345 678")
    session.expire_all()
    assert session.get(Stall, third.id).owner_phone == "0912345678"


def test_taking_another_stalls_code_is_refused_naming_it(session, volunteer, market, pair):
    first, second = pair
    with pytest.raises(ConflictError) as caught:
        edit(session, volunteer, market, first, stall_code="A-2")
    assert (caught.value.field, caught.value.existing_id) == ("stall_code", second.id)
    assert str(caught.value) == "stall_code: Mã A-2 đã có trong chợ: A-2 · Bún Cô Hai."


def _edits(session, stall):
    return [e.data for e in session.exec(select(Event).where(
        Event.stall_id == stall.id, Event.kind == "edited").order_by(Event.id))]


def test_an_edit_is_recorded_with_the_names_of_the_fields_changed(session, volunteer, market,
                                                                   pair):
    first, _second = pair
    status = first.status
    edit(session, volunteer, market, first, shop_name="Tạp hoá Mới", owner_phone="0987654321")
    assert _edits(session, first) == [{"fields": ["owner_phone", "shop_name"]}]
    # Names only: the phone stays out of the history.
    assert "0987654321" not in str(_edits(session, first))
    assert session.get(Stall, first.id).status == status


def test_an_edit_names_who_made_it(session, volunteer, market, pair, make_user):
    """The stall's history says which volunteer edited it (a manager reviewing a wrong name
    asks that person), whoever registered it."""
    first, _second = pair
    hoa = make_user("hoa", markets=[market])
    edit(session, hoa, market, first, zone="Khu C")
    assert [e.actor_id for e in session.exec(select(Event).where(
        Event.stall_id == first.id, Event.kind == "edited"))] == [hoa.id]


def test_an_edit_that_changes_nothing_records_nothing(session, volunteer, market, pair):
    first, _second = pair
    edit(session, volunteer, market, first, shop_name=first.shop_name)
    assert _edits(session, first) == []


def test_a_replayed_edit_does_not_undo_a_later_one(session, volunteer, market, pair):
    """An outbox resends an edit whose answer was lost, after someone else edited the stall."""
    first, _second = pair
    edit(session, volunteer, market, first, client_id="edit-lan-0001", shop_name="Quầy của Lan")
    edit(session, volunteer, market, first, shop_name="Quầy của Hoa")
    again = edit(session, volunteer, market, first, client_id="edit-lan-0001",
                 shop_name="Quầy của Lan")
    session.expire_all()
    assert again.id == first.id
    assert session.get(Stall, first.id).shop_name == "Quầy của Hoa"
    assert len(_edits(session, first)) == 2


def test_an_edit_client_id_used_for_another_stall_is_refused(session, volunteer, market, pair):
    first, second = pair
    edit(session, volunteer, market, first, client_id="edit-lan-0002", zone="Khu B")
    with pytest.raises(ConflictError):
        edit(session, volunteer, market, second, client_id="edit-lan-0002", zone="Khu C")
    session.expire_all()
    assert session.get(Stall, second.id).zone != "Khu C"


@pytest.mark.parametrize("phone", ["0912000111", "", "0987 654 321"])
def test_an_admin_edits_a_stall_but_not_its_phone(session, market, make_stall, volunteer,
                                                  make_user, phone):
    """An admin sees the phone masked: the edit form leaves it out, and a change that sends
    one (the API's PATCH) is refused, the rest of it with it; without it, it saves."""
    from merchant_onboard.domain.errors import PermissionDenied
    from merchant_onboard.models import Role

    stall = make_stall(market, volunteer, stall_code="A-1", owner_phone="0912 345 678")
    admin = make_user("root", role=Role.ADMIN)
    with pytest.raises(PermissionDenied) as refused:
        edit(session, admin, market, stall, owner_phone=phone, shop_name="Tên mới")
    assert (refused.value.field, refused.value.message) == (
        "owner_phone", "Chỉ thành viên của chợ xem và sửa được số điện thoại.")
    session.expire_all()
    assert (session.get(Stall, stall.id).owner_phone,
            session.get(Stall, stall.id).shop_name) == ("0912345678", "Tạp hoá Cô Ba")
    edit(session, admin, market, stall, shop_name="Tên mới")
    session.expire_all()
    assert session.get(Stall, stall.id).shop_name == "Tên mới"
    # A member changes it.
    edit(session, volunteer, market, stall, owner_phone="0912000111")
    session.expire_all()
    assert session.get(Stall, stall.id).owner_phone == "0912000111"
