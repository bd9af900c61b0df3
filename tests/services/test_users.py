"""Logins: who may be created, who may sign in, and who may change whose access.

Written against the public functions of ``services.users`` so they hold whatever the module's
insides become; mutation testing (tests/MUTATION.md) showed these rules had no service-level
test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.errors import (
    ConflictError, FormErrors, NotFoundError, PermissionDenied, ThrottledError, ValidationError,
)
from merchant_onboard.models import AuditEntry, Membership, Role, Throttle, User
from merchant_onboard.db import get_engine
from merchant_onboard.services import authentication, membership, throttle, users
from tests.factories import TEST_PASSWORD


def fields_of(error: FormErrors) -> list[str]:
    return [e.field for e in error.errors]


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


def sign_in(session, username, password=TEST_PASSWORD, *, address="10.0.0.1", max_failures=3,
            window=900):
    limits = authentication.LoginLimits(pair=max_failures, window=window)
    return authentication.authenticate(session, username=username, password=password,
                                       address=address, limits=limits)


def change_own_password(session, user, current, new, *, address="10.0.0.1",
                        limits=authentication.LoginLimits()):
    return users.change_password(session, user=user, current_password=current,
                                 new_password=new, address=address, limits=limits)


def test_a_new_login_is_stored_normalised_with_its_markets_and_audited(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER)
    user = users.create_user(session, username="  Lan.Nguyen ", password=TEST_PASSWORD,
                             role=Role.VOLUNTEER, display_name="Nguyễn Thị Lan",
                             market_codes=[market.code], actor=manager)
    stored = session.get(User, user.id)
    assert (stored.username, stored.display_name, stored.role, stored.active,
            stored.must_change_password) == \
        ("lan.nguyen", "Nguyễn Thị Lan", Role.VOLUNTEER, True, False)
    assert stored.password_hash != TEST_PASSWORD
    assert session.get(Membership, (user.id, market.id)) is not None
    audit = session.exec(select(AuditEntry).where(AuditEntry.target == "lan.nguyen")).one()
    assert (audit.action, audit.actor_id, audit.data) == \
        ("user.create", manager.id, {"role": "volunteer", "markets": [market.code]})
    assert audit.market_id == market.id  # the log's market column names it


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
    assert str(caught.value.errors[0]) == (
        "username: Tên đăng nhập gồm 2–64 chữ thường không dấu, số, dấu chấm, gạch ngang, "
        "gạch dưới.")


@pytest.mark.parametrize("username", ["ab", "a" * 64, "lan_2.b-c", "9x"])
def test_usernames_at_the_limits_are_accepted(session, username):
    assert users.create_user(session, username=username, password=TEST_PASSWORD,
                             role=Role.VOLUNTEER).username == username


def test_every_wrong_field_is_reported_at_once_and_nothing_is_stored(session):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="?", password="123456789", role="boss",
                          market_codes=["khong-co"])
    assert fields_of(caught.value) == ["username", "password", "role", "markets"]
    assert caught.value.errors[1].params == {"n": 10}
    assert session.exec(select(User)).all() == []


def test_a_password_of_exactly_ten_characters_is_enough(session):
    users.create_user(session, username="lan", password="k7-mua-rau", role=Role.VOLUNTEER)
    assert sign_in(session, "lan", "k7-mua-rau").username == "lan"


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


@pytest.fixture
def still_clock(monkeypatch) -> None:
    """The throttle's clock stopped: the wait it names is counted from the first failure,
    and on a loaded machine a second can pass between that failure and the refusal (CI once
    saw 299 s for a 300 s window). Stopped, the wait is exact."""
    instant = throttle.utcnow()
    monkeypatch.setattr(throttle, "utcnow", lambda: instant)


def test_after_max_failures_even_the_right_password_is_throttled(session, still_clock):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    for _ in range(3):
        with pytest.raises(ValidationError):
            sign_in(session, "lan", "wrong-password", window=600)
    with pytest.raises(ThrottledError) as caught:
        sign_in(session, "lan", TEST_PASSWORD, window=600)
    assert caught.value.params == {"minutes": 10, "seconds": 600}


def test_the_throttle_names_whole_minutes_rounded_up(session, still_clock):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        sign_in(session, "lan", "wrong-password", max_failures=1, window=90)
    with pytest.raises(ThrottledError) as caught:
        sign_in(session, "lan", TEST_PASSWORD, max_failures=1, window=90)
    assert caught.value.params == {"minutes": 2, "seconds": 90}


def test_unknown_and_locked_users_cannot_sign_in(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    users.set_login_active(session, actor=admin, username="lan", active=False)
    with pytest.raises(ValidationError) as caught:
        sign_in(session, "nobody", TEST_PASSWORD, max_failures=10)
    assert caught.value.field == "password"
    with pytest.raises(authentication.AccountLocked):
        sign_in(session, "lan", TEST_PASSWORD, max_failures=10)
    assert authentication.get_active_user(session, lan.id) is None
    assert authentication.get_active_user(session, admin.id).id == admin.id


def test_a_new_password_replaces_the_old_one(session):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    with pytest.raises(ValidationError) as caught:
        users.set_password(session, user=lan, password="short")
    assert (caught.value.field, caught.value.params) == ("password", {"n": 10})
    assert str(caught.value) == "password: Mật khẩu cần ít nhất 10 ký tự."
    epoch = lan.session_epoch
    users.set_password(session, user=lan, password="k7-mua-rau")
    assert session.get(User, lan.id).session_epoch == epoch + 1
    assert sign_in(session, "lan", "k7-mua-rau", address="10.0.0.8").id == lan.id
    users.set_password(session, user=lan, password="another-secret")
    with pytest.raises(ValidationError):
        sign_in(session, "lan", TEST_PASSWORD)
    assert sign_in(session, "lan", "another-secret", address="10.0.0.9").id == lan.id


def test_a_password_set_by_the_operator_is_audited(session):
    # `serve --demo` on a database that already has a login "admin" resets its password: the
    # audit log must say so, or an admin finds their password changed and no trace of why.
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    users.set_password(session, user=lan, password="k7-mua-rau")
    audits = session.exec(select(AuditEntry).where(AuditEntry.target == "lan",
                                                   AuditEntry.action != "user.create")).all()
    assert [(a.action, a.actor_id, a.data) for a in audits] == \
        [("password.reset", None, {"by": "operator"})]


def test_members_are_listed_by_display_name_and_users_found_by_name(session, market, make_market):
    other = make_market("cho-khac")
    for name, shown, where in (("a", "Vân", market), ("b", "Bình", market), ("c", "An", other)):
        users.create_user(session, username=f"{name}{name}", password=TEST_PASSWORD,
                          role=Role.VOLUNTEER, display_name=shown, market_codes=[where.code])
    assert [m.user.display_name for m in membership.members(session, market)] == ["Bình", "Vân"]
    assert users.require_user(session, " AA ").display_name == "Vân"
    with pytest.raises(NotFoundError) as caught:
        users.require_user(session, "zz")
    assert str(caught.value) == "Không tìm thấy người dùng “zz”."


def test_a_new_logins_markets_are_each_stored_and_answered_once(session, market):
    admin = users.create_user(session, username="boss", password=TEST_PASSWORD, role=Role.ADMIN)
    made = users.create_login(session, actor=admin, username="lan", role=Role.VOLUNTEER,
                              password=TEST_PASSWORD, display_name="Lan",
                              market_codes=[market.code, f" {market.code} ", market.code])
    assert made.market_codes == [market.code]
    assert session.exec(select(Membership.market_id).where(
        Membership.user_id == made.user.id)).all() == [market.id]


def test_a_manager_creates_a_volunteer_of_the_market_and_that_is_audited(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    made = users.create_login(session, actor=manager, username="lan", role=Role.VOLUNTEER,
                              password=TEST_PASSWORD, display_name="lê lan",
                              market_codes=[market.code])
    assert (made.user.role, made.user.display_name, made.temporary_password) == \
        (Role.VOLUNTEER, "lê lan", None)
    assert [m.user.username for m in membership.members(session, market)] == ["boss", "lan"]
    audit = session.exec(select(AuditEntry).where(AuditEntry.target == "lan")).one()
    assert audit.actor_id == manager.id


def test_without_a_password_a_temporary_one_must_be_changed(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    made = users.create_login(session, actor=admin, username="hung", role=Role.MANAGER,
                              market_codes=[market.code])
    assert made.user.must_change_password and len(made.temporary_password) >= 12
    assert made.user.display_name == "hung"
    hung = sign_in(session, "hung", made.temporary_password)
    change_own_password(session, hung, made.temporary_password, "hung-mat-khau-1")
    assert not session.get(User, hung.id).must_change_password


@pytest.mark.parametrize(("actor_role", "role", "error"), [
    (Role.MANAGER, Role.MANAGER, PermissionDenied), (Role.VOLUNTEER, Role.VOLUNTEER,
                                                     PermissionDenied),
    (Role.ADMIN, Role.ADMIN, ValidationError),
])
def test_who_may_create_which_login(session, market, actor_role, role, error):
    actor = users.create_user(session, username="actor", password=TEST_PASSWORD,
                              role=actor_role, market_codes=[market.code])
    with pytest.raises(error):
        users.create_login(session, actor=actor, username="new", role=role,
                           password=TEST_PASSWORD, market_codes=[market.code])
    assert session.exec(select(User).where(User.username == "new")).first() is None


def test_a_manager_creates_volunteers_only_in_markets_they_manage(session, market, make_market):
    other = make_market("cho-khac")
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    with pytest.raises(NotFoundError):
        users.create_login(session, actor=manager, username="new", role=Role.VOLUNTEER,
                           password=TEST_PASSWORD, market_codes=[other.code])
    with pytest.raises(ValidationError):
        users.create_login(session, actor=manager, username="new", role=Role.VOLUNTEER,
                           password=TEST_PASSWORD, market_codes=[])


def test_removal_from_a_market_is_audited_and_ends_sessions(session, market, make_market):
    other = make_market("cho-khac")
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code, other.code])
    epoch = lan.session_epoch
    membership.remove_member(session, actor=manager, market=market, username="lan")
    assert session.get(Membership, (lan.id, market.id)) is None
    assert session.get(Membership, (lan.id, other.id)) is not None
    assert session.get(User, lan.id).session_epoch == epoch + 1
    assert session.get(User, lan.id).active
    entries = session.exec(select(AuditEntry).where(AuditEntry.market_id == market.id,
                                                    AuditEntry.action.startswith("membership."))
                           ).all()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("membership.remove", "lan", manager.id)]
    # She still works in a market he does not manage: an admin brings her back.
    with pytest.raises(NotFoundError):
        membership.add_member(session, actor=manager, market=market, username="lan")
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    membership.add_member(session, actor=admin, market=market, username="lan")
    assert session.get(Membership, (lan.id, market.id)) is not None


def test_a_manager_cannot_remove_a_manager_or_someone_of_another_market(
        session, market, make_market):
    other = make_market("cho-khac")
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    users.create_user(session, username="boss2", password=TEST_PASSWORD,
                      role=Role.MANAGER, market_codes=[market.code])
    users.create_user(session, username="hoa", password=TEST_PASSWORD,
                      role=Role.VOLUNTEER, market_codes=[other.code])
    for target in ("boss2", "hoa", "boss", "nobody"):
        # Nor is anyone named on the confirmation page.
        with pytest.raises(NotFoundError):
            membership.member_to_remove(session, actor=manager, market=market, username=target)
        with pytest.raises(NotFoundError):
            membership.remove_member(session, actor=manager, market=market, username=target)
        with pytest.raises(NotFoundError):
            users.reset_password(session, actor=manager, username=target)
    with pytest.raises(PermissionDenied):
        users.set_login_active(session, actor=manager, username="hoa", active=False)
    assert len(session.exec(select(Membership)).all()) == 3


def test_every_stored_password_is_hashed_by_the_modules_method(session, market, monkeypatch):
    # PASSWORD_METHOD is the one place the hash and its cost are chosen (scrypt in production,
    # a cheap pbkdf2 in tests): a new login, a password set or changed, and a reset follow it.
    monkeypatch.setattr(users, "PASSWORD_METHOD", "pbkdf2:sha256:1001")
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    assert lan.password_hash.startswith("pbkdf2:sha256:1001$")
    users.set_password(session, user=lan, password="another-secret-9")
    assert session.get(User, lan.id).password_hash.startswith("pbkdf2:sha256:1001$")
    user, temporary = users.reset_password(session, actor=manager, username="lan")
    assert user.password_hash.startswith("pbkdf2:sha256:1001$")
    assert sign_in(session, "lan", temporary).id == lan.id


def test_a_reset_gives_a_temporary_password_and_ends_the_old_one(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    user, temporary = users.reset_password(session, actor=manager, username="lan")
    assert user.id == lan.id and user.must_change_password
    with pytest.raises(ValidationError):
        sign_in(session, "lan", TEST_PASSWORD, max_failures=10)
    assert sign_in(session, "lan", temporary, address="10.0.0.5").id == lan.id


def test_locking_ends_sessions_and_unlocking_does_not_lower_the_generation(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    epoch = lan.session_epoch
    users.set_login_active(session, actor=admin, username="lan", active=False)
    assert session.get(User, lan.id).session_epoch == epoch + 1
    users.set_login_active(session, actor=admin, username="lan", active=True)
    stored = session.get(User, lan.id)
    assert stored.active and stored.session_epoch == epoch + 1
    actions = session.exec(select(AuditEntry.action, AuditEntry.actor_id)
                           .where(AuditEntry.target == "lan").order_by(AuditEntry.id)).all()
    assert [tuple(a) for a in actions] == [
        ("user.create", None), ("user.lock", admin.id), ("user.unlock", admin.id)]


def test_the_admins_page_lists_admins_then_managers_then_volunteers_with_their_markets(
        session, market, make_market):
    other = make_market("cho-khac")
    for name, role, codes in (("zed", Role.VOLUNTEER, [other.code, market.code]),
                              ("bao", Role.MANAGER, [market.code]),
                              ("yen", Role.ADMIN, []), ("anh", Role.VOLUNTEER, []),
                              ("can", Role.MANAGER, []), ("xuan", Role.ADMIN, [])):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=role,
                          market_codes=codes)
    assert [(user.username, codes) for user, codes in users.all_logins(session)] == [
        ("xuan", []), ("yen", []), ("bao", ["cho-vi-thanh"]), ("can", []), ("anh", []),
        ("zed", ["cho-khac", "cho-vi-thanh"])]


def test_a_members_last_activity_is_their_later_login_or_step_in_that_market(
        session, market, make_market, make_stall):
    from datetime import datetime, timezone

    other = make_market("cho-khac")
    for name in ("lan", "minh", "tuan"):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=Role.VOLUNTEER,
                          market_codes=[market.code, other.code])
    lan, minh = users.require_user(session, "lan"), users.require_user(session, "minh")
    old = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    later = datetime(2026, 1, 9, 8, 0, tzinfo=timezone.utc)
    # Lan signed in long ago and registered a stall here since; Minh only worked in the other
    # market, so here his login counts; Tuan never did anything.
    lan.last_login_at, minh.last_login_at = old, old
    session.add_all([lan, minh])
    session.commit()
    stall = make_stall(market, lan)
    make_stall(other, minh, stall_code="K-1")
    stall_time = session.get(type(stall), stall.id).registered_at
    assert stall_time > old
    found = {m.user.username: m.last_activity for m in membership.members(session, market)}
    assert found == {"lan": stall_time, "minh": old, "tuan": None}
    minh.last_login_at = later.replace(year=2027)
    session.add(minh)
    session.commit()
    found = {m.user.username: m.last_activity for m in membership.members(session, market)}
    assert found["minh"] == later.replace(year=2027)


def test_changing_ones_own_password_needs_the_current_one_and_a_new_valid_one(session):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    epoch = lan.session_epoch
    refusals = (("wrong-current-1", "lan-moi-mat-khau", "current_password",
                 "current_password: Mật khẩu hiện tại không đúng.", {}),
                (TEST_PASSWORD, TEST_PASSWORD, "new_password",
                 "new_password: Mật khẩu mới phải khác mật khẩu hiện tại.", {}),
                (TEST_PASSWORD, "short", "new_password",
                 "new_password: Mật khẩu cần ít nhất 10 ký tự.", {"n": 10}))
    for current, new, field, said, params in refusals:
        with pytest.raises(ValidationError) as caught:
            change_own_password(session, lan, current, new)
        assert (caught.value.field, str(caught.value), caught.value.params) == \
            (field, said, params)
    assert session.get(User, lan.id).session_epoch == epoch
    change_own_password(session, lan, TEST_PASSWORD, "lan-moi-mat-khau")
    stored = session.get(User, lan.id)
    assert (stored.session_epoch, stored.must_change_password) == (epoch + 1, False)
    assert sign_in(session, "lan", "lan-moi-mat-khau").id == lan.id
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "password.change")).one()
    assert (audit.actor_id, audit.target, audit.data) == (lan.id, "lan", {})


def test_a_wrong_current_password_is_a_guess_counted_as_a_failed_login(session, still_clock):
    """A session left open on a borrowed phone must not let its holder guess the password
    without the login's limits: the password change counts on the login's keys."""
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    limits = authentication.LoginLimits(pair=3, username_free=100, window=900)
    for _ in range(3):
        with pytest.raises(ValidationError):
            change_own_password(session, lan, "wrong-current-1", "lan-moi-mat-khau",
                                limits=limits)
    # The fourth guess from that address waits out the window, even with the right password,
    # and so does a login from there: the counts are the same.
    with pytest.raises(ThrottledError) as caught:
        change_own_password(session, lan, TEST_PASSWORD, "lan-moi-mat-khau", limits=limits)
    assert str(caught.value) == \
        "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút."
    assert caught.value.params == {"minutes": 15, "seconds": 900}
    with pytest.raises(ThrottledError):
        authentication.authenticate(session, username="lan", password=TEST_PASSWORD,
                                    address="10.0.0.1", limits=limits)
    assert session.get(User, lan.id).password_hash == lan.password_hash
    # From another address the owner still gets in, and the right current password there
    # forgives the username's failures.
    change_own_password(session, lan, TEST_PASSWORD, "lan-moi-mat-khau", address="10.0.0.2",
                        limits=limits)
    assert session.get(Throttle, "login:user:lan") is None


def test_failed_logins_slow_the_password_change_too(session, still_clock):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    limits = authentication.LoginLimits(pair=100, username_free=2, delay_cap=60)
    for address in ("10.0.0.7", "10.0.0.8", "10.0.0.9"):
        with pytest.raises(ValidationError):
            sign_in(session, "lan", "wrong-password-1", address=address)
    with pytest.raises(ValidationError):
        authentication.authenticate(session, username="lan", password="wrong-password-1",
                                    address="10.0.0.10", limits=limits)
    with pytest.raises(ThrottledError) as caught:
        change_own_password(session, lan, TEST_PASSWORD, "lan-moi-mat-khau", limits=limits)
    assert str(caught.value) == "Vui lòng đợi 2 giây rồi nhập lại mật khẩu hiện tại."


def test_a_reset_link_works_once_for_the_generation_it_was_issued_under(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    made = users.create_login(session, actor=admin, username="hung", role=Role.MANAGER,
                              market_codes=[market.code])
    hung = made.user
    epoch = hung.session_epoch
    expired = "Liên kết đặt lại mật khẩu đã hết hạn hoặc đã được dùng."
    for user_id, at in ((hung.id, epoch + 1), (hung.id, epoch - 1), (hung.id + 99, epoch)):
        with pytest.raises(NotFoundError) as caught:
            users.reset_link_owner(session, user_id=user_id, epoch=at)
        assert str(caught.value) == expired
    assert users.reset_link_owner(session, user_id=hung.id, epoch=epoch).id == hung.id
    with pytest.raises(ValidationError) as caught:
        users.set_password_from_link(session, user_id=hung.id, epoch=epoch,
                                     new_password="short")
    assert (caught.value.field, caught.value.params) == ("new_password", {"n": 10})
    users.set_password_from_link(session, user_id=hung.id, epoch=epoch,
                                 new_password="hung-mat-khau-1")
    stored = session.get(User, hung.id)
    assert (stored.must_change_password, stored.session_epoch) == (False, epoch + 1)
    assert sign_in(session, "hung", "hung-mat-khau-1").id == hung.id
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "password.change")).one()
    assert (audit.actor_id, audit.target, audit.data) == (hung.id, "hung", {"by": "link"})
    # Used: neither the old generation nor the new one opens it again.
    for at in (epoch, epoch + 1):
        with pytest.raises(NotFoundError):
            users.set_password_from_link(session, user_id=hung.id, epoch=at,
                                         new_password="hung-mat-khau-2")


def test_a_reset_link_of_a_locked_login_does_not_open(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    hung = users.create_login(session, actor=admin, username="hung", role=Role.MANAGER,
                              market_codes=[market.code]).user
    users.set_login_active(session, actor=admin, username="hung", active=False)
    users.set_login_active(session, actor=admin, username="hung", active=True)
    epoch = session.get(User, hung.id).session_epoch
    assert users.reset_link_owner(session, user_id=hung.id, epoch=epoch).id == hung.id
    users.set_login_active(session, actor=admin, username="hung", active=False)
    with pytest.raises(NotFoundError):  # the lock ended the link issued before it
        users.reset_link_owner(session, user_id=hung.id, epoch=epoch)
    with pytest.raises(PermissionDenied) as caught:  # one issued since says it is locked
        users.reset_link_owner(session, user_id=hung.id, epoch=epoch + 1)
    assert "Tài khoản này đang bị khoá" in str(caught.value)


def test_logging_out_everywhere_ends_every_session_and_is_audited(session):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    epoch = lan.session_epoch
    assert users.end_all_sessions(session, user=lan).session_epoch == epoch + 1
    users.end_all_sessions(session, user=lan)
    assert session.get(User, lan.id).session_epoch == epoch + 2
    audits = session.exec(select(AuditEntry).where(AuditEntry.action == "sessions.end")).all()
    assert [(a.actor_id, a.target) for a in audits] == [(lan.id, "lan")] * 2


def test_signing_in_records_when(session):
    from merchant_onboard.models.base import utcnow

    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    assert lan.last_login_at is None
    before = utcnow()
    sign_in(session, "lan")
    session.expire_all()
    assert session.get(User, lan.id).last_login_at >= before


def test_a_locked_login_says_so_and_its_right_password_is_no_guess(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    users.set_login_active(session, actor=admin, username="lan", active=False)
    for _ in range(3):
        with pytest.raises(authentication.AccountLocked) as caught:
            sign_in(session, "lan", max_failures=2)
        assert str(caught.value) == "Tài khoản này đã bị khoá. Hãy liên hệ quản trị viên."
    users.set_login_active(session, actor=admin, username="lan", active=True)
    assert sign_in(session, "lan", max_failures=2).username == "lan"


def test_failures_for_a_name_from_many_addresses_slow_it_down_without_locking_it(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    limits = authentication.LoginLimits(pair=100, username_free=2, delay_cap=60)

    def attempt(password, address):
        return authentication.authenticate(session, username="lan", password=password,
                                           address=address, limits=limits)

    for n in range(2):
        with pytest.raises(ValidationError):
            attempt("wrong-password", f"10.0.1.{n}")
    # The third failure makes the next attempt from anywhere wait a second.
    with pytest.raises(ValidationError):
        attempt("wrong-password", "10.0.1.2")
    with pytest.raises(ThrottledError) as caught:
        attempt(TEST_PASSWORD, "10.0.1.3")
    assert str(caught.value) == "Vui lòng đợi 1 giây rồi đăng nhập lại."
    assert caught.value.params == {"seconds": 1}


def test_failures_from_one_address_across_names_are_capped(session, still_clock):
    for name in ("lan", "minh"):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=Role.VOLUNTEER)
    limits = authentication.LoginLimits(pair=100, username_free=100, address=3, window=300)
    for name in ("lan", "minh", "lan"):
        with pytest.raises(ValidationError):
            authentication.authenticate(session, username=name, password="wrong-password",
                                        address="10.0.2.1", limits=limits)
    with pytest.raises(ThrottledError) as caught:
        authentication.authenticate(session, username="minh", password=TEST_PASSWORD,
                                    address="10.0.2.1", limits=limits)
    assert caught.value.params == {"minutes": 5, "seconds": 300}
    assert authentication.authenticate(session, username="minh", password=TEST_PASSWORD,
                                       address="10.0.2.2", limits=limits).username == "minh"


def test_who_may_add_whom_to_a_market(session, market, make_market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    users.create_user(session, username="hung", password=TEST_PASSWORD, role=Role.MANAGER)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    other = make_market("cho-khac")
    users.create_user(session, username="hoa", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[other.code])
    # A manager is told the same of a login that does not exist, one that is no volunteer
    # and another market's volunteer: the answer does not say which usernames exist.
    for target in ("hung", "an", "zz", "hoa"):
        with pytest.raises(NotFoundError) as caught:
            membership.add_member(session, actor=manager, market=market, username=target)
        assert str(caught.value) == (
            f"Không thêm được “{target}”: không có tình nguyện viên nào có tên đăng nhập này, "
            "hoặc người này đang làm ở chợ bạn không quản lý (nhờ quản trị viên thêm).")
    for target in ("an", "zz"):
        with pytest.raises(NotFoundError) as caught:
            membership.add_member(session, actor=admin, market=market, username=target)
        assert str(caught.value) == f"Không tìm thấy người dùng “{target}”."
    first = membership.add_member(session, actor=manager, market=market, username=" LAN ")
    assert (first.user.id, first.added) == (lan.id, True)
    assert membership.add_member(session, actor=manager, market=market,
                                 username="lan").added is False
    hung, _added = membership.add_member(session, actor=admin, market=market, username="hung")
    assert session.get(Membership, (hung.id, market.id)) is not None
    hoa, _added = membership.add_member(session, actor=admin, market=market, username="hoa")
    assert session.get(Membership, (hoa.id, market.id)) is not None
    added = session.exec(select(AuditEntry).where(AuditEntry.action == "membership.add")
                         .order_by(AuditEntry.id)).all()
    assert [(a.actor_id, a.target, a.market_id) for a in added] == [
        (manager.id, "lan", market.id), (admin.id, "hung", market.id),
        (admin.id, "hoa", market.id)]


@pytest.mark.parametrize("typed", ["", "  \t"])
def test_adding_a_member_without_a_username_asks_for_one(session, market, typed):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    with pytest.raises(ValidationError) as caught:
        membership.add_member(session, actor=manager, market=market, username=typed)
    assert (caught.value.field, str(caught.value)) == (
        "username", "username: Nhập tên đăng nhập của người cần thêm.")


def test_adding_someone_already_in_the_market_names_them_and_writes_nothing(session, market):
    # The team page and the API say who is already a member from the result's login.
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    again = membership.add_member(session, actor=manager, market=market, username=" Lan ")
    assert again.added is False
    assert again.user is not None and (again.user.id, again.user.username) == (lan.id, "lan")
    assert len(session.exec(select(Membership).where(Membership.user_id == lan.id)).all()) == 1
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "membership.add")
                        ).all() == []


def test_an_admin_removes_anyone_but_themselves(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN,
                              market_codes=[market.code])
    hung = users.create_user(session, username="hung", password=TEST_PASSWORD,
                             role=Role.MANAGER, market_codes=[market.code])
    with pytest.raises(NotFoundError) as caught:
        membership.remove_member(session, actor=admin, market=market, username="an")
    assert str(caught.value) == "Không tìm thấy người này trong chợ."
    assert membership.remove_member(session, actor=admin, market=market,
                                    username="hung").id == hung.id
    assert session.get(Membership, (hung.id, market.id)) is None
    with pytest.raises(NotFoundError):
        membership.remove_member(session, actor=admin, market=market, username="hung")


def test_an_admin_resets_or_locks_anyone_but_themselves(session):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="hung", password=TEST_PASSWORD, role=Role.MANAGER)
    with pytest.raises(NotFoundError) as caught:
        users.reset_password(session, actor=admin, username="an")
    assert str(caught.value) == "Không tìm thấy người dùng “an”."
    # A lock of one's own login is refused as such: the list of logins shows it, so "not
    # found" would be a riddle (the API reads it the line before).
    with pytest.raises(PermissionDenied) as caught:
        users.set_login_active(session, actor=admin, username="An", active=False)
    assert str(caught.value) == "Không thể tự khoá tài khoản của chính mình."
    user, temporary = users.reset_password(session, actor=admin, username=" Hung ")
    assert user.username == "hung" and sign_in(session, "hung", temporary).id == user.id
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")).one()
    assert (audit.actor_id, audit.target) == (admin.id, "hung")
    assert authentication.get_active_user(session, admin.id).active


def test_only_an_admin_locks_a_login_and_says_so(session, market):
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    with pytest.raises(PermissionDenied) as caught:
        users.set_login_active(session, actor=manager, username="boss", active=False)
    assert str(caught.value) == "Chỉ quản trị viên mới khoá được cả tài khoản."


def test_what_a_refused_login_creation_says(session, market, make_market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    cases = ((admin, Role.ADMIN, [market.code], ValidationError,
              "role: Chỉ tạo được tài khoản quản lý chợ hoặc tình nguyện viên."),
             (manager, Role.MANAGER, [market.code], PermissionDenied,
              "Chỉ quản trị viên mới tạo được tài khoản quản lý chợ."),
             (manager, Role.VOLUNTEER, [], ValidationError, "markets: Chọn ít nhất một chợ."))
    for actor, role, codes, error, said in cases:
        with pytest.raises(error) as caught:
            users.create_login(session, actor=actor, username="new", role=role,
                               password=TEST_PASSWORD, market_codes=codes)
        assert str(caught.value) == said
    # Codes are taken as typed around spaces.
    made = users.create_login(session, actor=manager, username="new", role=Role.VOLUNTEER,
                              password=TEST_PASSWORD, market_codes=[f" {market.code} "])
    assert session.get(Membership, (made.user.id, market.id)) is not None
    assert not made.user.must_change_password


def test_a_password_may_not_be_the_code_of_a_market_the_login_works_in(session, market,
                                                                      make_market):
    other = make_market("cho-khac-xa")
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    with pytest.raises(ValidationError) as caught:
        change_own_password(session, lan, TEST_PASSWORD, " CHO-VI-THANH ")
    assert str(caught.value) == "new_password: Mật khẩu không được trùng mã chợ."
    with pytest.raises(ValidationError):
        users.set_password(session, user=lan, password="Cho-Vi-Thanh")
    # Another market's code is no guess about this login.
    change_own_password(session, lan, TEST_PASSWORD, other.code)
    assert sign_in(session, "lan", other.code).id == lan.id


def test_a_password_the_operator_sets_need_not_be_changed_again(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    lan, _temporary = users.reset_password(session, actor=admin, username="lan")
    assert session.get(User, lan.id).must_change_password
    users.set_password(session, user=lan, password="k7-mua-rau-2")
    assert not session.get(User, lan.id).must_change_password


def test_the_throttle_counts_each_name_and_address_apart(session):
    for name in ("lan", "minh"):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=Role.VOLUNTEER)
    for _ in range(2):
        with pytest.raises(ValidationError):
            sign_in(session, "lan", "wrong-password", address="10.0.3.1", max_failures=2)
    with pytest.raises(ThrottledError):
        sign_in(session, "lan", address="10.0.3.1", max_failures=2)
    # Another name at that address, and the same name at another address, still get in.
    assert sign_in(session, "minh", address="10.0.3.1", max_failures=2).username == "minh"
    assert sign_in(session, "lan", address="10.0.3.2", max_failures=2).username == "lan"


def test_a_slowed_name_slows_only_itself_and_its_wait_is_capped(session, monkeypatch):
    for name in ("lan", "minh"):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=Role.VOLUNTEER)
    # The throttle's clock, moved by the test rather than slept through: the refusal below
    # must come within the 1 s capped delay, which a loaded machine could outlast.
    now = [throttle.utcnow()]
    monkeypatch.setattr(throttle, "utcnow", lambda: now[0])
    limits = authentication.LoginLimits(pair=100, username_free=0, delay_cap=1)
    for n in range(2):
        if n:
            now[0] += timedelta(seconds=1.1)  # the guesser waits out the first delay (1 s)
        with pytest.raises(ValidationError):
            authentication.authenticate(session, username="lan", password="wrong-password",
                                        address=f"10.0.4.{n}", limits=limits)
    with pytest.raises(ThrottledError) as caught:
        authentication.authenticate(session, username="lan", password=TEST_PASSWORD,
                                    address="10.0.4.9", limits=limits)
    # Never longer than the cap, and said in seconds while it is that short.
    assert str(caught.value) == "Vui lòng đợi 1 giây rồi đăng nhập lại."
    assert authentication.authenticate(session, username="minh", password=TEST_PASSWORD,
                                       address="10.0.4.8", limits=limits).username == "minh"


def test_a_locked_out_pair_is_told_the_whole_minutes_to_wait(session):
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        sign_in(session, "lan", "wrong-password", max_failures=1, window=121)
    with pytest.raises(ThrottledError) as caught:
        sign_in(session, "lan", max_failures=1, window=121)
    assert str(caught.value) == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 3 phút."


def test_a_right_password_forgets_its_names_failures_but_not_its_addresss(session):
    for name in ("lan", "minh"):
        users.create_user(session, username=name, password=TEST_PASSWORD, role=Role.VOLUNTEER)
    limits = authentication.LoginLimits(pair=3, username_free=100, address=4)

    def attempt(name, password=TEST_PASSWORD):
        return authentication.authenticate(session, username=name, password=password,
                                           address="10.0.5.1", limits=limits)

    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            attempt("lan", "wrong-password")
        assert str(caught.value) == "password: Sai tên đăng nhập hoặc mật khẩu."
    assert attempt("lan").username == "lan"
    # Lan's two failures are forgotten (the pair allows 3), and the sign-in itself is no
    # failure of the address; the address still holds its two.
    with pytest.raises(ValidationError):
        attempt("lan", "wrong-password")
    assert attempt("lan").username == "lan"
    with pytest.raises(ValidationError):
        attempt("minh", "wrong-password")
    with pytest.raises(ThrottledError):
        attempt("minh")


def test_a_display_name_too_long_is_refused_by_its_field(session):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="lan", password=TEST_PASSWORD,
                          role=Role.VOLUNTEER, display_name="x" * 121)
    assert fields_of(caught.value) == ["display_name"]


def test_a_new_login_may_not_take_its_markets_code_or_an_unknown_role(session, market):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="lan", password="Cho-Vi-Thanh", role="boss",
                          market_codes=[market.code])
    assert [str(e) for e in caught.value.errors] == [
        "password: Mật khẩu không được trùng mã chợ.", "role: Vai trò không hợp lệ."]


def test_a_new_login_for_a_market_that_does_not_exist_names_it(session, market):
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                          market_codes=[market.code, "cho-khong-co"])
    assert [(e.field, str(e)) for e in caught.value.errors] == [
        ("markets", "markets: Không tìm thấy chợ “cho-khong-co”.")]
    assert session.exec(select(User)).all() == []


@pytest.mark.parametrize("when", ["before", "meanwhile"])
def test_a_username_taken_before_or_meanwhile_is_refused_by_name(app, session, when):
    """Checked before the write, and by the unique index when another manager creates the
    same login between that check and the write: said the same way both times."""
    from tests.races import rival_first

    def take(other):
        users.create_user(other, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)

    if when == "before":
        take(session)
    else:
        rival_first(session, app, take)
    with pytest.raises(ConflictError) as caught:
        users.create_user(session, username=" Lan ", password=TEST_PASSWORD,
                          role=Role.MANAGER)
    assert (caught.value.field, str(caught.value)) == (
        "username", "username: Tên đăng nhập “lan” đã có.")
    session.expire_all()
    assert session.exec(select(User.role)).all() == [Role.VOLUNTEER]


def test_a_manager_resets_only_volunteers_whose_every_market_they_manage(session, market,
                                                                          make_market):
    """A reset hands its author a way in as that person: a manager who could reset someone
    who also works in another market could read and write that market as them. Adding an
    existing volunteer to one's own market first must not open that way either."""
    other = make_market("cho-khac")
    boss = users.create_user(session, username="boss", password=TEST_PASSWORD,
                             role=Role.MANAGER, market_codes=[market.code])
    stranger = users.create_user(session, username="khac", password=TEST_PASSWORD,
                                 role=Role.MANAGER, market_codes=[other.code])
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    users.create_user(session, username="minh", password=TEST_PASSWORD,
                      role=Role.VOLUNTEER, market_codes=[market.code, other.code])
    assert users.reset_password(session, actor=boss, username="lan")[0].username == "lan"
    # Nor can the other market's manager add her to theirs first.
    with pytest.raises(NotFoundError):
        membership.add_member(session, actor=stranger, market=other, username="lan")
    with pytest.raises(NotFoundError):
        users.reset_password(session, actor=stranger, username="lan")
    for actor, username in ((boss, "minh"), (stranger, "minh")):
        with pytest.raises(PermissionDenied) as caught:
            users.reset_password(session, actor=actor, username=username)
        assert str(caught.value) == (
            f"{username} còn làm ở chợ bạn không quản lý: chỉ quản trị viên mới đặt lại được "
            "mật khẩu của người này.")
    assert sign_in(session, "minh").username == "minh"  # the password is unchanged
    resets = session.exec(select(AuditEntry.target).where(
        AuditEntry.action == "password.reset")).all()
    assert resets == ["lan"]


