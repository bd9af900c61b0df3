"""Loading the user together with the market of the URL (access.load_user_entering_market).

The answer it keeps must be exactly the one ``enter_market`` would have asked for, and used
only for that user, code and version flag.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from merchant_onboard.db import get_engine
from merchant_onboard.domain.errors import NotFoundError, PermissionDenied
from merchant_onboard.models import Role, User
from merchant_onboard.services import access, users
from tests.sql import Statements


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def other_market(make_market):
    return make_market("cho-khac")


@pytest.fixture
def people(make_user, market, other_market):
    return {
        "admin": make_user("an", Role.ADMIN),
        "manager": make_user("thu", Role.MANAGER, markets=[market]),
        "volunteer": make_user("lan", Role.VOLUNTEER, markets=[market]),
        "outsider": make_user("hoa", Role.VOLUNTEER, markets=[other_market]),
    }


def answer(session: Session, user: User, code: str, **flags) -> tuple | type[Exception]:
    """What ``enter_market`` says, as plain values (or the error it raises)."""
    try:
        found = access.enter_market(session, user, code, **flags)
    except (NotFoundError, PermissionDenied) as exc:
        return type(exc)
    return found.market.id, found.can_manage, found.stalls_version


@pytest.mark.parametrize("who", ["admin", "manager", "volunteer", "outsider"])
@pytest.mark.parametrize("code", ["cho-vi-thanh", "cho-khac", "khong-co"])
@pytest.mark.parametrize("flags", [{}, {"stalls_version": True}, {"manage": True}],
                         ids=["see", "versioned", "manage"])
def test_the_prefetched_answer_is_the_one_enter_market_gives_and_costs_no_statement(
        app, people, make_stall, market, who, code, flags):
    make_stall(market, people["manager"])
    engine = get_engine(app)
    user_id = people[who].id
    with Session(engine) as plain:
        expected = answer(plain, users.get_active_user(plain, user_id), code, **flags)
    with Session(engine) as session:
        versioned = flags.get("stalls_version", False)
        with Statements(engine) as statements:
            user = access.load_user_entering_market(session, user_id, code,
                                                    stalls_version=versioned)
            assert (user.id, user.role) == (user_id, people[who].role)
            got = answer(session, user, code, **flags)
        assert got == expected
        assert statements.count == 1


def test_an_inactive_or_unknown_user_is_not_loaded(app, people, market, session):
    users.set_login_active(session, actor=people["admin"], username=people["volunteer"].username,
                           active=False)
    with Session(get_engine(app)) as fresh:
        assert access.load_user_entering_market(fresh, people["volunteer"].id,
                                                market.code) is None
        assert access.load_user_entering_market(fresh, 999_999, market.code) is None
        assert access.load_user_entering_market(fresh, people["manager"].id,
                                                market.code).username == "thu"


@pytest.mark.parametrize("ask", [
    {"code": "cho-khac"},  # another market
    {"stalls_version": True},  # the version was not fetched
    {"user": "admin"},  # another user
], ids=["other-market", "version-not-fetched", "other-user"])
def test_a_prefetched_answer_for_another_question_is_not_used(app, people, market, ask):
    engine = get_engine(app)
    user = people[ask.get("user", "volunteer")]
    code, versioned = ask.get("code", market.code), ask.get("stalls_version", False)
    with Session(engine) as plain:
        expected = answer(plain, plain.get(User, user.id), code, stalls_version=versioned)
    with Session(engine) as session:
        access.load_user_entering_market(session, people["volunteer"].id, market.code)
        asking = session.get(User, user.id)
        with Statements(engine) as statements:
            got = answer(session, asking, code, stalls_version=versioned)
        assert got == expected
        assert statements.count == 1  # asked the database instead


def test_the_answer_is_used_once(app, people, market):
    engine = get_engine(app)
    with Session(engine) as session:
        user = access.load_user_entering_market(session, people["volunteer"].id, market.code)
        access.enter_market(session, user, market.code)
        with Statements(engine) as statements:
            access.enter_market(session, user, market.code)
        assert statements.count == 1
