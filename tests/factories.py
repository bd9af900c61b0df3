"""Plain test data builders shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

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