def test_adding_someone_another_manager_adds_meanwhile_says_they_are_in_the_market(
        app, session, market):
    """Two managers (or a double tap on a slow network) add the same person at once: the
    second is told she is already in the market, as if it came after, never a 500."""
    from tests.races import rival_first

    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER)
    rival_first(session, app, lambda other: membership.add_member(
        other, actor=other.get(User, admin.id), market=market, username="lan"))
    again = membership.add_member(session, actor=manager, market=market, username="lan")
    assert (again.user.username, again.added) == ("lan", False)
    session.expire_all()
    assert session.exec(select(Membership.market_id).where(Membership.user_id == lan.id)
                        ).all() == [market.id]
    added = session.exec(select(AuditEntry.actor_id).where(
        AuditEntry.action == "membership.add")).all()
    assert added == [admin.id]


def test_removing_someone_another_manager_removes_meanwhile_is_logged_once(app, session,
                                                                            market):
    """Two managers (or a double tap) take the same volunteer out at once: the second finds
    no one, as if it came after, and the audit log holds one removal, by the first."""
    from tests.races import rival_first

    manager = users.create_user(session, username="boss", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    rival_first(session, app, lambda other: membership.remove_member(
        other, actor=other.get(User, admin.id), market=market, username="lan"))
    with pytest.raises(NotFoundError) as caught:
        membership.remove_member(session, actor=manager, market=market, username="lan")
    assert str(caught.value) == "Không tìm thấy người này trong chợ."
    session.expire_all()
    removed = session.exec(select(AuditEntry.actor_id).where(
        AuditEntry.action == "membership.remove")).all()
    assert removed == [admin.id]
    assert users.require_user(session, "lan").session_epoch == 1


@pytest.mark.parametrize("when", ["before", "meanwhile"])
def test_locking_a_locked_login_again_changes_and_logs_nothing(app, session, market, when):
    """Two admins with the people page open both tap "Khoá tài khoản": the second found the
    login locked already, yet the log said it locked it too (and unlocking an open login
    logged an unlock that changed nothing)."""
    from tests.races import rival_first

    first = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    second = users.create_user(session, username="binh", password=TEST_PASSWORD,
                               role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    epoch = lan.session_epoch
    assert users.set_login_active(session, actor=second, username="lan", active=True).active
    def lock(other):
        users.set_login_active(other, actor=other.get(User, first.id), username="lan",
                               active=False)

    if when == "before":
        lock(session)
    else:
        rival_first(session, app, lock)
    again = users.set_login_active(session, actor=second, username="lan", active=False)
    assert (again.active, again.session_epoch) == (False, epoch + 1)
    actions = session.exec(select(AuditEntry.action, AuditEntry.actor_id)
                           .where(AuditEntry.target == "lan").order_by(AuditEntry.id)).all()
    assert [tuple(a) for a in actions] == [("user.create", None), ("user.lock", first.id)]


def test_the_reset_is_offered_by_the_rule_that_allows_it(session, make_user, make_market):
    """``resettable`` (what the team page offers) and ``reset_password`` (what is allowed)
    agree for every pair of a market's team."""
    here, there = make_market("cho-a"), make_market("cho-b")
    boss = make_user("boss", role=Role.ADMIN)
    hung = make_user("hung", role=Role.MANAGER, markets=[here])
    tam = make_user("tam", role=Role.MANAGER, markets=[here, there])
    lan = make_user("lan", markets=[here, there])
    mai = make_user("mai", markets=[here])
    team = [hung, tam, lan, mai]
    assert users.resettable(session, actor=hung, people=team) == {mai.id}
    assert users.resettable(session, actor=tam, people=team) == {lan.id, mai.id}
    assert users.resettable(session, actor=boss, people=[boss, *team]) == {
        person.id for person in team}
    assert users.resettable(session, actor=mai, people=team) == set()
    for actor in (hung, tam, boss, mai):
        offered = users.resettable(session, actor=actor, people=team)
        for person in team:
            try:
                users.reset_password(session, actor=actor, username=person.username)
            except (PermissionDenied, NotFoundError):
                session.rollback()
                assert person.id not in offered, (actor.username, person.username)
            else:
                assert person.id in offered, (actor.username, person.username)


def test_an_admin_locked_meanwhile_locks_and_unlocks_no_one(session, market):
    """Two admins lock each other from their people pages: the second request was let in
    before the first locked its admin, and it locked the first one too, leaving the app with
    no admin at all (recovery only on the command line). The lock is refused to an admin
    who is no longer one, and so is an unlock."""
    an = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    binh = users.create_user(session, username="binh", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    users.set_login_active(session, actor=an, username="lan", active=False)
    # Bình's request loaded her before An's lock took effect.
    binh_as_loaded = authentication.get_active_user(session, binh.id)
    session.expunge(binh_as_loaded)
    users.set_login_active(session, actor=an, username="binh", active=False)
    for username, active in (("an", False), ("lan", True)):
        with pytest.raises(PermissionDenied) as caught:
            users.set_login_active(session, actor=binh_as_loaded, username=username,
                                   active=active)
        assert str(caught.value) == "Tài khoản của bạn vừa bị khoá."
    session.expire_all()
    assert [(u.username, u.active) for u in session.exec(select(User).order_by(User.id))] == \
        [("an", True), ("binh", False), ("lan", False)]
    assert session.exec(select(AuditEntry.actor_id, AuditEntry.target).where(
        AuditEntry.action.in_(["user.lock", "user.unlock"])).order_by(AuditEntry.id)).all() == \
        [(an.id, "lan"), (an.id, "binh")]


def test_an_admin_corrects_a_name_and_moves_a_login_between_manager_and_volunteer(session,
                                                                                  market):
    """A volunteer becomes the market's manager, a name typed wrong is corrected: there was
    no way but a new login (a new username, the old history apart). A manager made a
    volunteer loses rights, so their sessions end; a volunteer made a manager keeps them."""
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, display_name="Nguyen Thi Lan",
                            market_codes=[market.code])
    epoch = lan.session_epoch
    changed = users.change_login(session, actor=admin, username=" Lan ",
                                 display_name=" Nguyễn Thị Lan ", role="manager")
    assert (changed.display_name, changed.role, changed.session_epoch) == \
        ("Nguyễn Thị Lan", Role.MANAGER, epoch)
    assert users.change_login(session, actor=admin, username="lan", display_name="",
                              role="volunteer").session_epoch == epoch + 1
    session.expire_all()
    stored = session.get(User, lan.id)
    assert (stored.display_name, stored.role) == ("lan", Role.VOLUNTEER)
    assert session.get(Membership, (lan.id, market.id)) is not None
    # Saved again as it is: nothing changes, nothing is logged.
    users.change_login(session, actor=admin, username="lan", display_name="lan",
                       role="volunteer")
    audits = session.exec(select(AuditEntry).where(AuditEntry.action == "user.update")
                          .order_by(AuditEntry.id)).all()
    assert [(a.actor_id, a.target, a.data) for a in audits] == [
        (admin.id, "lan", {"changes": {"display_name": ["Nguyen Thi Lan", "Nguyễn Thị Lan"],
                                       "role": ["volunteer", "manager"]}}),
        (admin.id, "lan", {"changes": {"display_name": ["Nguyễn Thị Lan", "lan"],
                                       "role": ["manager", "volunteer"]}})]


def test_who_may_change_a_login_and_what_it_may_become(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="binh", password=TEST_PASSWORD, role=Role.ADMIN)
    manager = users.create_user(session, username="hung", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])

    def change(actor, username, name="Lan", role="volunteer"):
        return users.change_login(session, actor=actor, username=username, display_name=name,
                                  role=role)

    with pytest.raises(PermissionDenied) as caught:
        change(manager, "lan")
    assert str(caught.value) == "Chỉ quản trị viên mới sửa được tài khoản."
    with pytest.raises(PermissionDenied) as caught:  # one's own: an admin's login
        change(admin, "an")
    assert str(caught.value) == "Tài khoản quản trị chỉ sửa được bằng dòng lệnh."
    with pytest.raises(PermissionDenied) as caught:
        change(admin, "binh", role="manager")
    assert str(caught.value) == "Tài khoản quản trị chỉ sửa được bằng dòng lệnh."
    with pytest.raises(FormErrors) as caught:
        change(admin, "lan", name="x" * 121, role="admin")
    assert fields_of(caught.value) == ["display_name", "role"]
    assert str(caught.value.errors[1]) == \
        "role: Chọn vai trò quản lý chợ hoặc tình nguyện viên."
    session.expire_all()
    assert [(u.username, u.role, u.display_name) for u in session.exec(
        select(User).order_by(User.id))] == [("an", "admin", "an"), ("binh", "admin", "binh"),
                                            ("hung", "manager", "hung"),
                                            ("lan", "volunteer", "lan")]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "user.update")).all() \
        == []


