"""The poster's verification code as people type it back."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.codes import format_public_code, new_public_code, normalize_public_code


@pytest.mark.parametrize("typed", ["K7P2-QX90", "k7p2 qx9o", " K7P2.QX90 ", "ｋ７Ｐ２－ＱＸ９０",
                                   "K7P2–QX9O"])
def test_a_code_is_read_however_it_was_typed(typed):
    """Lowercase, a dash or a space, O for 0, and a phone keyboard's full-width letters and
    digits ("９３CE…" was not found)."""
    assert normalize_public_code(typed) == "K7P2QX90"


def test_a_new_code_reads_back_as_itself():
    code = new_public_code()
    assert normalize_public_code(format_public_code(code)) == code
