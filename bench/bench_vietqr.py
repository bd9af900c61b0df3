"""Time the VietQR engine against vietnam-qr-pay, and ``qr parse -`` on many payloads.

Run: ``.venv/bin/python bench/bench_vietqr.py [--lines 100000] [--skip-cli] [--wall]``.
Times are CPU time of this process unless ``--wall``: on a shared machine the wall clock also
counts the time other processes hold the cores.
Goals (issue #2): build ≤ 10 µs and parse ≤ 25 µs per call, both faster than the peer.
Prints figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.vietqr import build_payload, parse

GOALS_US = {"build": 10.0, "parse": 25.0}


def per_call_us(fn: Callable[[], object], *, number: int, repeat: int,
                timer: Callable[[], float]) -> tuple[float, float]:
    """(median, best) over ``repeat`` runs of the mean time of one call, in µs.

    The median is the figure the goals are judged on; the best run shows how far a busy
    machine (other processes on the same cores) has pushed the median up.
    """
    fn()  # warm caches (bank registry, imports)
    runs = timeit.Timer(fn, timer=timer).repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e6, min(runs) / number * 1e6


def engine_cases() -> list[tuple[str, str, Callable[[], object], Callable[[], object] | None]]:
    """(operation, case, ours, peer) for the static poster form and a dynamic payment."""
    try:
        from vietnam_qr_pay import QRPay
    except ImportError:
        QRPay = None  # noqa: N806 - the peer's class name

    registry = default_registry()
    static = build_payload(bank="970403", account="0011012345678")
    dynamic = build_payload(bank="970403", account="0011012345678", amount=180000,
                            purpose="THANH TOAN DON HANG")

    def peer_build(amount: str | None = None, purpose: str | None = None) -> Callable[[], str]:
        return lambda: QRPay.init_viet_qr(bank_bin="970403", bank_number="0011012345678",
                                          amount=amount, purpose=purpose).build()

    return [
        ("build", "static",
         lambda: build_payload(bank="970403", account="0011012345678", registry=registry),
         peer_build() if QRPay else None),
        ("build", "dynamic",
         lambda: build_payload(bank="970403", account="0011012345678", amount=180000,
                               purpose="THANH TOAN DON HANG", registry=registry),
         peer_build("180000", "THANH TOAN DON HANG") if QRPay else None),
        ("parse", "static", lambda: parse(static, registry),
         (lambda: QRPay(static)) if QRPay else None),
        ("parse", "dynamic", lambda: parse(dynamic, registry),
         (lambda: QRPay(dynamic)) if QRPay else None),
    ]


def bench_engine(number: int, repeat: int, wall: bool) -> None:
    # CPU time by default: on a shared machine, time spent waiting for a core is not ours.
    timer = time.perf_counter if wall else time.process_time
    print(f"per call ({'wall' if wall else 'CPU'} µs): median of {repeat} runs x {number} calls,"
          f" best run in brackets; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'operation':<18}{'ours':>16}{'peer':>16}{'peer/ours':>11}{'goal':>6}  met")
    nan = (float("nan"), float("nan"))
    for operation, case, ours, peer in engine_cases():
        ours_us, ours_best = per_call_us(ours, number=number, repeat=repeat, timer=timer)
        peer_us, peer_best = (per_call_us(peer, number=number, repeat=repeat, timer=timer)
                              if peer else nan)
        goal = GOALS_US[operation]
        met = ours_us <= goal and (peer is None or ours_us < peer_us)
        print(f"{operation + ' ' + case:<18}{ours_us:>8.2f} ({ours_best:5.2f}){peer_us:>8.2f}"
              f" ({peer_best:5.2f}){peer_us / ours_us:>10.1f}x{goal:>6.0f}  "
              f"{'yes' if met else 'NO'}")


def bench_cli(lines: int) -> None:
    script = Path(sys.executable).with_name("merchant-onboard")
    if not script.exists():
        print(f"\nqr parse -: console script not found at {script}; skipped")
        return
    rng = random.Random(2)
    banks = [bank.bin for bank in default_registry()]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        for _ in range(lines):
            fh.write(build_payload(bank=rng.choice(banks), account=str(rng.randrange(10**12)),
                                   amount=rng.choice([None, rng.randrange(1000, 10**7)])) + "\n")
        path = Path(fh.name)
    try:
        total, total_cpu = _timed([str(script), "qr", "parse", "-"], path.read_bytes())
        startup, startup_cpu = _timed([str(script), "qr", "parse", "-"], b"")
    finally:
        path.unlink()
    per_line = (total_cpu - startup_cpu) / lines * 1e6
    print(f"\nqr parse - on {lines:,} payloads: {total:.2f} s wall, {total_cpu:.2f} s CPU "
          f"(process start-up {startup:.2f} s wall, {startup_cpu:.2f} s CPU; "
          f"{per_line:.1f} CPU µs/line)")


def _timed(command: list[str], stdin: bytes) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=5000, help="calls per run")
    parser.add_argument("--repeat", type=int, default=15, help="runs; the median is kept")
    parser.add_argument("--lines", type=int, default=100_000, help="payloads for qr parse -")
    parser.add_argument("--skip-cli", action="store_true", help="only time the engine")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    bench_engine(args.number, args.repeat, args.wall)
    if not args.skip_cli:
        bench_cli(args.lines)


if __name__ == "__main__":
    main()
