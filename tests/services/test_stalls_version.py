"""A market's stalls version changes with every change to any of its stalls, however written.

The stall list serves a remembered rendering while the version stays the same
(web/fragments.py), so a write that left it unchanged would show volunteers a stale list.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from merchant_onboard.domain.census import parse_census
from merchant_onboard.models import Role, Stall
from merchant_onboard.services import access, census, onboarding, stalls
from tests.factories import stall_fields


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def other_market(make_market):
    return make_market("cho-khac")


@pytest.fixture
def manager(make_user, market, other_market):
    return make_user("thu", Role.MANAGER, markets=[market, other_market])


@pytest.fixture
def stall(make_stall, market, manager):
    return make_stall(market, manager)


def version(session, user, market):
    session.expire_all()
    return access.enter_market(session, user, market.code, stalls_version=True).stalls_version


def record(session, user, stall, kind, **data):
    return onboarding.record_event(session, actor=user, stall=stall, kind=kind,
                                   client_id=str(uuid.uuid4()), data=data or None)


WRITES = {
    "register another stall": lambda s, u, m, st: stalls.register_stall(
        s, actor=u, market=m, client_id=str(uuid.uuid4()), confirm_phone=True,
        raw=stall_fields(stall_code="B-1", account_number="0011099999999")),
    "edit the shop name": lambda s, u, m, st: stalls.update_stall(
        s, actor=u, stall=st, market=m, raw={"shop_name": "Bún riêu Cô Tư"}),
    "record a step (conditional UPDATE)": lambda s, u, m, st: record(s, u, st, "poster_printed",
                                                                     format="a6"),
    "refuse": lambda s, u, m, st: record(s, u, st, "refused", reason="prefers_cash"),
    "change the bank account": lambda s, u, m, st: stalls.change_account(
        s, actor=u, stall=st, market=m, client_id=str(uuid.uuid4()),
        raw={"bank": "MB", "account_number": "0987654321000"}),
    "import a census": lambda s, u, m, st: census.apply_census(
        s, actor=u, market=m,
        rows=parse_census("Mã gian hàng,Chủ hộ\nA-1,Nguyễn Thị Ba\nC-9,Lê Văn Tư\n"
                          .encode()).rows),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_write_to_a_stall_changes_its_market_version_only(session, manager, market,
                                                                  other_market, stall, write):
    before, other_before = version(session, manager, market), version(session, manager,
                                                                      other_market)
    WRITES[write](session, manager, market, stall)
    after = version(session, manager, market)
    assert after != before and after > before
    assert version(session, manager, other_market) == other_before


def test_any_update_statement_raises_the_version(session, manager, market, stall):
    """Even an UPDATE that does not mention the version (the column's onupdate)."""
    before = version(session, manager, market)
    session.execute(sa.update(Stall).where(Stall.id == stall.id).values(notes="ghi chú"))
    session.commit()
    assert version(session, manager, market) == (before[0], before[1] + 1)


def test_a_failed_write_leaves_the_version(session, manager, market, stall):
    before = version(session, manager, market)
    with pytest.raises(Exception):
        stalls.update_stall(session, actor=manager, stall=stall, market=market,
                            raw={"owner_phone": "123"})
    session.rollback()
    assert version(session, manager, market) == before
