"""The service commands: serve, db upgrade, create-user, seed-demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
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
    assert "created manager hung in cho-vi-thanh" in result.output


def test_a_login_made_for_a_markets_former_code_works_in_that_market(runner, session,
                                                                       make_market, make_user):
    """An operator's script kept the code a market had before an administrator corrected
    it: "not found", though the old code leads to the market everywhere else."""
    from merchant_onboard.services.markets import update_market

    market = make_market("cho-vi-thnah")
    update_market(session, actor=make_user("root", role="admin"), market=market,
                  raw={"code": "cho-vi-thanh"})
    result = runner.invoke(args=["create-user", "hung", "--role", "manager", "--market",
                                 "cho-vi-thnah", "--market", "cho-vi-thanh",
                                 "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    assert "created manager hung in cho-vi-thanh" in result.output
    user = session.exec(select(User).where(User.username == "hung")).one()
    membership = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert membership.market_id == market.id


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


def console(args: list[str], env: dict[str, str]):
    """Run the console script's group in-process with ``env`` (its app is made from it)."""
    from click.testing import CliRunner

    from merchant_onboard.cli import main

    return CliRunner().invoke(main, args, env={"MO_SECRET_KEY": "k" * 40, **env})


def closed_port() -> int:
    return free_port()  # nothing listens there once the probe socket is closed


def assert_one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.exception
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and all(word in last for word in words), result.stderr


@pytest.mark.parametrize(("env", "args", "words"), [
    ({"MO_ENV_NAME": "production", "MO_SECRET_KEY": ""}, ["db", "upgrade"], ["MO_SECRET_KEY"]),
    ({"MO_ENV_NAME": "production", "MO_SECRET_KEY": "short"}, ["serve"], ["MO_SECRET_KEY"]),
    ({"DATABASE_URL": "garbage"}, ["db", "upgrade"], ["DATABASE_URL"]),
    ({"DATABASE_URL": "mysql://u@h/db"}, ["db", "upgrade"], ["DATABASE_URL"]),
    ({"DATABASE_URL": "postgresql://postgres@[::1/x"}, ["db", "upgrade"], ["DATABASE_URL"]),
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:{port}/x"}, ["db", "upgrade"],
     ["DATABASE_URL"]),
    ({"DATABASE_URL": "sqlite:///{tmp}/missing/x.db"}, ["db", "upgrade"], ["DATABASE_URL"]),
    ({"DATABASE_URL": "sqlite:///{tmp}/missing/x.db"}, ["create-user", "lan", "--role",
                                                        "volunteer", "--password", "x" * 12],
     ["DATABASE_URL"]),
    ({"MO_DB_BUSY_TIMEOUT": "abc"}, ["db", "upgrade"], ["MO_DB_BUSY_TIMEOUT"]),
    ({"MO_TRUSTED_PROXIES": "abc"}, ["serve"], ["MO_TRUSTED_PROXIES"]),
    ({"MO_BANKS_CSV": "{tmp}/no-banks.csv"}, ["serve"], ["MO_BANKS_CSV"]),
    ({"MO_DEMO_PASSWORD": "short"}, ["seed-demo"], ["Mật khẩu"]),
    ({"MO_DEMO_PASSWORD": "short"}, ["serve", "--demo"], ["Mật khẩu"]),
], ids=["production-empty-key", "production-short-key", "url-garbage", "url-mysql",
        "url-unparsable-port", "url-refused", "sqlite-no-directory", "sqlite-no-directory-user",
        "busy-timeout", "trusted-proxies", "bank-list", "demo-password", "serve-demo-password"])
@pytest.mark.timeout(60)
def test_a_bad_setup_is_one_line_not_a_traceback(tmp_path, env, args, words):
    defaults = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env = {key: value.format(tmp=tmp_path, port=closed_port()) for key, value in env.items()}
    assert_one_line_error(console(args, {**defaults, **env}), *words)


# A timeout: were a value accepted, the server would start and serve until stopped.
@pytest.mark.timeout(30)
@pytest.mark.parametrize("args", [["--port", "99999"], ["--port", "0"], ["--port", "-1"],
                                  ["--threads", "0"]])
def test_serve_refuses_impossible_ports_and_thread_counts(tmp_path, args):
    result = console(["serve", *args], {"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert result.exit_code == 2 and args[0] in result.stderr


@pytest.mark.timeout(30)
def test_serve_refuses_an_address_it_cannot_listen_on(tmp_path):
    result = console(["serve", "--host", "999.1.1.1", "--port", str(free_port())],
                     {"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert result.exit_code == 2 and "--host" in result.stderr


@pytest.mark.timeout(30)
def test_serve_on_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = console(["serve", "--port", str(port)],
                         {"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert_one_line_error(result, str(port))


def test_every_command_reports_errors_in_one_line():
    from merchant_onboard.cli import main
    from merchant_onboard.cli.common import Command, Group

    def commands(group):
        for command in group.commands.values():
            yield command
            if isinstance(command, click.Group):
                assert isinstance(command, Group), command.name
                yield from commands(command)

    found = list(commands(main))
    assert len(found) > 8
    assert all(isinstance(c, Command | Group) for c in found), [
        c.name for c in found if not isinstance(c, Command | Group)]
