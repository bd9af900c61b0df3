"""What one stall list request costs in-process (issue #14), measured without a load generator.

bench/bench_web.py measures throughput under load, which on a shared machine moves with whatever
else runs. This one serves requests through Flask's test client, one at a time, and counts what
does not depend on the neighbours: the CPU time of this process per request (median of several
batches) and the SQL statements each request sends. The same run measures a bare Flask "hello"
the same way, and prints the list page's cost as a multiple of it. ``--profile`` adds the
functions that took the most time (cProfile), to find where a request's time goes.

On PostgreSQL it also prints the local server's own CPU time per list request: on one
machine it comes out of the same CPUs as the app's.

CPU time still moves a little with the neighbours (caches, frequency). ``--instructions``
counts what does not move at all: the run starts again under valgrind's callgrind
(``apt-get install valgrind``), which counts the instructions of the measured requests only
(about fifty times slower, so use fewer requests).

Run: ``.venv/bin/python bench/bench_profile.py [--requests 300] [--backends sqlite,postgres]
[--profile 25] [--instructions]``. PostgreSQL as for bench_web.py. Prints figures only; nothing
here asserts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import statistics
import subprocess
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
#: Set in the run callgrind counts: the base name of its output files.
CALLGRIND_OUT = "MO_BENCH_CALLGRIND_OUT"


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


def instructions_per_request(call: Callable[[], object], requests: int) -> float:
    """Instructions per call, as callgrind counts them: counting is switched on around the
    calls only (``callgrind_control``), then dumped to a file of its own and read back."""
    pid = str(os.getpid())

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, pid], check=True, capture_output=True)

    for _ in range(max(3, requests // 10)):
        call()
    control("--zero")
    control("--instr=on")
    for _ in range(requests):
        call()
    control("--instr=off")
    control(f"--dump=measured-{time.monotonic_ns()}")
    dumps = sorted(Path(os.environ[CALLGRIND_OUT]).parent.glob(
        Path(os.environ[CALLGRIND_OUT]).name + ".*"), key=lambda p: int(p.suffix[1:]))
    totals = re.search(r"^totals: (\d+)", dumps[-1].read_text(), re.MULTILINE)
    assert totals is not None, dumps[-1]
    return int(totals.group(1)) / requests


def under_callgrind(argv: list[str]) -> int:
    """Run this script again under callgrind, counting nothing until told to."""
    with tempfile.TemporaryDirectory() as tmp:
        out = f"{tmp}/callgrind.out"
        return subprocess.call(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, __file__, *argv], env={**os.environ, CALLGRIND_OUT: out},
            stderr=subprocess.DEVNULL)


def signed_in_client(app):
    """A test client logged in through the form, as bench_web.py's browser is."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "username": "lan", "password": PASSWORD})
    return client


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (Linux ``/proc``): the
    server's own work for the statements, which a one-machine benchmark pays out of the same
    CPUs as the app."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text[text.index("(") + 1:text.rindex(")")] == "postgres":
            fields = text[text.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_per_request(call: Callable[[], object], requests: int) -> float:
    for _ in range(max(10, requests // 10)):
        call()
    start = postgres_cpu_seconds()
    for _ in range(requests):
        call()
    return (postgres_cpu_seconds() - start) / requests


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
    counted = CALLGRIND_OUT in os.environ
    measure = instructions_per_request if counted else cpu_per_request
    hello_cost = measure(lambda: hello.get("/").close(), requests)
    list_cost = measure(listing, requests)
    health_cost = measure(lambda: client.get("/healthz").close(), requests)
    statements = statements_per_request(app, listing)
    # The server's share needs more requests than the app's to rise above /proc's 10 ms ticks.
    server_cost = (postgres_cpu_per_request(listing, max(requests, 1000))
                   if backend == "postgres" and not counted else None)
    if counted:
        print(f"\n{backend}: instructions per request (callgrind), {requests} requests each")
        scale, unit = 1e-6, "M"
    else:
        print(f"\n{backend}: CPU time of this process per request, median of {BATCHES} batches")
        scale, unit = 1e3, "ms"
    print(f"  hello (bare Flask)          {hello_cost * scale:7.3f} {unit}")
    print(f"  health check                {health_cost * scale:7.3f} {unit}  "
          f"{hello_cost / health_cost:6.1%} of hello's rate")
    print(f"  stall list ({LIST_ROWS} rows, HTML)  {list_cost * scale:7.3f} {unit}  "
          f"{hello_cost / list_cost:6.1%} of hello's rate")
    print(f"  stall list: {len(statements)} SQL statements, {len(body.encode())} bytes")
    if server_cost is not None:
        print(f"  stall list: PostgreSQL's own CPU time {server_cost * 1e3:.3f} ms per request "
              f"(the local server's processes), {server_cost / list_cost:.0%} of the app's")
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
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing")
    options = parser.parse_args()
    if options.instructions and CALLGRIND_OUT not in os.environ:
        if not shutil.which("valgrind"):
            sys.exit("valgrind is needed: apt-get install valgrind")
        sys.exit(under_callgrind(sys.argv[1:]))
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
