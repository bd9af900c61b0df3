"""Who may see and manage which market and stall, asked of ``services.access`` directly.

Every role against a market of their own and another one: members see, managers (and admins)
manage, a stall of a market one does not belong to does not exist.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.domain.errors import NotFoundError, PermissionDenied
from merchant_onboard.models import Market, Role
from merchant_onboard.services import access, markets


@pytest.fixture
def world(make_market, make_user, make_stall):
    ours, theirs, empty = (make_market(code) for code in ("cho-vi-thanh", "cho-khac", "cho-moi"))
    people = {
        "admin": make_user("an", Role.ADMIN),
        "manager": make_user("thu", Role.MANAGER, markets=[ours]),
        "volunteer": make_user("lan", Role.VOLUNTEER, markets=[ours]),
        "stranger": make_user("hoa", Role.MANAGER, markets=[theirs]),
        "nobody": make_user("binh", Role.VOLUNTEER),
    }
    stall = make_stall(ours, people["volunteer"])
    return {"ours": ours, "theirs": theirs, "empty": empty, "stall": stall, **people}


def visible_codes(session, user) -> list[str]:
    return [m.code for m in markets.list_markets(session, user)]


def test_market_ids_are_the_memberships_or_every_market_for_an_admin(session, world):
    assert access.market_ids(session, world["admin"]) is None
    assert access.market_ids(session, world["manager"]) == {world["ours"].id}
    assert access.market_ids(session, world["nobody"]) == set()


def test_each_role_sees_only_its_markets(session, world):
    assert sorted(visible_codes(session, world["admin"])) == ["cho-khac", "cho-moi", "cho-vi-thanh"]
    assert visible_codes(session, world["volunteer"]) == ["cho-vi-thanh"]
    assert visible_codes(session, world["stranger"]) == ["cho-khac"]
    # Someone in no market sees none (not every market).
    assert visible_codes(session, world["nobody"]) == []
    query = access.scope_markets(select(Market.code), session, world["nobody"])
    assert session.exec(query).all() == []


@pytest.mark.parametrize("who, expected", [("admin", True), ("manager", True),
                                           ("volunteer", False), ("stranger", False),
                                           ("nobody", False)])
def test_only_the_markets_managers_and_admins_manage_it(session, world, who, expected):
    assert access.can_manage(session, world[who], world["ours"]) is expected


def test_admins_see_personal_data_masked_and_members_in_full(session, world):
    assert access.sees_personal_data(world["admin"], world["ours"]) is False
    assert access.sees_personal_data(world["manager"], world["ours"]) is True
    assert access.sees_personal_data(world["volunteer"], world["ours"]) is True


@pytest.mark.parametrize("who, sees, manages", [("admin", True, True), ("manager", True, True),
                                                ("volunteer", True, False),
                                                ("stranger", False, False)])
def test_entering_a_market(session, world, who, sees, manages):
    user, code = world[who], world["ours"].code
    if not sees:
        with pytest.raises(NotFoundError) as caught:
            access.enter_market(session, user, code)
        assert caught.value.params == {"code": code}
        return
    found = access.enter_market(session, user, code)
    assert (found.market.id, found.can_manage) == (world["ours"].id, manages)
    assert access.require_market(session, user, code).id == world["ours"].id
    if manages:
        assert access.require_market(session, user, code, manage=True).id == world["ours"].id
    else:
        with pytest.raises(PermissionDenied) as caught:
            access.require_market(session, user, code, manage=True)
        assert str(caught.value) == "Chỉ ban quản lý chợ mới làm được việc này."


@pytest.mark.parametrize("who", ["admin", "volunteer"])
def test_entering_a_market_can_read_its_zones_in_the_same_query(session, world, make_stall, who):
    """Each zone once as spelled (spellings apart: ``one_spelling_each`` is the page's), in the
    lists' order (by ``zone_key``) on both backends; none for a stall without a zone, nor from
    another market."""
    ours, volunteer = world["ours"], world["volunteer"]
    for n, zone in enumerate(["Khu B", "Khu Á", "Khu A", "", "khu a", "Khu B", "Đình"]):
        make_stall(ours, volunteer, stall_code=f"Z-{n}", zone=zone, owner_phone=f"09120000{n:02d}",
                   account_number=f"77000{n}")
    make_stall(world["theirs"], world["stranger"], zone="Khu Khác")
    user = world[who]
    statements = []
    sa.event.listen(session.get_bind(), "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    found = access.enter_market(session, user, ours.code, zones=True)
    assert found.zones == ["Đình", "Khu A", "khu a", "Khu Á", "Khu B"]  # Vietnamese order
    assert (found.market.id, len(statements)) == (ours.id, 1)
    assert access.enter_market(session, user, ours.code).zones is None
    assert access.enter_market(session, world["admin"], world["empty"].code, zones=True).zones == []


def _entering(session, user, code, zones):
    """What enter_market answers: the market, the right to manage it and its zones, or the
    refusal and its message."""
    try:
        found = access.enter_market(session, user, code, zones=zones)
    except (NotFoundError, PermissionDenied) as refused:
        return type(refused), str(refused)
    return found.market.id, found.can_manage, found.zones


class _Counted:
    def __init__(self, session):
        self.count = 0
        sa.event.listen(session.get_bind(), "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


@pytest.mark.parametrize("zones", [False, True])
@pytest.mark.parametrize("who", ["admin", "manager", "volunteer", "stranger", "nobody"])
def test_a_user_loaded_with_a_market_enters_it_as_without(session, world, who, zones):
    """``load_user_entering_market`` loads the user and answers ``enter_market`` in one
    statement: the same user, the same answer for a market of theirs, another one and an
    unknown one, and no second statement for a market that exists. (No market under a code
    asks once more, whether it is a market's former code.)"""
    user = world[who]
    for code, statements in ((world["ours"].code, 1), (world["theirs"].code, 1),
                             ("khong-co", 2)):
        expected = _entering(session, user, code, zones)
        counted = _Counted(session)
        assert access.load_user_entering_market(session, user.id, code, zones=zones) is user
        assert (_entering(session, user, code, zones), counted.count) == (expected, statements)


def test_a_prefetched_answer_serves_only_its_own_question_and_once(session, world):
    volunteer, ours = world["volunteer"], world["ours"]
    counted = _Counted(session)
    access.load_user_entering_market(session, volunteer.id, ours.code)
    # Another question (a market's zones, another market, another user) asks the database.
    for user, code, zones in ((volunteer, ours.code, True),
                              (volunteer, world["theirs"].code, False),
                              (world["manager"], ours.code, False)):
        access.load_user_entering_market(session, volunteer.id, ours.code)
        before = counted.count
        _entering(session, user, code, zones)
        assert counted.count == before + 1, (user.username, code, zones)
    access.load_user_entering_market(session, volunteer.id, ours.code)
    access.enter_market(session, volunteer, ours.code)
    before = counted.count
    access.enter_market(session, volunteer, ours.code)  # the answer was used: asked again
    assert counted.count == before + 1


def test_a_user_loaded_with_a_market_must_be_active(session, world):
    volunteer = world["volunteer"]
    volunteer.active = False
    session.commit()
    assert access.load_user_entering_market(session, volunteer.id, world["ours"].code) is None
    assert access.load_user_entering_market(session, 999_999, world["ours"].code) is None


def test_an_unknown_market_is_not_found_even_for_an_admin(session, world):
    with pytest.raises(NotFoundError) as caught:
        access.enter_market(session, world["admin"], "khong-co")
    assert str(caught.value) == "Không tìm thấy chợ “khong-co”."


@pytest.mark.parametrize("who, sees, manages", [("admin", True, True), ("manager", True, True),
                                                ("volunteer", True, False),
                                                ("stranger", False, False),
                                                ("nobody", False, False)])
def test_entering_a_stall(session, world, who, sees, manages):
    user, stall = world[who], world["stall"]
    if not sees:
        for call in (access.enter_stall, access.require_stall):
            with pytest.raises(NotFoundError) as caught:
                call(session, user, stall.id)
            # Another market's stall reads as no stall at all (DESIGN §9).
            assert str(caught.value) == "Không tìm thấy gian hàng."
        return
    found = access.enter_stall(session, user, stall.id)
    assert (found.stall.id, found.market.id, found.can_manage) == \
        (stall.id, world["ours"].id, manages)
    got_stall, got_market = access.require_stall(session, user, stall.id)
    assert (got_stall.id, got_market.code) == (stall.id, "cho-vi-thanh")


def test_an_unknown_stall_is_not_found(session, world):
    with pytest.raises(NotFoundError) as caught:
        access.enter_stall(session, world["admin"], 987_654)
    assert str(caught.value) == "Không tìm thấy gian hàng."