def _audited(session, action_prefix="user."):
    return [(a.action, a.target, a.data) for a in session.exec(
        select(AuditEntry).where(AuditEntry.action.startswith(action_prefix),
                                 AuditEntry.action != "user.create").order_by(AuditEntry.id))]


def test_an_admin_changes_only_what_is_given_of_a_login_in_one_step(session, market):
    """The API's PATCH: a name, a role, a lock, any of them; each by the rules of the page
    that changes it, in one transaction, each change logged as the page logs it."""
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    hung = users.create_user(session, username="hung", password=TEST_PASSWORD,
                             role=Role.MANAGER, display_name="Hung",
                             market_codes=[market.code])
    epoch = hung.session_epoch
    renamed = users.update_login(session, actor=admin, username="hung",
                                 display_name=" Trần Văn Hùng ")
    assert (renamed.display_name, renamed.role, renamed.active, renamed.session_epoch) == \
        ("Trần Văn Hùng", Role.MANAGER, True, epoch)
    # Made a volunteer and locked at once: one end of his sessions, two log lines.
    both = users.update_login(session, actor=admin, username="hung", role="volunteer",
                              active=False)
    assert (both.role, both.active, both.session_epoch) == (Role.VOLUNTEER, False, epoch + 1)
    unlocked = users.update_login(session, actor=admin, username="hung", active=True)
    assert (unlocked.active, unlocked.session_epoch) == (True, epoch + 1)
    assert _audited(session) == [
        ("user.update", "hung", {"changes": {"display_name": ["Hung", "Trần Văn Hùng"]}}),
        ("user.lock", "hung", {}),
        ("user.update", "hung", {"changes": {"role": ["manager", "volunteer"]}}),
        ("user.unlock", "hung", {})]


