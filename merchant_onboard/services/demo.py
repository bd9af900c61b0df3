"""A believable demo pilot: Chợ Vị Thanh (Hậu Giang), 60 stalls spread over the whole funnel.

Everything goes through the same services as real use, with back-dated server times, so the
demo's history, posters and figures are exactly what real work would have produced.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, select

from merchant_onboard.domain.funnel import EventKind, RefusalReason
from merchant_onboard.domain.text import fold_holder_name
from merchant_onboard.models import Market, Membership, Role, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import markets, onboarding, stalls, users

MARKET_CODE = "cho-vi-thanh"
DEMO_USERS = (
    ("admin", "Quản trị huyện", Role.ADMIN),
    ("manager", "Trần Văn Hùng (BQL chợ)", Role.MANAGER),
    ("volunteer", "Nguyễn Thị Lan (Đoàn phường)", Role.VOLUNTEER),
    ("minh", "Lê Quang Minh (Đoàn phường)", Role.VOLUNTEER),
)

_ZONES = {
    "A": ("Rau củ quả", ["Rau sạch", "Trái cây", "Rau củ"]),
    "B": ("Thịt cá", ["Cá đồng", "Thịt heo", "Hải sản", "Gà vịt"]),
    "C": ("Tạp hoá", ["Tạp hoá", "Gạo", "Gia vị"]),
    "D": ("Ăn uống", ["Bún riêu", "Hủ tiếu", "Cà phê", "Bánh xèo", "Chè"]),
}
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Dương", "Lâm"]
_MIDDLE = ["Thị", "Văn", "Thanh", "Ngọc", "Minh", "Hoàng", "Thị Kim", "Văn Út"]
_GIVEN = ["Ba", "Hồng", "Lan", "Út", "Tư", "Sáu", "Bảy", "Hạnh", "Đào", "Nga", "Phúc", "Lộc",
          "Cường", "Mai", "Thuỷ", "Hiền", "Dũng", "Tâm", "Đức", "Yến"]
_BANKS = ["970436", "970415", "970418", "970405", "970407", "970422", "970416", "970432",
          "970403", "970423"]

#: How far each stall gets, as (share of stalls, last milestone reached).
_DISTRIBUTION = [
    (0.10, None),  # census only
    (0.10, EventKind.REGISTERED),
    (0.10, EventKind.POSTER_PRINTED),
    (0.12, EventKind.POSTER_INSTALLED),
    (0.13, EventKind.TEST_PAYMENT_VERIFIED),
    (0.35, EventKind.FIRST_PAYMENT_CONFIRMED),
    (0.07, EventKind.REFUSED),
    (0.03, EventKind.INACTIVE),
]
_PATH = [EventKind.POSTER_PRINTED, EventKind.POSTER_INSTALLED, EventKind.TEST_PAYMENT_VERIFIED,
         EventKind.FIRST_PAYMENT_CONFIRMED]


def ensure_users(session: Session, password: str, market: Market) -> list[User]:
    """Create the demo users, or reset their password to ``password``; commits."""
    out = []
    for username, name, role in DEMO_USERS:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            codes = [] if role == Role.ADMIN else [market.code]
            user = users.create_user(session, username=username, password=password, role=role,
                                     display_name=name, market_codes=codes)
        else:
            users.set_password(session, user=user, password=password)
            if role != Role.ADMIN and session.get(Membership, (user.id, market.id)) is None:
                session.add(Membership(user_id=user.id, market_id=market.id))
                session.commit()
        out.append(user)
    return out


def seed_demo(session: Session, *, password: str, stall_count: int = 60,
              now: datetime | None = None) -> Market:
    """Create the demo market with its users and history (once), and set the demo password."""
    market = session.exec(select(Market).where(Market.code == MARKET_CODE)).first()
    if market is not None:
        ensure_users(session, password, market)
        return market
    market = markets.create_market(session, actor=None, raw={
        "code": MARKET_CODE, "name": "Chợ Vị Thanh", "kind": "market",
        "province": "Hậu Giang", "ward": "Phường 1, TP. Vị Thanh",
        "address": "Đường Trần Hưng Đạo, Phường 1, TP. Vị Thanh",
        "census_size": stall_count + 6, "target_pct": 70,
        "campaign_title": "Chợ 4.0 – Thanh toán không dùng tiền mặt"})
    people = ensure_users(session, password, market)
    volunteers = [u for u in people if u.role == Role.VOLUNTEER]
    rng = random.Random(2026)
    now = now or utcnow()
    plan = _plan(stall_count, rng)
    for index, last in enumerate(plan):
        _seed_stall(session, market, index, last, rng, volunteers, now)
    return market


def _plan(count: int, rng: random.Random) -> list[EventKind | None]:
    plan: list[EventKind | None] = []
    for share, last in _DISTRIBUTION:
        plan.extend([last] * round(share * count))
    plan = (plan + [EventKind.FIRST_PAYMENT_CONFIRMED] * count)[:count]
    rng.shuffle(plan)
    return plan


def _refusal(rng: random.Random) -> dict[str, str]:
    """A refusal's data: "other" is said in a note, as the form asks."""
    reason = rng.choice(list(RefusalReason))
    if reason == RefusalReason.OTHER:
        return {"reason": reason.value, "note": "Chờ hỏi ý gia đình"}
    return {"reason": reason.value}


