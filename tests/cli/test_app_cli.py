"""The service commands: serve, db upgrade, create-user, seed-demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from merchant_onboard.models import Market, Membership, Stall, User

CONSOLE = Path(sys.executable).parent / "merchant-onboard"


def test_create_user_with_markets(runner, session, make_market):
    make_market("cho-vi-thanh")
    result = runner.invoke(args=["create-user", "hung", "--role", "manager", "--name",
                                 "Trần Văn Hùng", "--market", "cho-vi-thanh",
                                 "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.username == "hung")).one()
    assert user.display_name == "Trần Văn Hùng" and user.role == "manager"
    assert session.exec(select(Membership).where(Membership.user_id == user.id)).one()


@pytest.mark.parametrize("args", [
    ["create-user", "Bad Name!", "--role", "volunteer", "--password", "long-enough-1"],
    ["create-user", "lan", "--role", "volunteer", "--password", "short"],
    ["create-user", "lan", "--role", "volunteer", "--password", "long-enough-1",
     "--market", "no-such-market"],
])
def test_create_user_bad_input_is_a_message_not_a_traceback(runner, session, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output
    assert session.exec(select(User)).all() == []


def test_create_user_twice_is_refused(runner, session):
    args = ["create-user", "lan", "--role", "volunteer", "--password", "long-enough-1"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 2 and "đã có" in again.output


def test_seed_demo_builds_a_market_in_every_stage(runner, session, monkeypatch):
    monkeypatch.setenv("MO_DEMO_PASSWORD", "demo-password-1")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo-password-1" in result.output
    market = session.exec(select(Market)).one()
    statuses = {s.status for s in session.exec(select(Stall).where(Stall.market_id == market.id))}
    assert {"census", "registered", "poster_printed", "poster_installed",
            "test_payment_verified", "first_payment_confirmed", "refused"} <= statuses
    count = len(session.exec(select(Stall)).all())
    assert 40 <= count <= 80
    # Running it again changes nothing but the password.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert len(session.exec(select(Stall)).all()) == count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_demo_answers_on_its_port(tmp_path):
    """The README's first command, end to end: upgrade, demo, a production WSGI server."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "MO_DEMO_PASSWORD": "demo-password-1"}
    process = subprocess.Popen([str(CONSOLE), "serve", "--demo", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read() if process.stdout else "")
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert "Đăng nhập" in r.read().decode()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "demo-password-1" in output and f":{port}/" in output


def test_db_upgrade_from_the_console(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = subprocess.run([str(CONSOLE), "db", "upgrade"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
