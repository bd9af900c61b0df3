"""Time the manager's dashboard, the stats API and the roll-up on a large PostgreSQL database.

Run: ``.venv/bin/python bench/bench_dashboard.py [--markets 1000] [--stalls 1000]``.
The database (``--database``, on the server of ``MO_TEST_DATABASE_URL``) is filled once with
``seed-scale`` (1,000 × 1,000 = one million stalls, about five million events) and reused by
later runs; ``--reseed`` starts it again. Requests go through the whole app (login, access
checks, queries, templates) with Flask's test client, so the times are what a worker spends.

Baselines, measured in the same run: ``GET /healthz`` (the app's floor per request) and the
approach DESIGN §8 rules out, counting a market's stalls (and, for the roll-up, every stall)
in Python after loading them. Goals (issue #5): dashboard and stats ≤ 100 ms, roll-up ≤ 1 s.
Prints figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from merchant_onboard import create_app  # noqa: E402
from merchant_onboard.config import normalize_database_url  # noqa: E402
from merchant_onboard.db import get_engine, make_engine  # noqa: E402
from merchant_onboard.migrate import upgrade  # noqa: E402
from merchant_onboard.models import Market, Role, Stall, User  # noqa: E402
from merchant_onboard.services import scale, users  # noqa: E402

GOALS_MS = {"dashboard": 100.0, "stats_api": 100.0, "rollup": 1000.0}
PASSWORD = "bench-password-1"
RESULTS = ROOT / "bench" / "results"


def database_url(server: str, name: str) -> str:
    url = sa.engine.make_url(normalize_database_url(server)).set(database=name)
    return url.render_as_string(hide_password=False)


def prepare(server: str, name: str, markets: int, stalls: int, reseed: bool) -> str:
    """The benchmark database, seeded to the asked size (reused when it already is)."""
    admin = sa.create_engine(normalize_database_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if exists and reseed:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or reseed:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = database_url(server, name)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        have = session.exec(select(sa.func.count()).select_from(Market)
                            .where(Market.code.like("scale-%"))).one()
        if have < markets:
            print(f"seeding {markets - have} markets × {stalls} stalls …", flush=True)
            result = scale.seed_scale(session, markets=markets - have, stalls_per_market=stalls,
                                      password_hash=generate_password_hash(PASSWORD),
                                      progress=lambda line: print("  " + line, flush=True))
            print(f"seeded in {result.seconds:.0f} s", flush=True)
            scale.analyze(engine)
        if session.exec(select(User).where(User.username == "bench-admin")).first() is None:
            users.create_user(session, username="bench-admin", password=PASSWORD,
                              role=Role.ADMIN, display_name="Bench admin")
    engine.dispose()
    return url


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": statistics.median(ordered), "min_ms": ordered[0],
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]}


def get_ok(client, url: str, **kwargs) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data()
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=1000)
    parser.add_argument("--stalls", type=int, default=1000, help="stalls per market")
    parser.add_argument("--database", default="mo_bench_dashboard")
    parser.add_argument("--server", default=os.environ.get(
        "MO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    url = prepare(args.server, args.database, args.markets, args.stalls, args.reseed)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    engine = get_engine(app)
    with Session(engine) as session:
        codes = list(session.exec(select(Market.code).where(Market.code.like("scale-%"))
                                  .order_by(Market.code)))
        total_stalls = session.exec(select(sa.func.count()).select_from(Stall)).one()
        total_events = session.exec(sa.text("SELECT count(*) FROM event")).one()[0]
    picked = random.Random(5).sample(codes, min(10, len(codes)))
    print(f"database: {len(codes)} markets, {total_stalls} stalls, {total_events} events")

    manager = app.test_client()
    figures: dict[str, list[float]] = {"healthz": [], "dashboard": [], "stats_api": [],
                                       "rollup": []}
    figures["healthz"] = timed(get_ok(manager, "/healthz"), args.repeat)
    for code in picked:
        manager.post("/logout")
        manager.post("/login", data={"username": f"{code}-0", "password": PASSWORD})
        figures["dashboard"] += timed(get_ok(manager, f"/m/{code}/dashboard"),
                                      max(1, args.repeat // len(picked)))
        token = manager.post("/api/v1/tokens", json={"username": f"{code}-0",
                                                     "password": PASSWORD}).get_json()["token"]
        figures["stats_api"] += timed(get_ok(manager, f"/api/v1/markets/{code}/stats",
                                             headers={"Authorization": f"Bearer {token}"}),
                                      max(1, args.repeat // len(picked)))
    admin = app.test_client()
    admin.post("/login", data={"username": "bench-admin", "password": PASSWORD})
    figures["rollup"] = timed(get_ok(admin, "/rollup?sort=adoption&desc=1"),
                              max(3, args.repeat // 3))
    figures["rollup_province"] = timed(get_ok(admin, "/rollup?province=Cần Thơ"),
                                       max(3, args.repeat // 3))

    def naive_market() -> object:
        with Session(engine) as session:
            market = session.exec(select(Market).where(Market.code == picked[0])).one()
            loaded = session.exec(select(Stall).where(Stall.market_id == market.id)).all()
            return Counter(stall.status for stall in loaded)

    def naive_rollup() -> object:
        with engine.connect() as conn:
            return Counter(conn.execute(sa.text("SELECT market_id, status FROM stall")))

    figures["baseline_market_in_python"] = timed(naive_market, 5)
    figures["baseline_rollup_in_python"] = timed(naive_rollup, 2)
    engine.dispose()

    report = {name: summary(times) for name, times in figures.items()}
    print(f"\n{'':28}{'median':>10}{'p95':>10}{'min':>10}   goal / baseline")
    for name, row in report.items():
        note = ""
        if name in GOALS_MS:
            note = f"goal {GOALS_MS[name]:.0f} ms: {row['median_ms'] / GOALS_MS[name]:.2f}× of it"
        print(f"{name:28}{row['median_ms']:>8.1f}ms{row['p95_ms']:>8.1f}ms{row['min_ms']:>8.1f}ms"
              f"   {note}")
    floor = report["healthz"]["median_ms"]
    print(f"\ndashboard = {report['dashboard']['median_ms'] / floor:.0f}× the /healthz floor; "
          f"counting one market in Python instead takes "
          f"{report['baseline_market_in_python']['median_ms']:.0f} ms before any figure is "
          f"drawn; the roll-up counted in Python "
          f"{report['baseline_rollup_in_python']['median_ms'] / report['rollup']['median_ms']:.1f}"
          f"× the roll-up page.")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_dashboard.json"
    out.write_text(json.dumps({"markets": len(codes), "stalls": total_stalls,
                               "events": total_events, "figures": report}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