@pytest.mark.parametrize("given", [{}, {"display_name": " hung "}, {"role": "manager"},
                                   {"active": True},
                                   {"display_name": "", "role": "manager", "active": True}])
def test_a_change_that_changes_nothing_writes_nothing(session, market, given):
    """An empty name is the username, as on the page: here, his name already."""
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    hung = users.create_user(session, username="hung", password=TEST_PASSWORD,
                             role=Role.MANAGER, market_codes=[market.code])
    epoch = hung.session_epoch
    same = users.update_login(session, actor=admin, username="hung", **given)
    assert (same.display_name, same.role, same.active, same.session_epoch) == \
        ("hung", Role.MANAGER, True, epoch)
    assert _audited(session) == []


def test_a_login_change_refused_in_part_writes_nothing(session, market):
    """A bad name beside a lock: nothing is locked, every wrong field is named."""
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    with pytest.raises(FormErrors) as caught:
        users.update_login(session, actor=admin, username="lan", display_name="x" * 121,
                           role="admin", active=False)
    assert fields_of(caught.value) == ["display_name", "role"]
    session.expire_all()
    lan = users.require_user(session, "lan")
    assert (lan.active, lan.role, lan.display_name, lan.session_epoch) == \
        (True, "volunteer", "lan", 0)
    assert _audited(session) == []


