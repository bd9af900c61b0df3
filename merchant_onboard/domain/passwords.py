"""The password policy (issue 13): long enough, and not a guess an attacker tries first.

At least 10 characters besides surrounding spaces; not the username, not the code of a market the login works in, and not
in the list of common passwords shipped with the project (``data/common_passwords.txt``).
Compared without case or surrounding spaces: "Cho-Vi-Thanh" is as guessable as "cho-vi-thanh".
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from importlib import resources

from merchant_onboard.domain.errors import N_, ValidationError

MIN_LENGTH = 10
#: Temporary passwords from a reset: 14 characters a volunteer can read out over the phone
#: (no 0/O, 1/l/I), about 69 bits.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_TEMPORARY_LENGTH = 14


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("merchant_onboard.domain").joinpath(
        "data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str,
                     market_codes: Iterable[str] = ()) -> ValidationError | None:
    """Why ``password`` is refused for this login, or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return ValidationError(N_("Mật khẩu cần ít nhất %(n)s ký tự."), field="password",
                               n=MIN_LENGTH)
    # Counted as the other rules compare it: ten spaces, or "x" and nine, is no password.
    if len(password.strip()) < MIN_LENGTH:
        return ValidationError(N_("Mật khẩu cần ít nhất %(n)s ký tự, không kể khoảng trắng ở "
                                  "đầu và cuối."), field="password", n=MIN_LENGTH)
    folded = password.strip().casefold()
    if folded == username.strip().casefold():
        return ValidationError(N_("Mật khẩu không được trùng tên đăng nhập."), field="password")
    if folded in {code.casefold() for code in market_codes}:
        return ValidationError(N_("Mật khẩu không được trùng mã chợ."), field="password")
    if folded in common_passwords():
        return ValidationError(N_("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu "
                                  "khác."), field="password")
    return None


def temporary_password() -> str:
    """A random password for a reset, used once to choose a new one."""
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(_TEMPORARY_LENGTH))
