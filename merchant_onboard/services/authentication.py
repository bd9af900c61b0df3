"""Signing in: the password check under the login throttle, and the user behind a session.

The throttle's rules (``LoginLimits``) count failures per username and address, per
username and per address; a password change counts its guesses at the current password on
the same keys (``users.change_password``), so a stolen session is no way round them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from merchant_onboard.domain.errors import N_, PermissionDenied, ThrottledError, ValidationError
from merchant_onboard.models import User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import throttle

# Checked against when the username is unknown, so a wrong name costs as long as a wrong
# password and response times do not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountLocked(PermissionDenied):
    """The right password for a login an admin locked: said plainly, not counted as a guess."""


@dataclass(frozen=True)
class LoginLimits:
    """The login throttle (issue 13), per window of ``window`` seconds.

    - ``pair``: failures for one username from one address, then that pair waits for the
      window to end: a guesser's own address, or one person mistyping again and again.
    - ``username_free``: failures for a username from anywhere before every further attempt
      waits 1, 2, 4 … seconds (at most ``delay_cap``): slows guessing from many addresses
      without locking the real owner out: the right password from a new address gets in
      after a short wait.
    - ``address``: failures from one address across usernames, high enough for a market's
      shared hotspot of 30 volunteers each mistyping a few times.
    """

    pair: int = 5
    username_free: int = 10
    delay_cap: int = 60
    address: int = 100
    window: int = 900

    def rules(self, username: str, address: str) -> list[throttle.Rule]:
        return [throttle.Rule(_pair_key(username, address), limit=self.pair),
                throttle.Rule(_username_key(username), free=self.username_free,
                              delay_cap=self.delay_cap),
                throttle.Rule(_address_key(address), limit=self.address)]


def _pair_key(username: str, address: str) -> str:
    return f"login:pair:{address}|{username}"


def _username_key(username: str) -> str:
    return f"login:user:{username}"


def _address_key(address: str) -> str:
    return f"login:addr:{address}"


def authenticate(session: Session, *, username: str, password: str, address: str,
                 limits: LoginLimits) -> User:
    """The active user with this name and password, under the login throttle; commits.

    The attempt is counted before the password is hashed (``throttle.reserve``), so parallel
    guesses cannot all pass a check made before any of them was counted; a right password
    takes its count back.
    """
    username = username.strip().lower()
    keys = reserve_guess(session, limits, username, address, _LOGIN_REFUSALS)
    user = session.exec(select(User).where(User.username == username)).first()
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid:
        raise ValidationError(N_("Sai tên đăng nhập hoặc mật khẩu."), field="password")
    if not user.active:
        throttle.release(session, keys)
        session.commit()
        raise AccountLocked(N_("Tài khoản này đã bị khoá. Hãy liên hệ quản trị viên."))
    forgive_guess(session, keys)
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    return user


#: What a throttled guess is told: (to wait a while, to wait minutes).
_LOGIN_REFUSALS = (N_("Vui lòng đợi %(seconds)s giây rồi đăng nhập lại."),
                   N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút."))


def reserve_guess(session: Session, limits: LoginLimits, username: str, address: str,
                   refusals: tuple[str, str]) -> list[str]:
    """Count one guess at ``username``'s password under the login throttle, before it is
    checked, or raise ``ThrottledError``; commits. Returns the keys it was counted on.

    The login form and the password change count on the same keys: a stolen session must
    not become a way to guess the password without the login's limits.
    """
    rules = limits.rules(username, address)
    wait = throttle.reserve(session, rules, window=limits.window)
    if wait > limits.delay_cap:
        raise ThrottledError(refusals[1], minutes=-(-wait // 60), seconds=wait)
    if wait:
        raise ThrottledError(refusals[0], seconds=wait)
    return [rule.key for rule in rules]


def forgive_guess(session: Session, keys: list[str]) -> None:
    """The right password: its guess was no failure, and the username's and the pair's
    failures before it are forgiven (the address's, from other usernames, are not)."""
    throttle.release(session, keys[2:], forget=keys[:2])


def get_active_user(session: Session, user_id: int) -> User | None:
    """The user behind a session cookie or token, if still active.

    Asked on every request, so the statement is built once (``Session.get`` builds its own
    each time).
    """
    return session.execute(_ACTIVE_USER, {"user_id": user_id}).scalar_one_or_none()


_ACTIVE_USER = select(User).where(User.id == sa.bindparam("user_id"), User.active.is_(True))