def test_who_may_change_which_login_through_update_login(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="binh", password=TEST_PASSWORD, role=Role.ADMIN)
    manager = users.create_user(session, username="hung", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])

    def refused(actor, username, **given):
        with pytest.raises((PermissionDenied, NotFoundError)) as caught:
            users.update_login(session, actor=actor, username=username, **given)
        session.rollback()
        return type(caught.value).__name__, str(caught.value)

    assert refused(manager, "lan", display_name="Lan") == (
        "PermissionDenied", "Chỉ quản trị viên mới sửa được tài khoản.")
    assert refused(manager, "lan", active=False) == (
        "PermissionDenied", "Chỉ quản trị viên mới khoá được cả tài khoản.")
    # Admin logins are changed on the command line; another admin may still be locked.
    assert refused(admin, "binh", display_name="Bình") == (
        "PermissionDenied", "Tài khoản quản trị chỉ sửa được bằng dòng lệnh.")
    assert refused(admin, "an", role="manager") == (
        "PermissionDenied", "Tài khoản quản trị chỉ sửa được bằng dòng lệnh.")
    # One's own login: said so, not "not found" (the list of logins shows it).
    assert refused(admin, "an", active=False) == (
        "PermissionDenied", "Không thể tự khoá tài khoản của chính mình.")
    assert refused(admin, "nobody", active=False) == (
        "NotFoundError", "Không tìm thấy người dùng “nobody”.")
    assert users.update_login(session, actor=admin, username="binh", active=False).active \
        is False
    session.expire_all()
    assert [(u.username, u.role, u.active) for u in session.exec(
        select(User).order_by(User.id))] == [("an", "admin", True), ("binh", "admin", False),
                                            ("hung", "manager", True),
                                            ("lan", "volunteer", True)]


