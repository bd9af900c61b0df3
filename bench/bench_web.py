"""Web throughput (issue #3): the stall list and stall registration against a bare Flask "hello".

Each app is served by gunicorn (2 sync workers, one per CPU here) on loopback, on SQLite and on
PostgreSQL, and loaded by wrk with 20 connections. The headline is the stall list, read and
rendered afresh on every request (the app keeps no page between requests). Every target is
measured in several rounds, each with its own "hello", since this machine's speed drifts with
what else runs on it. Prints the medians of requests/s, p50 and p99 latency and of the
throughput ratio to "hello", with the lowest and highest ratio. Goal: the stall list at
≥ 15 % of "hello" with p99 ≤ 50 ms. Prints figures only; nothing here asserts.

Run: ``.venv/bin/python bench/bench_web.py [--duration 5] [--rounds 3] [--backends sqlite,postgres]``.
Needs ``wrk`` (``apt-get install wrk``). PostgreSQL: a server where a database may be created
(and is dropped after): ``MO_BENCH_DATABASE_URL``, else ``MO_TEST_DATABASE_URL``, else the local
``postgresql://postgres@127.0.0.1:5432/postgres``.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS, WORKERS, LIST_ROWS = 20, 2, 50
GOAL_RATIO, GOAL_P99_MS = 0.15, 50.0
PASSWORD = "bench-password-42"
SECRET = "bench-secret-not-for-production"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# As a browser does, the load sends the User-Agent it logged in with: the login session is
# bound to it, and a different one makes every response re-issue the session cookie.
USER_AGENT = "Mozilla/5.0 (Linux; Android 12) merchant-onboard-bench"

# wrk prints one machine-readable line at the end; POSTs get a unique stall per request
# (code, phone and account must not repeat within a market).
WRK_LUA = r"""
local mode, token, prefix, counter = "get", "", "0", 0
function init(args) mode, token, prefix = args[1], args[2] or "", args[3] or "0" end
function request()
  counter = counter + 1
  if mode ~= "post" then return wrk.format("GET") end
  local body = string.format(
    '{"stall_code":"W%s-%d","zone":"Khu W","shop_name":"Quán bún %d","owner_name":"Nguyễn Thị Hồng",' ..
    '"owner_phone":"09%s%07d","bank":"970436","account_number":"1%s%09d","consent":true,' ..
    '"client_id":"bench-%s-%d"}', prefix, counter, counter, prefix, counter, prefix, counter,
    prefix, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer " .. token}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"non_2xx":%d,"socket_errors":%d}\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def hello_app():
    """The baseline: a bare Flask app answering "hello" (served as ``bench.bench_web:hello_app()``)."""
    from flask import Flask

    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "hello")
    return app


@dataclass
class Result:
    backend: str
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str]) -> Iterator[str]:
    """Serve ``app_spec`` with gunicorn on a free loopback port; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
               "--chdir", str(ROOT), "--log-level", "warning", app_spec]
    server = subprocess.Popen(command, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited with {server.returncode}")
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(base: str, path: str, *, duration: int, args: list[str], headers: list[str]) -> dict:
    """Run wrk (1 thread, 20 connections) and return the figures its Lua ``done`` printed."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA)
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "5s",
               "-s", script.name]
    for header in headers:
        command += ["-H", header]
    command += [base + path, "--", *args]
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    line = next(l for l in out.splitlines() if l.startswith("WRK_RESULT "))
    return json.loads(line.removeprefix("WRK_RESULT "))


def measure(backend: str, target: str, base: str, path: str, *, duration: int, round_: int = 0,
            headers: tuple[str, ...] = (), post_token: str | None = None) -> Result:
    """Warm up for 2 s (imports, pools, caches), then measure for ``duration`` seconds."""
    def args(prefix: int) -> list[str]:
        # Every warm-up and measurement numbers its POSTed stalls apart (one digit: it is part
        # of the phone number), so none is a duplicate.
        return ["post", post_token, str(prefix)] if post_token else ["get"]

    wrk(base, path, duration=2, args=args(2 * round_ + 2), headers=list(headers))
    figures = wrk(base, path, duration=duration, args=args(2 * round_ + 1),
                  headers=list(headers))
    return Result(backend, target, figures["requests"] / (figures["duration_us"] / 1e6),
                  figures["p50_us"] / 1000, figures["p99_us"] / 1000, figures["non_2xx"],
                  figures["socket_errors"])


def seed(url: str) -> None:
    """Migrate and fill: a volunteer, a market of 50 registered stalls, an empty market."""
    from sqlmodel import Session

    from merchant_onboard import create_app
    from merchant_onboard.db import get_engine
    from merchant_onboard.migrate import upgrade
    from merchant_onboard.services import markets, stalls, users

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    engine = get_engine(app)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        listed = markets.create_market(session, actor=None, raw={"code": "bench-list",
                                                                 "name": "Chợ Vị Thanh"})
        markets.create_market(session, actor=None, raw={"code": "bench-post", "name": "Chợ Mới"})
        lan = users.create_user(session, username="lan", password=PASSWORD, role="volunteer",
                                display_name="Nguyễn Thị Lan",
                                market_codes=["bench-list", "bench-post"])
        for n in range(1, LIST_ROWS + 1):
            stalls.register_stall(session, actor=lan, market=listed, client_id=str(uuid.uuid4()),
                                  raw={"stall_code": f"{'ABCD'[n % 4]}-{n}",
                                       "zone": f"Khu {'ABCD'[n % 4]}",
                                       "shop_name": f"Tạp hoá Cô Ba {n}",
                                       "owner_name": "Đặng Thị Hồng",
                                       "owner_phone": f"0912{n:06d}", "bank": "970436",
                                       "account_number": f"0011{n:09d}", "consent": True})
    engine.dispose()


