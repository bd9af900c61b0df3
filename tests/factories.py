"""Plain test data builders shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import unicodedata
from typing import Any

TEST_PASSWORD = "correct-horse-42"


def stall_fields(**overrides: Any) -> dict[str, Any]:
    """A valid registration, as a volunteer would type it."""
    fields = {"stall_code": "A-1", "zone": "Khu A", "shop_name": "Tạp hoá Cô Ba",
              "owner_name": "Nguyễn Thị Ba", "owner_phone": "0912 345 678",
              "category": "Tạp hoá", "bank": "970436", "account_number": "0011012345678",
              "holder_name": "", "consent": True}
    fields.update(overrides)
    return fields


#: The tone marks Windows-1258 writes as characters of their own, after their letter.
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """``text`` as Excel's plain "CSV" writes it on a Vietnamese Windows: code page 1258,
    which has Â, Ê, Ô, Ơ, Ư, Ă and Đ but no toned letter (ế is ê and a combining acute)."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            tones = "".join(m for m in marks if m in _TONES)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in _TONES))
            out += (base + tones).encode("cp1258")
    return bytes(out)