def test_an_admin_locked_meanwhile_renames_no_one(session, market):
    """The guard of the lock holds for every change: a request let in before its admin was
    locked changes nothing."""
    an = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    binh = users.create_user(session, username="binh", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      market_codes=[market.code])
    binh_as_loaded = authentication.get_active_user(session, binh.id)
    session.expunge(binh_as_loaded)
    users.update_login(session, actor=an, username="binh", active=False)
    with pytest.raises(PermissionDenied) as caught:
        users.update_login(session, actor=binh_as_loaded, username="lan",
                           display_name="Lan", role="manager")
    assert str(caught.value) == "Tài khoản của bạn vừa bị khoá."
    session.expire_all()
    lan = users.require_user(session, "lan")
    assert (lan.display_name, lan.role) == ("lan", "volunteer")


def test_the_logins_are_read_by_admins_only(session, market):
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    manager = users.create_user(session, username="hung", password=TEST_PASSWORD,
                                role=Role.MANAGER, market_codes=[market.code])
    assert [(u.username, codes) for u, codes in users.list_logins(session, actor=admin)] == \
        [("an", []), ("hung", [market.code])]
    assert users.login_of(session, actor=admin, username=" HUNG ")[1] == [market.code]
    assert users.login_of(session, actor=admin, username="an")[0].id == admin.id
    for read in (lambda: users.list_logins(session, actor=manager),
                 lambda: users.login_of(session, actor=manager, username="hung")):
        with pytest.raises(PermissionDenied) as caught:
            read()
        assert str(caught.value) == "Chỉ quản trị viên mới xem được các tài khoản."
    with pytest.raises(NotFoundError):
        users.login_of(session, actor=admin, username="nobody")


