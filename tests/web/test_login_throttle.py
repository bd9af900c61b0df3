"""The login throttle (issue 13): stops guessing without locking the team out.

Most of these go through the app served by waitress, as ``merchant-onboard serve`` runs it
behind a proxy (MO_TRUSTED_PROXIES=1), with the client addresses in X-Forwarded-For.
"""

from __future__ import annotations

import datetime
import http.client
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import waitress
from flask import Flask
from sqlmodel import select

from merchant_onboard import create_app
from merchant_onboard.cli.app import waitress_proxy_options
from merchant_onboard.db import dispose
from merchant_onboard.models import Throttle
from merchant_onboard.services import authentication, throttle, users
from tests.factories import TEST_PASSWORD


class Served:
    """The app served by waitress on a free port, and a way to log in through it."""

    def __init__(self, app: Flask, port: int) -> None:
        self.app, self.port = app, port

    def login(self, username: str, password: str, address: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urllib.parse.urlencode({"username": username, "password": password})
        connection.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            # As the proxy adds it: the client's address last.
            "X-Forwarded-For": address})
        response = connection.getresponse()
        response.text = response.read().decode()  # type: ignore[attr-defined]
        connection.close()
        return response


def _run(server: Any) -> None:
    try:
        server.run()
    except OSError:
        pass  # closing the server at the end of a test pulls its socket from under select()


@pytest.fixture
def serve(app: Flask, app_config: dict[str, Any]) -> Iterator[Any]:
    """``serve(**config)`` → the app served by waitress with MO_TRUSTED_PROXIES=1. ``app``
    (the fixture) empties the database first."""
    started: list[tuple[Any, Flask]] = []

    def start(**config: Any) -> Served:
        served = create_app({**app_config, "TRUSTED_PROXIES": 1, **config})
        server = waitress.create_server(
            served, host="127.0.0.1", port=0, threads=16,
            **waitress_proxy_options(served.config["TRUSTED_PROXIES"]))
        threading.Thread(target=_run, args=(server,), daemon=True).start()
        started.append((server, served))
        return Served(served, server.effective_port)

    yield start
    for server, served in started:
        server.close()
        dispose(served)


@pytest.fixture
def market(make_market):
    return make_market("cho-throttle")


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """Every password hash check, recorded; each takes a little while, as scrypt would."""
    seen: list[str] = []
    lock = threading.Lock()
    original = authentication.check_password_hash

    def counted(hash_: str, password: str) -> bool:
        with lock:
            seen.append(password)
        time.sleep(0.05)
        return original(hash_, password)

    # Signing in checks in authentication, a password change in users.
    monkeypatch.setattr(authentication, "check_password_hash", counted)
    monkeypatch.setattr(users, "check_password_hash", counted)
    return seen


class Clock:
    """The throttle's clock, moved only by the test: on a loaded machine a burst of requests
    can take longer than a delay or window, and a request let through after it is right, not
    a leak. Stopped, the count a rule allows and the wait it names are exact."""

    def __init__(self) -> None:
        self.now = throttle.utcnow()

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def still_clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", lambda: clock.now)
    return clock


def test_five_failures_from_other_addresses_do_not_stop_the_right_password(serve, make_user):
    make_user("admin", role="admin")
    served = serve()
    for n in range(1, 6):
        assert served.login("admin", "guess-number-%d" % n, f"203.0.113.{n}").status == 401
    assert served.login("admin", TEST_PASSWORD, "198.51.100.20").status == 302


def test_forty_parallel_guesses_make_at_most_the_allowed_number_of_checks(
        serve, make_user, market, checks, still_clock):
    make_user("lan", markets=[market])
    served = serve()
    limit = served.app.config["LOGIN_MAX_FAILURES"]
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(
            lambda n: served.login("lan", f"guess-{n}", "203.0.113.66").status, range(40)))
    assert len(checks) <= limit
    assert statuses.count(401) == len(checks) and statuses.count(429) == 40 - len(checks)


def test_forty_parallel_guesses_from_forty_addresses_are_slowed_per_username(
        serve, make_user, market, checks, still_clock):
    make_user("lan", markets=[market])
    served = serve()
    free = served.app.config["LOGIN_USERNAME_FREE_FAILURES"]
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(
            lambda n: served.login("lan", f"guess-{n}", f"203.0.113.{n + 1}").status,
            range(40)))
    # The free failures, then one more that starts the delay; the rest are told to wait.
    assert len(checks) <= free + 1
    assert statuses.count(429) >= 40 - free - 1


def test_a_hotspot_of_30_volunteers_each_with_one_typo_still_logs_in(serve, make_user,
                                                                      market):
    for n in range(30):
        make_user(f"tnv{n}", markets=[market])
    served = serve()
    hotspot = "100.64.0.1"

    def volunteer(n: int) -> tuple[int, int]:
        typo = served.login(f"tnv{n}", TEST_PASSWORD[:-1], hotspot).status
        return typo, served.login(f"tnv{n}", TEST_PASSWORD, hotspot).status

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(volunteer, range(30)))
    assert answers == [(401, 302)] * 30


def test_an_address_guessing_many_usernames_is_stopped(serve, make_user, market):
    make_user("lan", markets=[market])
    served = serve(LOGIN_ADDRESS_MAX_FAILURES=6)
    for n in range(6):
        assert served.login(f"someone{n}", "guess", "203.0.113.9").status == 401
    assert served.login("lan", TEST_PASSWORD, "203.0.113.9").status == 429
    assert served.login("lan", TEST_PASSWORD, "203.0.113.10").status == 302


