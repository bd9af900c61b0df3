"""What one stall list request costs in-process (issue #14), measured without a load generator.

bench/bench_web.py measures throughput under load, which on a shared machine moves with whatever
else runs. This one serves requests through Flask's test client, one at a time, and counts what
does not depend on the neighbours: the CPU time of this process per request (median of several
batches) and the SQL statements each request sends. The same run measures a bare Flask "hello"
the same way, and prints the list page's cost as a multiple of it. ``--profile`` adds the
functions that took the most time (cProfile), to find where a request's time goes.

CPU time still moves a little with the neighbours (caches, frequency); for figures that do not,
count instructions: run this under ``valgrind --tool=callgrind --instr-atstart=no`` and switch
counting on around the measured requests with ``callgrind_control -i on``.

Run: ``.venv/bin/python bench/bench_profile.py [--requests 300] [--backends sqlite,postgres]
[--profile 25]``. PostgreSQL as for bench_web.py. Prints figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_web import (  # noqa: E402
    LIST_ROWS, PASSWORD, SECRET, USER_AGENT, hello_app, postgres_database, seed,
)

BATCHES = 5


def cpu_per_request(call: Callable[[], object], requests: int) -> float:
    """Median over ``BATCHES`` batches of this process's CPU seconds per call."""
    for _ in range(max(10, requests // 10)):
        call()
    per_batch = max(1, requests // BATCHES)
    times = []
    for _ in range(BATCHES):
        start = time.process_time()
        for _ in range(per_batch):
            call()
        times.append((time.process_time() - start) / per_batch)
    return statistics.median(times)


def signed_in_client(app):
    """A test client logged in through the form, as bench_web.py's browser is."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "username": "lan", "password": PASSWORD})
    return client


def statements_per_request(app, call: Callable[[], object]) -> list[str]:
    """The SQL each request sends, in order (both engines of the app)."""
    from merchant_onboard.db import engines

    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split())[:90])

    for engine in engines(app):
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        for engine in engines(app):
            sa.event.remove(engine, "before_cursor_execute", record)
    return sent


def run_backend(backend: str, url: str, requests: int, profile: int) -> None:
    from merchant_onboard import create_app

    seed(url)
    os.environ.update(MO_SECRET_KEY=SECRET, MO_ENV_NAME="development")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    client = signed_in_client(app)

    def listing() -> None:
        response = client.get("/m/bench-list/")
        assert response.status_code == 200, response.status_code
        response.close()

    body = client.get("/m/bench-list/").get_data(as_text=True)
    if body.count("data-stall-code=") != LIST_ROWS:
        raise RuntimeError("the stall list does not show the seeded stalls")
    hello = hello_app().test_client()
    hello_cost = cpu_per_request(lambda: hello.get("/").close(), requests)
    list_cost = cpu_per_request(listing, requests)
    health_cost = cpu_per_request(lambda: client.get("/healthz").close(), requests)
    statements = statements_per_request(app, listing)
    print(f"\n{backend}: CPU time of this process per request, median of {BATCHES} batches")
    print(f"  hello (bare Flask)          {hello_cost * 1e3:7.3f} ms")
    print(f"  health check                {health_cost * 1e3:7.3f} ms  "
          f"{hello_cost / health_cost:6.1%} of hello's rate")
    print(f"  stall list ({LIST_ROWS} rows, HTML)  {list_cost * 1e3:7.3f} ms  "
          f"{hello_cost / list_cost:6.1%} of hello's rate")
    print(f"  stall list: {len(statements)} SQL statements, {len(body.encode())} bytes")
    for statement in statements:
        print(f"    {statement}")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            listing()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N functions that took the most time")
    options = parser.parse_args()
    for backend in options.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                run_backend(backend, f"sqlite:///{tmp}/bench.db", options.requests,
                            options.profile)
        else:
            with postgres_database() as url:
                run_backend(backend, url, options.requests, options.profile)


if __name__ == "__main__":
    main()