def test_two_admins_renaming_one_login_at_once_never_overwrite_unseen(app, session, market):
    """Binh renames Lan while An's rename of her is on its way. PostgreSQL holds the row from
    the lock to the write, so An's request waits for Binh's and then writes over it, its log
    naming Binh's name as the one replaced. SQLite locks nothing until the write: Binh's
    rename can land between An's read and An's write, and An is then told the login changed
    (nothing written, nothing logged); had An asked for Binh's very name, nothing was left to
    do, and An's request says so quietly."""
    from tests.races import rival_first

    an = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    binh = users.create_user(session, username="binh", password=TEST_PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                      display_name="Lan", market_codes=[market.code])

    def rename(other, name):
        users.update_login(other, actor=other.get(User, binh.id), username="lan",
                           display_name=name)

    def before_ans_write(name):
        """Binh's rename right before An's UPDATE: after An read the login, before An's
        write (on PostgreSQL that is before An's row lock, or Binh would wait forever)."""
        fired: list[bool] = []

        def overtake(state):
            if state.is_update and not fired:
                fired.append(True)
                with Session(get_engine(app), expire_on_commit=False) as other:
                    rename(other, name)

        sa.event.listen(session, "do_orm_execute", overtake)
        return lambda: sa.event.remove(session, "do_orm_execute", overtake)

    if session.get_bind().dialect.name == "postgresql":
        rival_first(session, app, lambda other: rename(other, "Lan Nguyễn"))
        users.update_login(session, actor=an, username="lan", display_name="Lan Trần")
        expected = [(binh.id, ["Lan", "Lan Nguyễn"]), (an.id, ["Lan Nguyễn", "Lan Trần"])]
    else:
        stop = before_ans_write("Lan Nguyễn")
        with pytest.raises(ConflictError) as caught:
            users.update_login(session, actor=an, username="lan", display_name="Lan Trần")
        stop()
        assert str(caught.value) == "Tài khoản này vừa được thay đổi. Hãy tải lại trang."
        stop = before_ans_write("Lan Lê")
        assert users.update_login(session, actor=an, username="lan",
                                  display_name="Lan Lê").display_name == "Lan Lê"
        stop()
        expected = [(binh.id, ["Lan", "Lan Nguyễn"]), (binh.id, ["Lan Nguyễn", "Lan Lê"])]
    session.expire_all()
    updates = session.exec(select(AuditEntry).where(AuditEntry.action == "user.update")
                           .order_by(AuditEntry.id)).all()
    assert [(a.actor_id, a.data["changes"]["display_name"]) for a in updates] == expected


