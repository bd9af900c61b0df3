"""Filling a database with synthetic markets at scale, for load tests and the benchmarks.

Rows are written in bulk, bypassing the per-stall services (which would take hours for a
million stalls): PostgreSQL gets ``COPY … FROM STDIN`` through psycopg, SQLite gets Core
``executemany``. Ids are assigned here so events can point at their stalls without a round
trip; the sequences are moved past them at the end.

The rows come from a seeded ``random.Random`` (the second half of this module): each stall's
status, milestone times and events follow the funnel's rules (``domain.funnel``), so the
figures computed from them are figures a real campaign could have produced.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.codes import new_public_code
from merchant_onboard.domain.funnel import EventKind, RefusalReason, Status
from merchant_onboard.domain.registration import payload_hash
from merchant_onboard.domain.text import code_key, fold_holder_name, natural_key, zone_key
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import (
    Event, Market, Membership, PaymentAccount, Role, Stall, User,
)
from merchant_onboard.models.base import utcnow
from merchant_onboard.services.stalls import search_text

VOLUNTEERS_PER_MARKET = 3
_TABLES = (Market, User, Membership, Stall, PaymentAccount, Event)


@dataclass(frozen=True)
class ScaleResult:
    """What was written and how long it took."""

    markets: int
    stalls: int
    events: int
    seconds: float


class _Ids:
    """The next free id of each table, read once."""

    def __init__(self, session: Session) -> None:
        self._next = {model: (session.exec(select(sa.func.max(model.id))).one() or 0) + 1
                      for model in (Market, User, Stall, PaymentAccount, Event)}

    def take(self, model: type) -> int:
        value = self._next[model]
        self._next[model] += 1
        return value


def seed_scale(session: Session, *, markets: int, stalls_per_market: int, password_hash: str,
               days: int = 180, seed: int = 1, prefix: str = "scale", chunk: int = 20,
               now: datetime | None = None,
               progress: Callable[[str], None] = lambda _: None) -> ScaleResult:
    """Add ``markets`` markets of ``stalls_per_market`` stalls each, with histories; commits
    after every ``chunk`` markets."""
    started = time.perf_counter()
    now = now or utcnow()
    rng = random.Random(seed)
    ids = _Ids(session)
    first = session.exec(select(sa.func.count()).select_from(Market)
                         .where(Market.code.like(f"{prefix}-%"))).one()
    codes = set(session.exec(select(Stall.public_code)))
    copy = session.get_bind().dialect.name == "postgresql"
    total_stalls = total_events = 0
    for start in range(0, markets, chunk):
        rows: dict[type, list[dict[str, Any]]] = {model: [] for model in _TABLES}
        for index in range(first + start, first + min(start + chunk, markets)):
            _one_market(rng, rows, ids, codes, index=index, stalls=stalls_per_market,
                        password_hash=password_hash, prefix=prefix, now=now, days=days)
        for model in _TABLES:
            _write(session, model, rows[model], copy=copy)
        session.commit()
        total_stalls += len(rows[Stall])
        total_events += len(rows[Event])
        progress(f"{min(start + chunk, markets)}/{markets} markets, {total_stalls} stalls, "
                 f"{total_events} events, {time.perf_counter() - started:.0f} s")
    if copy:
        for model in (Market, User, Stall, PaymentAccount, Event):
            table = model.__tablename__
            session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM \"{table}\"))"))
        session.commit()
    return ScaleResult(markets, total_stalls, total_events, time.perf_counter() - started)


def _one_market(rng: random.Random, rows: dict[type, list[dict[str, Any]]], ids: _Ids,
                codes: set[str], *, index: int, stalls: int, password_hash: str, prefix: str,
                now: datetime, days: int) -> None:
    market_id = ids.take(Market)
    fields = market_fields(rng, index, stalls, prefix)
    rows[Market].append({"id": market_id, "created_at": now, **fields})
    people = []
    for n in range(VOLUNTEERS_PER_MARKET + 1):
        user_id = ids.take(User)
        role = Role.MANAGER if n == 0 else Role.VOLUNTEER
        rows[User].append({"id": user_id, "username": f"{fields['code']}-{n}", "role": role.value,
                           "display_name": f"{'Ban quản lý' if n == 0 else 'Tình nguyện viên'} "
                                           f"{n} {fields['code']}",
                           "password_hash": password_hash, "active": True, "created_at": now})
        rows[Membership].append({"user_id": user_id, "market_id": market_id})
        people.append(user_id)
    volunteers = people[1:]
    for stall in market_stalls(rng, stalls, volunteers=len(volunteers), now=now, days=days):
        stall_id = ids.take(Stall)
        values = stall.values
        code = new_public_code()
        while code in codes:
            code = new_public_code()
        codes.add(code)
        by = values["registered_by_id"]
        rows[Stall].append({
            **values, "id": stall_id, "market_id": market_id, "public_code": code,
            "registered_by_id": volunteers[by] if by is not None else None,
            "sort_key": natural_key(values["stall_code"]),
            "code_key": code_key(values["stall_code"]), "zone_key": zone_key(values["zone"]),
            "search_text": search_text(values), "category": "", "notes": "", "latitude": None,
            "longitude": None,
            "updated_at": values["status_changed_at"]})
        if stall.account:
            bank, number, holder = stall.account
            payload = build_payload(bank=bank, account=number)
            rows[PaymentAccount].append({
                "id": ids.take(PaymentAccount), "stall_id": stall_id, "market_id": market_id,
                "bank_bin": bank, "account_number": number, "holder_name": holder,
                "service": "QRIBFTTA", "is_primary": True, "payload": payload,
                "payload_hash": payload_hash(payload), "created_at": values["registered_at"]
                or values["created_at"], "replaced_at": None})
        for kind, actor, at, data in stall.events:
            event_id = ids.take(Event)
            rows[Event].append({"id": event_id, "stall_id": stall_id, "market_id": market_id,
                                "kind": kind, "actor_id": volunteers[actor], "created_at": at,
                                "device_time": None, "client_id": f"seed-{event_id}",
                                "data": data})


def _write(session: Session, model: type, rows: list[dict[str, Any]], *, copy: bool) -> None:
    if not rows:
        return
    table = model.__table__
    if not copy:
        session.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()
    quoted = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as out:
        for row in rows:
            out.write_row([_copy_value(row[c]) for c in columns])


def _copy_value(value: Any) -> Any:
    # The UTC columns hold naive UTC (see models.base.UTCDateTime); JSON goes in as text.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def analyze(engine: sa.Engine) -> None:
    """Refresh planner statistics (and, on PostgreSQL, the visibility map for index-only
    scans) after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


# Synthetic markets: plain rows from a seeded random generator, nothing read or written.

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
