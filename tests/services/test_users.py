"""Logins: who may be created, who may sign in, and who a manager may switch off.

Written against the public functions of ``services.users`` so they hold whatever the module's
insides become; mutation testing (tests/MUTATION.md) showed these rules had no service-level
test.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from merchant_onboard.domain.errors import (
    ConflictError, FormErrors, NotFoundError, ThrottledError, ValidationError,
)
from merchant_onboard.models import AuditEntry, Membership, Role, User
from merchant_onboard.services import users
from tests.factories import TEST_PASSWORD


def fields_of(error: FormErrors) -> list[str]:
    return [e.field for e in error.errors]


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


def sign_in(session, username, password=TEST_PASSWORD, *, address="10.0.0.1", max_failures=3,
            window=900):
    return users.authenticate(session, username=username, password=password, address=address,
                              max_failures=max_failures, window=window)


def test_a_new_login_is_stored_normalised_with_its_markets_and_audited(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER)
    user = users.create_user(session, username="  Lan.Nguyen ", password=TEST_PASSWORD,
                             role=Role.VOLUNTEER, display_name="Nguyễn Thị Lan",
                             market_codes=[market.code], actor=manager)
    stored = session.get(User, user.id)
    assert (stored.username, stored.display_name, stored.role, stored.active) == \
        ("lan.nguyen", "Nguyễn Thị Lan", Role.VOLUNTEER, True)
    assert stored.password_hash != TEST_PASSWORD
    assert session.get(Membership, (user.id, market.id)) is not None
    audit = session.exec(select(AuditEntry).where(AuditEntry.target == "lan.nguyen")).one()
    assert (audit.action, audit.actor_id, audit.data) == \
        ("user.create", manager.id, {"role": "volunteer", "markets": [market.code]})


def test_the_display_name_defaults_to_the_username(session):
    user = users.create_user(session, username="minh", password=TEST_PASSWORD,
                             role=Role.VOLUNTEER)
    assert user.display_name == "minh"


@pytest.mark.parametrize("username", ["a", "Lan Nguyen", "-lan", "lan!", "x" * 65, ""])
def test_a_malformed_username_is_refused(session, username):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username=username, password=TEST_PASSWORD,
                          role=Role.VOLUNTEER)
    assert fields_of(caught.value) == ["username"]


@pytest.mark.parametrize("username", ["ab", "a" * 64, "lan_2.b-c", "9x"])
def test_usernames_at_the_limits_are_accepted(session, username):
    assert users.create_user(session, username=username, password=TEST_PASSWORD,
                             role=Role.VOLUNTEER).username == username


def test_every_wrong_field_is_reported_at_once_and_nothing_is_stored(session):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="?", password="1234567", role="boss",
                          market_codes=["khong-co"])
    assert fields_of(caught.value) == ["username", "password", "role", "market"]
    assert caught.value.errors[1].params == {"n": 8}
    assert session.exec(select(User)).all() == []


def test_a_password_of_exactly_eight_characters_is_enough(session):
    users.create_user(session, username="lan", password="12345678", role=Role.VOLUNTEER)
    assert sign_in(session, "lan", "12345678").username == "lan"


def test_a_taken_username_is_a_conflict_whatever_its_case(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    with pytest.raises(ConflictError) as caught:
        users.create_user(session, username="LAN", password=TEST_PASSWORD, role=Role.MANAGER)
    assert caught.value.field == "username"
    assert len(session.exec(select(User)).all()) == 1


def test_the_right_password_signs_in_and_clears_the_failures_of_that_name(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            sign_in(session, "lan", "wrong-password")
        assert caught.value.field == "password"
    assert sign_in(session, " LAN ", TEST_PASSWORD).username == "lan"
    # The earlier failures are forgotten: two more do not lock the name out yet.
    for _ in range(2):
        with pytest.raises(ValidationError):
            sign_in(session, "lan", "wrong-password", address="10.0.0.2")
    assert sign_in(session, "lan", TEST_PASSWORD, address="10.0.0.3").username == "lan"


def test_after_max_failures_even_the_right_password_is_throttled(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    for _ in range(3):
        with pytest.raises(ValidationError):
            sign_in(session, "lan", "wrong-password", window=600)
    with pytest.raises(ThrottledError) as caught:
        sign_in(session, "lan", TEST_PASSWORD, window=600)
    assert caught.value.params == {"minutes": 10}


def test_the_throttle_names_at_least_one_minute(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        sign_in(session, "lan", "wrong-password", max_failures=1, window=30)
    with pytest.raises(ThrottledError) as caught:
        sign_in(session, "lan", TEST_PASSWORD, max_failures=1, window=30)
    assert caught.value.params == {"minutes": 1}


def test_unknown_and_switched_off_users_cannot_sign_in(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.add_volunteer(session, actor=manager, market=market, username="lan",
                              password=TEST_PASSWORD)
    users.set_volunteer_active(session, actor=manager, market=market, user_id=lan.id,
                               active=False)
    for name in ("lan", "nobody"):
        with pytest.raises(ValidationError) as caught:
            sign_in(session, name, TEST_PASSWORD, max_failures=10)
        assert caught.value.field == "password"
    assert users.get_active_user(session, lan.id) is None
    assert users.get_active_user(session, manager.id).id == manager.id


def test_a_new_password_replaces_the_old_one(session):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    with pytest.raises(ValidationError) as caught:
        users.set_password(session, user=lan, password="short")
    assert (caught.value.field, caught.value.params) == ("password", {"n": 8})
    assert str(caught.value) == "password: Mật khẩu cần ít nhất 8 ký tự."
    users.set_password(session, user=lan, password="87654321")
    assert sign_in(session, "lan", "87654321", address="10.0.0.8").id == lan.id
    users.set_password(session, user=lan, password="another-secret")
    with pytest.raises(ValidationError):
        sign_in(session, "lan", TEST_PASSWORD)
    assert sign_in(session, "lan", "another-secret", address="10.0.0.9").id == lan.id


def test_members_are_listed_by_display_name_and_users_found_by_name(session, market, make_market):
    other = make_market("cho-khac")
    for name, shown, where in (("a", "Vân", market), ("b", "Bình", market), ("c", "An", other)):
        users.create_user(session, username=f"{name}{name}", password=TEST_PASSWORD,
                          role=Role.VOLUNTEER, display_name=shown, market_codes=[where.code])
    assert [u.display_name for u in users.members(session, market)] == ["Bình", "Vân"]
    assert users.require_user(session, " AA ").display_name == "Vân"
    with pytest.raises(NotFoundError) as caught:
        users.require_user(session, "zz")
    assert str(caught.value) == "Không tìm thấy người dùng “zz”."


def test_a_manager_adds_a_volunteer_to_the_market_and_that_is_audited(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.add_volunteer(session, actor=manager, market=market, username="lan",
                              password=TEST_PASSWORD, display_name="lan")
    assert (lan.role, lan.display_name) == (Role.VOLUNTEER, "lan")
    assert [u.username for u in users.members(session, market)] == ["boss", "lan"]
    audit = session.exec(select(AuditEntry).where(AuditEntry.target == "lan")).one()
    assert audit.actor_id == manager.id


def test_switching_a_volunteer_off_and_on_is_audited(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.add_volunteer(session, actor=manager, market=market, username="lan",
                              password=TEST_PASSWORD)
    assert users.set_volunteer_active(session, actor=manager, market=market, user_id=lan.id,
                                      active=False).active is False
    assert session.get(User, lan.id).active is False
    users.set_volunteer_active(session, actor=manager, market=market, user_id=lan.id,
                               active=True)
    assert session.get(User, lan.id).active is True
    entries = session.exec(select(AuditEntry).where(AuditEntry.market_id == market.id,
                                                    AuditEntry.action.startswith("user."))
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("user.deactivate", "lan", manager.id), ("user.activate", "lan", manager.id)]


def test_a_manager_cannot_switch_off_a_manager_or_someone_of_another_market(
        session, market, make_market):
    other = make_market("cho-khac")
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    colleague = users.create_user(session, username="boss2", password=TEST_PASSWORD,
                                  role=Role.MANAGER, market_codes=[market.code])
    stranger = users.create_user(session, username="hoa", password=TEST_PASSWORD,
                                 role=Role.VOLUNTEER, market_codes=[other.code])
    for target in (colleague.id, stranger.id, 999_999):
        with pytest.raises(NotFoundError):
            users.set_volunteer_active(session, actor=manager, market=market, user_id=target,
                                       active=False)
    session.expire_all()
    assert session.get(User, colleague.id).active and session.get(User, stranger.id).active