def test_a_logins_markets_are_named_in_code_order(session, make_market):
    zulu, alpha = make_market("cho-z"), make_market("cho-a")
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[zulu.code, alpha.code])
    assert users.market_codes(session, lan) == ["cho-a", "cho-z"]


def test_a_taken_username_is_said_with_the_forms_other_mistakes(session):
    """A name taken was said only once the weak password was fixed, in a second round."""
    users.create_user(session, username="lan", password=TEST_PASSWORD, role=Role.VOLUNTEER)
    with pytest.raises(FormErrors) as caught:
        users.create_user(session, username="lan", password="short", role=Role.VOLUNTEER)
    assert fields_of(caught.value) == ["username", "password"]
    with pytest.raises(ConflictError):  # alone, the conflict it always was (an API's 409)
        users.create_user(session, username="lan", password=TEST_PASSWORD,
                          role=Role.VOLUNTEER)


def test_a_display_name_is_kept_with_single_spaces(session):
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, display_name="  Nguyễn   Thị  Lan ")
    assert lan.display_name == "Nguyễn Thị Lan"


def test_a_password_chosen_after_a_reset_is_logged_as_such(session, market):
    """The first login's choice of a password, after a reset's temporary one, read as a plain
    "Đổi mật khẩu" in the log."""
    admin = users.create_user(session, username="an", password=TEST_PASSWORD, role=Role.ADMIN)
    lan = users.create_user(session, username="lan", password=TEST_PASSWORD,
                            role=Role.VOLUNTEER, market_codes=[market.code])
    _user, temporary = users.reset_password(session, actor=admin, username="lan")
    change_own_password(session, lan, temporary, "lan-mat-khau-moi")
    change_own_password(session, lan, "lan-mat-khau-moi", "lan-mat-khau-khac")
    changes = session.exec(select(AuditEntry.data).where(AuditEntry.action == "password.change")
                           .order_by(AuditEntry.id)).all()
    assert changes == [{"by": "temporary"}, {}]
