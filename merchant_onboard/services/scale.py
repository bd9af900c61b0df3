"""Filling a database with synthetic markets at scale, for load tests and the benchmarks.

Rows are written in bulk, bypassing the per-stall services (which would take hours for a
million stalls): PostgreSQL gets ``COPY … FROM STDIN`` through psycopg, SQLite gets Core
``executemany``. Ids are assigned here so events can point at their stalls without a round
trip; the sequences are moved past them at the end.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.codes import new_public_code
from merchant_onboard.domain.registration import payload_hash
from merchant_onboard.domain.synthetic import market_fields, market_stalls
from merchant_onboard.domain.text import natural_key
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
            "sort_key": natural_key(values["stall_code"]), "search_text": search_text(values),
            "category": "", "notes": "", "latitude": None, "longitude": None,
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

