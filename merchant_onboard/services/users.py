"""Accounts: create users, check passwords with a throttle, manage market membership."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from merchant_onboard.domain.errors import (
    N_, ConflictError, FormErrors, NotFoundError, ThrottledError, ValidationError,
)
from merchant_onboard.domain.text import clean_text
from merchant_onboard.models import AuditEntry, Market, Membership, Role, User
from merchant_onboard.services import throttle

#: werkzeug's default (scrypt); the test suite lowers it, since hashing cost is not under test.
PASSWORD_METHOD = "scrypt"

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8

# Checked against when the username is unknown, so a wrong name costs as long as a wrong
# password and response times do not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str = "", market_codes: tuple[str, ...] | list[str] = (),
                actor: User | None = None) -> User:
    """Create a login, optionally a member of some markets; commits."""
    username = username.strip().lower()
    errors: list[ValidationError] = []
    if not USERNAME_RE.match(username):
        errors.append(ValidationError(
            N_("Tên đăng nhập gồm 2–64 chữ thường không dấu, số, dấu chấm, gạch."),
            field="username"))
    try:
        display_name = clean_text(display_name, field="display_name", max_length=120)
    except ValidationError as error:
        errors.append(error)
    if len(password) < MIN_PASSWORD:
        errors.append(ValidationError(N_("Mật khẩu cần ít nhất %(n)s ký tự."),
                                      field="password", n=MIN_PASSWORD))
    if role not in {r.value for r in Role}:
        errors.append(ValidationError(N_("Vai trò không hợp lệ."), field="role"))
    markets = []
    for code in market_codes:
        market = session.exec(select(Market).where(Market.code == code)).first()
        if market is None:
            errors.append(ValidationError(N_("Không tìm thấy chợ “%(code)s”."),
                                          field="market", code=code))
        else:
            markets.append(market)
    if errors:
        raise FormErrors(errors)
    if session.exec(select(User).where(User.username == username)).first():
        raise ConflictError(N_("Tên đăng nhập “%(username)s” đã có."), field="username",
                            username=username)
    user = User(username=username, display_name=display_name or username,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                role=role)
    session.add(user)
    try:
        session.flush()
        for market in markets:
            session.add(Membership(user_id=user.id, market_id=market.id))
        session.add(AuditEntry(actor_id=actor.id if actor else None, action="user.create",
                               target=username, data={"role": role,
                                                      "markets": list(market_codes)}))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("Tên đăng nhập “%(username)s” đã có."), field="username",
                            username=username) from None
    return user


def authenticate(session: Session, *, username: str, password: str, address: str,
                 max_failures: int, window: int) -> User:
    """The active user with this name and password; throttles failures by name and address."""
    username = username.strip().lower()
    keys = (f"login:user:{username}", f"login:addr:{address}")
    if any(throttle.count(session, key, window=window) >= max_failures for key in keys):
        raise ThrottledError(N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút."),
                             minutes=max(1, window // 60))
    user = session.exec(select(User).where(User.username == username)).first()
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        for key in keys:
            throttle.hit(session, key, window=window)
        session.commit()
        raise ValidationError(N_("Sai tên đăng nhập hoặc mật khẩu."), field="password")
    throttle.reset(session, keys[0])
    session.commit()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password; commits."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(N_("Mật khẩu cần ít nhất %(n)s ký tự."), field="password",
                              n=MIN_PASSWORD)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    session.add(user)
    session.commit()


def get_active_user(session: Session, user_id: int) -> User | None:
    """The user behind a session cookie or token, if still active.

    Asked on every request, so the statement is built once (``Session.get`` builds its own
    each time).
    """
    return session.execute(_ACTIVE_USER, {"user_id": user_id}).scalar_one_or_none()


_ACTIVE_USER = select(User).where(User.id == sa.bindparam("user_id"), User.active.is_(True))


def members(session: Session, market: Market) -> list[User]:
    """The people working in ``market``, by name."""
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.market_id == market.id).order_by(User.display_name))
    return list(session.exec(query))


def require_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFoundError(N_("Không tìm thấy người dùng “%(username)s”."), username=username)
    return user


def add_volunteer(session: Session, *, actor: User, market: Market, username: str,
                  password: str, display_name: str = "") -> User:
    """A manager creates a volunteer login working in ``market`` (access already checked)."""
    return create_user(session, username=username, password=password, role=Role.VOLUNTEER,
                       display_name=display_name, market_codes=[market.code], actor=actor)


def set_volunteer_active(session: Session, *, actor: User, market: Market, user_id: int,
                         active: bool) -> User:
    """Switch a volunteer of ``market`` off (a lost phone, someone who left) or on; commits.

    Managers change only volunteers of their own market: never another manager or an admin.
    """
    user = session.get(User, user_id)
    member = user is not None and session.get(Membership, (user.id, market.id)) is not None
    if not member or user.role != Role.VOLUNTEER:
        raise NotFoundError(N_("Không tìm thấy tình nguyện viên này trong chợ."))
    user.active = active
    session.add(user)
    session.add(AuditEntry(actor_id=actor.id, action="user.activate" if active
                           else "user.deactivate", target=user.username, market_id=market.id))
    session.commit()
    return user