def _seed_stall(session: Session, market: Market, index: int, last: EventKind | None,
                rng: random.Random, volunteers: list[User], now: datetime) -> None:
    zone = "ABCD"[index % 4]
    zone_name, kinds = _ZONES[zone]
    code = f"{zone}-{index // 4 + 1}"
    owner = f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
    shop = f"{rng.choice(kinds)} {owner.split()[-1]}"
    phone = f"09{rng.randrange(10_000_000, 99_999_999)}"
    volunteer = rng.choice(volunteers)
    start = now - timedelta(days=rng.randint(20, 70), hours=rng.randint(0, 9))
    if last is None or (last == EventKind.REFUSED and rng.random() < 0.5):
        stall = Stall(market_id=market.id, stall_code=code, zone=f"Khu {zone} – {zone_name}",
                      shop_name=shop, owner_name=owner, owner_phone=phone, category=zone_name,
                      public_code=stalls.unused_public_code(session), created_at=start)
        stalls.apply_details(stall, {"stall_code": code, "shop_name": shop,
                                      "owner_name": owner})
        session.add(stall)
        session.commit()
        if last == EventKind.REFUSED:
            onboarding.record_event(session, actor=volunteer, stall=stall, kind="refused",
                                    client_id=f"demo-{code}-refused", at=start,
                                    data=_refusal(rng))
        return
    result = stalls.register_stall(
        session, actor=volunteer, market=market, client_id=f"demo-{code}-registered", at=start,
        confirm_phone=True, raw={
            "stall_code": code, "zone": f"Khu {zone} – {zone_name}", "shop_name": shop,
            "owner_name": owner, "owner_phone": phone, "category": zone_name,
            "bank": rng.choice(_BANKS), "account_number": str(rng.randrange(10**9, 10**13)),
            "holder_name": fold_holder_name(owner), "consent": True})
    stall, at = result.stall, start
    if last in (EventKind.REFUSED, EventKind.INACTIVE):
        onboarding.record_event(session, actor=volunteer, stall=stall, kind=last.value,
                                client_id=f"demo-{code}-{last.value}", at=at + timedelta(days=3),
                                data=_refusal(rng) if last == EventKind.REFUSED else {})
        return
    for kind in _PATH[: _PATH.index(last) + 1] if last != EventKind.REGISTERED else []:
        at = min(at + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 6)),
                 now - timedelta(minutes=5))
        data: dict = {}
        if kind == EventKind.TEST_PAYMENT_VERIFIED:
            data = {"amount": 2000, "name_matches": True, "owner_confirmed": True}
        elif kind == EventKind.FIRST_PAYMENT_CONFIRMED:
            data = {"amount": rng.choice([15000, 25000, 30000, 45000, 60000, 120000]),
                    "customer_payment": True, "paid_at": at.isoformat()}
        onboarding.record_event(session, actor=volunteer, stall=stall, kind=kind.value,
                                client_id=f"demo-{code}-{kind.value}", data=data, at=at)
