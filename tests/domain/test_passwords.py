"""domain.passwords: the policy's length counts what the other rules compare."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.passwords import password_problem


@pytest.mark.parametrize("password", [" " * 10, "x" + " " * 9, "\t ab  cd \n   ", "  123456789 "])
def test_spaces_around_a_password_do_not_count_towards_its_length(password):
    problem = password_problem(password, username="lan")
    assert problem is not None and problem.field == "password"
    assert problem.message.startswith("Mật khẩu cần ít nhất %(n)s ký tự")


@pytest.mark.parametrize("password", ["mua rau ở chợ", "  k7-mua-rau-sang  ", "a b c d e f"])
def test_spaces_inside_a_long_enough_password_are_welcome(password):
    assert password_problem(password, username="lan") is None
