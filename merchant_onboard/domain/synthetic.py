"""Realistic synthetic markets for load tests: stalls with consistent histories over months.

Pure: a seeded ``random.Random`` in, plain rows out. Each stall's status, milestone times and
events follow the funnel's rules (``domain.funnel``), so the figures computed from the rows
are figures a real campaign could have produced.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from merchant_onboard.domain.funnel import EventKind, RefusalReason, Status
from merchant_onboard.domain.text import fold_holder_name

PROVINCES = {
    "Hậu Giang": ["Phường 1", "Phường 3", "Phường 5", "Vị Tân", "Hoả Lựu"],
    "Cần Thơ": ["Ninh Kiều", "Cái Khế", "An Bình", "Lê Bình", "Hưng Phú"],
    "Sóc Trăng": ["Phường 2", "Phường 4", "Phường 7", "Mỹ Xuyên"],
    "An Giang": ["Mỹ Long", "Mỹ Bình", "Châu Phú A", "Long Xuyên"],
    "Hà Nội": ["Hàng Bồ", "Đồng Xuân", "Hàng Mã", "Kim Liên", "Thanh Xuân Trung"],
    "Thừa Thiên Huế": ["Đông Ba", "Phú Hoà", "An Cựu", "Tây Lộc"],
    "Đà Nẵng": ["Hải Châu 1", "Thạch Thang", "An Hải Bắc", "Hoà Khánh"],
    "Hồ Chí Minh": ["Bến Thành", "Bình Tây", "Tân Định", "Phú Nhuận", "Hiệp Phú"],
}
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE = ["Thị", "Văn", "Thanh", "Ngọc", "Minh", "Hoàng", "Thị Kim", "Hữu"]
_GIVEN = ["Ba", "Hồng", "Lan", "Út", "Tư", "Sáu", "Bảy", "Hạnh", "Đào", "Nga", "Phúc", "Lộc",
          "Cường", "Mai", "Thuỷ", "Hiền", "Dũng", "Tâm", "Đức", "Yến", "Loan", "Khoa"]
_TRADES = ["Rau củ", "Trái cây", "Cá đồng", "Thịt heo", "Hải sản", "Tạp hoá", "Gạo",
           "Bún riêu", "Hủ tiếu", "Cà phê", "Quần áo", "Giày dép", "Hoa tươi", "Gia vị"]
_BANKS = ["970436", "970415", "970418", "970405", "970407", "970422", "970416", "970432",
          "970403", "970423"]
_PATH = (EventKind.POSTER_PRINTED, EventKind.POSTER_INSTALLED,
         EventKind.TEST_PAYMENT_VERIFIED, EventKind.FIRST_PAYMENT_CONFIRMED)
_STAMP = {EventKind.REGISTERED: "registered_at", EventKind.POSTER_PRINTED: "printed_at",
          EventKind.POSTER_INSTALLED: "installed_at",
          EventKind.TEST_PAYMENT_VERIFIED: "test_paid_at",
          EventKind.FIRST_PAYMENT_CONFIRMED: "first_paid_at"}
#: How many of the four steps after registration a registered stall has gone, by share.
_DEPTH = [(0.10, 0), (0.08, 1), (0.09, 2), (0.11, 3), (0.62, 4)]


@dataclass
class SyntheticStall:
    """One stall: its columns, its primary account (if registered) and its events."""

    values: dict[str, Any]
    account: tuple[str, str, str] | None = None
    events: list[tuple[str, int, datetime, dict[str, Any]]] = field(default_factory=list)


def market_fields(rng: random.Random, index: int, stalls: int, prefix: str) -> dict[str, Any]:
    """A market's columns: code, name, place, declared census, target."""
    province = rng.choice(sorted(PROVINCES))
    ward = rng.choice(PROVINCES[province])
    return {"code": f"{prefix}-{index:05d}", "name": f"Chợ {ward} {index}",
            "kind": "market", "province": province, "ward": f"Phường {ward}",
            "address": "", "census_size": stalls + rng.randrange(0, max(1, stalls // 8)),
            "target_pct": rng.choice([60, 70, 75, 80, 85, 90]), "campaign_title": ""}


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def market_stalls(rng: random.Random, count: int, *, volunteers: int, now: datetime,
                  days: int) -> Iterator[SyntheticStall]:
    """``count`` stalls of one market, their histories within the last ``days`` days.

    Actors are numbered 0..volunteers-1; the caller maps them to user ids.
    """
    for n in range(count):
        zone = "ABCDEFGH"[n % 8]
        code = f"{zone}-{n // 8 + 1}"
        owner = _person(rng)
        created = now - timedelta(days=days + 5)
        stall = SyntheticStall(values={
            "stall_code": code, "zone": f"Khu {zone}", "owner_name": owner,
            "shop_name": f"{rng.choice(_TRADES)} {owner.split()[-1]}",
            "owner_phone": f"09{rng.randrange(10_000_000, 99_999_999)}",
            "status": Status.CENSUS.value, "status_changed_at": created, "created_at": created,
            "refusal_reason": None, "recheck_mismatch": False, "registered_by_id": None,
            "consent": False, "consent_at": None,
            **{column: None for column in _STAMP.values()}})
        _history(rng, stall, volunteers=volunteers, now=now, days=days)
        yield stall


def _history(rng: random.Random, stall: SyntheticStall, *, volunteers: int, now: datetime,
             days: int) -> None:
    values = stall.values
    actor = rng.randrange(volunteers)
    # Later weeks see more registrations: campaigns start slowly and pick up.
    at = now - timedelta(days=days * (1 - rng.random() ** 0.7), hours=rng.randrange(12))

    def record(kind: EventKind, when: datetime, data: dict[str, Any] | None = None,
               who: int | None = None) -> None:
        stall.events.append((kind.value, actor if who is None else who, when, data or {}))

    draw = rng.random()
    if draw < 0.12:
        if draw < 0.05:
            record(EventKind.REFUSED, at, {"reason": rng.choice(list(RefusalReason)).value})
            values.update(status=Status.REFUSED.value, status_changed_at=at,
                          refusal_reason=stall.events[-1][3]["reason"])
        elif draw < 0.07:
            record(EventKind.INACTIVE, at)
            values.update(status=Status.INACTIVE.value, status_changed_at=at)
        return
    record(EventKind.REGISTERED, at, {"bin": rng.choice(_BANKS)})
    stall.account = (stall.events[-1][3]["bin"], str(rng.randrange(10**9, 10**13)),
                     fold_holder_name(values["owner_name"]))
    values.update(status=Status.REGISTERED.value, status_changed_at=at, registered_at=at,
                  registered_by_id=actor, consent=True, consent_at=at)
    draw = rng.random()
    depth = next(d for share, d in _cumulative(_DEPTH) if draw < share or d == 4)
    for kind in _PATH[:depth]:
        step = at + timedelta(days=rng.uniform(0.2, 9) if kind != EventKind.FIRST_PAYMENT_CONFIRMED
                              else rng.uniform(1, 21))
        if step >= now:
            break
        at = step
        who = rng.randrange(volunteers) if kind == EventKind.FIRST_PAYMENT_CONFIRMED else None
        record(kind, at, {"amount": rng.choice([20000, 35000, 50000, 120000]),
                          "customer_payment": True}
               if kind == EventKind.FIRST_PAYMENT_CONFIRMED else None, who)
        values.update(status=kind.value, status_changed_at=at, **{_STAMP[kind]: at})
    status = values["status"]
    later = at + timedelta(days=rng.uniform(1, 30))
    if later < now and status in (Status.REGISTERED.value, Status.POSTER_PRINTED.value) \
            and rng.random() < 0.2:
        record(EventKind.REFUSED, later, {"reason": rng.choice(list(RefusalReason)).value})
        values.update(status=Status.REFUSED.value, status_changed_at=later,
                      refusal_reason=stall.events[-1][3]["reason"])
    elif later < now and status == Status.FIRST_PAYMENT_CONFIRMED.value:
        if rng.random() < 0.03:
            # A new bank account: back to registered, later milestones to be reached again.
            record(EventKind.ACCOUNT_CHANGED, later, {"bin": rng.choice(_BANKS)})
            values.update(status=Status.REGISTERED.value, status_changed_at=later,
                          registered_at=later, printed_at=None, installed_at=None,
                          test_paid_at=None, first_paid_at=None)
        elif rng.random() < 0.7:
            match = rng.random() > 0.02
            record(EventKind.RECHECK, later, {"match": match})
            values["recheck_mismatch"] = not match
    for _ in range(rng.choice((0, 1, 1, 2, 2))):
        note_at = at + timedelta(hours=rng.randrange(1, 48))
        if note_at < now:
            record(EventKind.NOTE, note_at, {"note": "Đã gặp chủ hộ"})


def _cumulative(shares: list[tuple[float, int]]) -> list[tuple[float, int]]:
    total, out = 0.0, []
    for share, value in shares:
        total += share
        out.append((total, value))
    return out