def session_cookie(base: str) -> str:
    """Log in through the form (CSRF on, as for a browser) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "lan", "password": PASSWORD})
    opener.open(base + "/login", data=form.encode()).close()
    listing = opener.open(base + "/m/bench-list/").read().decode()
    rows = listing.count("data-stall-code=")
    if rows != LIST_ROWS:
        raise RuntimeError(f"the stall list shows {rows} rows, expected {LIST_ROWS}")
    return "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in jar)


def api_token(base: str) -> str:
    request = urllib.request.Request(
        base + "/api/v1/tokens", data=json.dumps({"username": "lan", "password": PASSWORD})
        .encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["token"]


def run_backend(backend: str, url: str, duration: int, rounds: int) -> list[list[Result]]:
    """``rounds`` rounds of every target; each round measures "hello" again, so a change in
    what else the machine is doing shows in the round's ratios instead of skewing them."""
    seed(url)
    env = {"DATABASE_URL": url, "MO_SECRET_KEY": SECRET, "MO_ENV_NAME": "development"}
    with gunicorn("bench.bench_web:hello_app()", {}) as hello, gunicorn("wsgi:app", env) as base:
        cookie, token = session_cookie(base), api_token(base)
        all_rounds = []
        for round_ in range(rounds):
            all_rounds.append([
                measure(backend, "hello (bare Flask)", hello, "/", duration=duration),
                # The floor of this stack: the app's request handling and one query, no login.
                measure(backend, "health check (1 query)", base, "/healthz", duration=duration),
                measure(backend, f"stall list ({LIST_ROWS} rows, HTML)", base, "/m/bench-list/",
                        duration=duration, headers=(cookie, f"User-Agent: {USER_AGENT}")),
                measure(backend, "register stall (API POST)", base,
                        "/api/v1/markets/bench-post/stalls", duration=duration, round_=round_,
                        post_token=token),
            ])
    return all_rounds


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    import sqlalchemy as sa

    from merchant_onboard.config import normalize_database_url

    server = normalize_database_url(os.environ.get("MO_BENCH_DATABASE_URL")
                                    or os.environ.get("MO_TEST_DATABASE_URL") or DEFAULT_POSTGRES)
    name = f"mo_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(backends: dict[str, list[list[Result]]], load_before: float) -> None:
    """Per target, the median over rounds of req/s, latencies and ratio to that round's
    "hello", with the lowest and highest ratio seen."""
    # The machine may be shared: a load average near the CPU count before the run means
    # other work competed with the servers and the figures are low and noisy.
    rounds = len(next(iter(backends.values())))
    print(f"\n{WORKERS} gunicorn sync workers, wrk with {CONNECTIONS} connections, "
          f"{os.cpu_count()} CPUs shared with the load generator; medians of {rounds} rounds; "
          f"load average before the run {load_before:.1f}")
    print(f"{'backend':<9} {'target':<28} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'vs hello':>8} {'(range)':>11} {'errors':>6}")
    for backend, all_rounds in backends.items():
        listing_ratio = listing_p99 = 0.0
        for column in range(len(all_rounds[0])):
            runs = [r[column] for r in all_rounds]
            ratios = [r[column].rps / r[0].rps for r in all_rounds]
            rps, p50, p99 = (statistics.median(getattr(r, f) for r in runs)
                             for f in ("rps", "p50_ms", "p99_ms"))
            ratio = statistics.median(ratios)
            errors = sum(r.non_2xx + r.socket_errors for r in runs)
            print(f"{backend:<9} {runs[0].target:<28} {rps:>8.0f} {p50:>7.1f} {p99:>7.1f} "
                  f"{ratio:>7.0%} {min(ratios):>5.0%}–{max(ratios):<4.0%} {errors:>6}")
            if runs[0].target.startswith("stall list"):
                listing_ratio, listing_p99 = ratio, p99
        met = listing_ratio >= GOAL_RATIO and listing_p99 <= GOAL_P99_MS
        print(f"{backend:<9} goal (stall list ≥ {GOAL_RATIO:.0%} of hello, p99 ≤ "
              f"{GOAL_P99_MS:.0f} ms): {'met' if met else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, choices=range(1, 5),
                        help="rounds of every measurement (medians are reported)")
    parser.add_argument("--backends", default="sqlite,postgres")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    load_before = os.getloadavg()[0]
    results: dict[str, list[list[Result]]] = {}
    for backend in options.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results[backend] = run_backend(backend, f"sqlite:///{tmp}/bench.db",
                                               options.duration, options.rounds)
        else:
            with postgres_database() as url:
                results[backend] = run_backend(backend, url, options.duration, options.rounds)
    report(results, load_before)


if __name__ == "__main__":
    main()