def test_a_locked_login_is_told_so_and_its_right_password_is_not_a_failure(
        serve, make_user, market, session):
    admin = make_user("an", role="admin")
    make_user("lan", markets=[market])
    users.set_login_active(session, actor=admin, username="lan", active=False)
    served = serve(LOGIN_MAX_FAILURES=2)
    for _ in range(3):
        answer = served.login("lan", TEST_PASSWORD, "198.51.100.7")
        assert answer.status == 403
        assert "đã bị khoá" in answer.text
    # A wrong password says nothing of the lock, and counts.
    wrong = served.login("lan", "not-the-password", "198.51.100.7")
    assert wrong.status == 401 and "đã bị khoá" not in wrong.text
    users.set_login_active(session, actor=admin, username="lan", active=True)
    assert served.login("lan", TEST_PASSWORD, "198.51.100.7").status == 302


def test_the_per_username_limit_slows_guesses_from_many_addresses(app_config, make_user,
                                                                 market, still_clock):
    """issue 15 behaviour 4: the per-username counter. Guesses for one login from many
    addresses (one each: no address or pair limit is reached) make every further attempt
    wait, even the right password from a new address, which then gets in after the wait."""
    make_user("lan", markets=[market])
    app = create_app({**app_config, "TRUSTED_PROXIES": 1, "LOGIN_USERNAME_FREE_FAILURES": 3,
                      "LOGIN_DELAY_MAX_SECONDS": 2})
    client = app.test_client()

    def attempt(password: str, address: str):
        return client.post("/login", data={"username": "lan", "password": password},
                           headers={"X-Forwarded-For": address})

    for n in range(4):
        assert attempt(f"guess-{n}", f"203.0.113.{n + 1}").status_code == 401
    waiting = attempt(TEST_PASSWORD, "198.51.100.50")
    assert waiting.status_code == 429
    assert "Vui lòng đợi 1 giây" in waiting.get_data(as_text=True)
    still_clock.advance(1)
    assert attempt(TEST_PASSWORD, "198.51.100.50").status_code == 302
    dispose(app)


def test_the_throttle_window_expires(app_config, make_user, market, still_clock):
    """issue 15 behaviour 5: the window expires. Refused after the failures allowed, the
    same login from the same address works again once the window has passed."""
    make_user("lan", markets=[market])
    app = create_app({**app_config, "LOGIN_MAX_FAILURES": 2, "LOGIN_WINDOW_SECONDS": 1})
    client = app.test_client()

    def attempt(password: str) -> int:
        return client.post("/login", data={"username": "lan",
                                           "password": password}).status_code

    assert [attempt("wrong-1"), attempt("wrong-2"), attempt(TEST_PASSWORD)] == [401, 401, 429]
    still_clock.advance(1)
    assert attempt("wrong-3") == 401  # counted afresh: 1 of 2
    assert attempt(TEST_PASSWORD) == 302
    dispose(app)


@pytest.mark.parametrize("length", [64, 65, 180, 5000])
def test_an_overlong_username_is_a_wrong_login_on_every_backend(client, session, make_user,
                                                                market, length):
    """A name no login can have is a wrong login (401), on the form and the API alike; its
    throttle keys fit ``throttle.key`` (PostgreSQL answered 500 past 180 characters)."""
    make_user("lan", markets=[market])
    form = client.post("/login", data={"username": "a" * length, "password": "x"})
    assert form.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in form.get_data(as_text=True)
    api = client.post("/api/v1/tokens", json={"username": "a" * length, "password": "x"})
    assert api.status_code == 401
    assert api.get_json()["detail"] == "Sai tên đăng nhập hoặc mật khẩu."
    # SQLite would store any length: the bound is the column's, on both backends.
    keys = session.exec(select(Throttle.key)).all()
    assert keys and max(map(len, keys)) <= Throttle.__table__.c.key.type.length


def test_a_long_forwarded_address_still_counts_per_address(app_config, make_user, market):
    """The address comes from X-Forwarded-For behind a proxy: whatever its length, its keys
    fit, and failures from it are still counted (a long key is not a free pass)."""
    make_user("lan", markets=[market])
    app = create_app({**app_config, "TRUSTED_PROXIES": 1, "LOGIN_MAX_FAILURES": 2})
    client = app.test_client()
    address = "2001:db8::" + "f" * 400

    def attempt(username: str, password: str, address: str = address) -> int:
        return client.post("/login", data={"username": username, "password": password},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("lan", "wrong-1"), attempt("lan", "wrong-2"),
            attempt("lan", TEST_PASSWORD)] == [401, 401, 429]
    # Keys too long to store as they are stay apart when only their ends differ.
    assert attempt("lan", TEST_PASSWORD, address[:-1] + "e") == 302
    dispose(app)


def test_long_usernames_that_differ_only_at_the_end_are_counted_apart(app_config, market):
    app = create_app({**app_config, "LOGIN_MAX_FAILURES": 2})
    client = app.test_client()

    def attempt(username: str) -> int:
        return client.post("/login", data={"username": username,
                                           "password": "x"}).status_code

    first, second = "a" * 300 + "x", "a" * 300 + "y"
    assert [attempt(first), attempt(first), attempt(first)] == [401, 401, 429]
    assert attempt(second) == 401
    dispose(app)
