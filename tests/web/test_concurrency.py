"""Races the database must win (DESIGN §11): real parallel requests against a served app.

Each scenario fires its requests at once (a barrier releases them together) at the app served
on loopback by a threaded server, on SQLite and on PostgreSQL, over many trials, and then
checks the invariant in the database: one primary account per stall, one stall per account,
one result per idempotency key, one record per batch, poster versions unique. The answers a
loser may get are the clean ones: a 409, or the first result of its own retry; never a 500.
"""

from __future__ import annotations

import http.cookiejar
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select
from werkzeug.serving import make_server

from merchant_onboard.domain.funnel import EventKind
from merchant_onboard.domain.poster import PosterFormat
from merchant_onboard.models import Event, PaymentAccount, Poster, Role, Stall
from merchant_onboard.services import posters as posters_service
from merchant_onboard.services.onboarding import record_event
from tests.factories import TEST_PASSWORD, stall_fields

TRIALS = 20


class Served:
    """The app on a free loopback port; ``call`` sends one JSON request and reads the answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, body: Any = None, *,
             headers: dict[str, str] | None = None,
             opener: urllib.request.OpenerDirector | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  **(headers or {})})
        try:
            with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
                return response.status, _json_or_text(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json_or_text(error.read())

    def token(self, username: str) -> dict[str, str]:
        status, body = self.call("POST", "/api/v1/tokens",
                                 {"username": username, "password": TEST_PASSWORD})
        assert status == 201, body
        return {"Authorization": f"Bearer {body['token']}"}

    def logged_in(self, username: str) -> urllib.request.OpenerDirector:
        """A cookie-keeping client logged in through the login form."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"username": username, "password": TEST_PASSWORD}).encode()
        opener.open(self.base_url + "/login", data=form, timeout=60).read()
        return opener


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in parallel threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def served(app: Flask) -> Iterator[Served]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def team(make_market, make_user):
    market = make_market("cho-dua")
    volunteer = make_user("lan", markets=[market])
    manager = make_user("hoa", role=Role.MANAGER, markets=[market])
    return market, volunteer, manager


def _account(trial: int, n: int) -> str:
    return f"77{trial:04d}{n:04d}"


def _primaries(session: Session, stall_id: int) -> list[PaymentAccount]:
    session.expire_all()
    return list(session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall_id, PaymentAccount.is_primary.is_(True))))


def _print_poster(session: Session, stall: Stall, actor) -> None:
    record_event(session, actor=actor, stall=stall, kind=EventKind.POSTER_PRINTED.value,
                 client_id=str(uuid.uuid4()), data={"format": "a6"})


def _live_posters_of_other_accounts(session: Session, stall_id: int, primary_id: int) -> int:
    return session.scalar(select(sa.func.count(Poster.id)).where(
        Poster.stall_id == stall_id, Poster.revoked_at.is_(None),
        Poster.account_id != primary_id)) or 0


def test_two_account_changes_on_one_stall_leave_one_primary(served, team, make_stall, session):
    market, volunteer, _ = team
    headers = served.token("lan")
    for trial in range(TRIALS):
        stall = make_stall(market, volunteer, stall_code=f"C-{trial}",
                           account_number=_account(trial, 0))
        if trial % 2:
            # A printed stall goes back to "registered", whose status guard already stops the
            # second change; a stall still at "registered" has only its lock to rely on.
            _print_poster(session, stall, volunteer)
        accounts = [_account(trial, 1), _account(trial, 2)]
        answers = at_once([
            lambda acc=acc: served.call("POST", f"/api/v1/stalls/{stall.id}/account",
                                        {"bank": "970436", "account_number": acc,
                                         "client_id": str(uuid.uuid4())}, headers=headers)
            for acc in accounts])
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {201, 409} and 201 in statuses, answers
        [primary] = _primaries(session, stall.id)
        winners = {acc for acc, (status, _) in zip(accounts, answers) if status == 201}
        assert primary.account_number in winners
        changes = session.scalar(select(sa.func.count(Event.id)).where(
            Event.stall_id == stall.id, Event.kind == EventKind.ACCOUNT_CHANGED.value))
        assert changes == statuses.count(201)
        assert _live_posters_of_other_accounts(session, stall.id, primary.id) == 0


def test_refused_stall_registered_again_at_once_keeps_one_primary(served, team, make_stall,
                                                                   session):
    market, volunteer, _ = team
    headers = served.token("lan")
    for trial in range(TRIALS):
        stall = make_stall(market, volunteer, stall_code=f"R-{trial}",
                           account_number=_account(trial, 0))
        _print_poster(session, stall, volunteer)
        record_event(session, actor=volunteer, stall=stall, kind=EventKind.REFUSED.value,
                     client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
        accounts = [_account(trial, 1), _account(trial, 2)]
        answers = at_once([
            lambda acc=acc: served.call(
                "POST", f"/api/v1/stalls/{stall.id}/registration",
                {**stall_fields(stall_code=f"R-{trial}", account_number=acc, owner_phone=""),
                 "client_id": str(uuid.uuid4())}, headers=headers)
            for acc in accounts])
        statuses = sorted(status for status, _ in answers)
        assert statuses == [201, 409], answers
        [primary] = _primaries(session, stall.id)
        winner = next(acc for acc, (status, _) in zip(accounts, answers) if status == 201)
        assert primary.account_number == winner
        assert _live_posters_of_other_accounts(session, stall.id, primary.id) == 0


def test_twenty_registrations_of_one_account_make_one_stall(served, team, session):
    market, _, _ = team
    headers = served.token("lan")
    for trial in range(TRIALS):
        account = _account(trial, 9)
        answers = at_once([
            lambda n=n: served.call(
                "POST", f"/api/v1/markets/{market.code}/stalls",
                {**stall_fields(stall_code=f"S{trial}-{n}", account_number=account,
                                owner_phone=""), "client_id": str(uuid.uuid4())},
                headers=headers)
            for n in range(20)])
        statuses = Counter(status for status, _ in answers)
        assert statuses == {201: 1, 409: 19}, answers
        assert all(body["errors"] == {"account_number": [body["detail"]]}
                   for status, body in answers if status == 409)
        holders = session.scalar(select(sa.func.count(PaymentAccount.id)).where(
            PaymentAccount.market_id == market.id, PaymentAccount.account_number == account))
        assert holders == 1


def test_twenty_requests_with_one_idempotency_key_get_the_first_result(served, team, session):
    market, _, _ = team
    headers = served.token("lan")
    for trial in range(TRIALS):
        key = str(uuid.uuid4())
        body = stall_fields(stall_code=f"K-{trial}", account_number=_account(trial, 5),
                            owner_phone="")
        answers = at_once([
            lambda: served.call("POST", f"/api/v1/markets/{market.code}/stalls", body,
                                headers={**headers, "Idempotency-Key": key})
            for _ in range(20)])
        assert Counter(status for status, _ in answers) == {201: 1, 200: 19}, answers
        assert len({answer["id"] for _, answer in answers}) == 1
        stalls = session.scalar(select(sa.func.count(Stall.id)).where(
            Stall.market_id == market.id, Stall.stall_code == f"K-{trial}"))
        assert stalls == 1


def test_one_batch_recorded_twice_at_once_is_recorded_once(served, make_market, make_user,
                                                           make_stall, session):
    for trial in range(TRIALS):
        market = make_market(f"cho-lo-{trial}")
        volunteer = make_user(f"tnv{trial}", markets=[market])
        manager = make_user(f"bql{trial}", role=Role.MANAGER, markets=[market])
        stalls = [make_stall(market, volunteer, stall_code=f"B-{n}",
                             account_number=_account(trial, n)) for n in range(3)]
        opener = served.logged_in(manager.username)
        form = {"format": "a6", "status": "registered", "zone": "",
                "batch_id": posters_service.batch_id_of(
                    session, market, posters_service.BatchFilter(status="registered"),
                    PosterFormat.A6)}
        answers = at_once([
            lambda: _post_form(served, opener, f"/m/{market.code}/posters/printed", form)
            for _ in range(2)])
        assert answers == [200, 200]
        for stall in stalls:
            printed = session.scalar(select(sa.func.count(Event.id)).where(
                Event.stall_id == stall.id, Event.kind == EventKind.POSTER_PRINTED.value))
            posters = session.scalar(select(sa.func.count(Poster.id)).where(
                Poster.stall_id == stall.id))
            assert (printed, posters) == (1, 1)


def _post_form(served: Served, opener: urllib.request.OpenerDirector, path: str,
               form: dict[str, str]) -> int:
    """POST a form as the logged-in browser would (following the redirect)."""
    try:
        with opener.open(served.base_url + path, data=urllib.parse.urlencode(form).encode(),
                         timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_prints_at_once_get_distinct_poster_versions(served, team, make_stall, session):
    market, volunteer, _ = team
    headers = served.token("lan")
    for trial in range(TRIALS):
        stall = make_stall(market, volunteer, stall_code=f"P-{trial}",
                           account_number=_account(trial, 3))
        _print_poster(session, stall, volunteer)
        answers = at_once([
            lambda: served.call("POST", f"/api/v1/stalls/{stall.id}/events",
                                {"kind": "poster_printed", "client_id": str(uuid.uuid4()),
                                 "data": {"format": "a6"}}, headers=headers)
            for _ in range(2)])
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {201, 409} and 201 in statuses, answers
        session.expire_all()
        versions = sorted(session.exec(select(Poster.version).where(Poster.stall_id == stall.id)))
        assert versions == list(range(1, 2 + statuses.count(201)))


def test_one_volunteer_added_to_a_market_twice_at_once_is_added_once(served, team, make_user,
                                                                     session):
    """A double tap on "Thêm vào chợ" (or two managers at once): every answer says she is in
    the market, she is a member once, and the log says she was added once."""
    from merchant_onboard.models import AuditEntry, Membership

    market, _volunteer, manager = team
    headers = served.token(manager.username)
    for trial in range(TRIALS // 4):
        username = f"them-{trial}"
        person = make_user(username)
        answers = at_once([lambda: served.call(
            "POST", f"/api/v1/markets/{market.code}/members/{username}", headers=headers)
            for _ in range(4)])
        assert [status for status, _body in answers] == [200] * 4, answers
        session.expire_all()
        assert session.exec(select(Membership.market_id).where(
            Membership.user_id == person.id)).all() == [market.id]
        assert len(session.exec(select(AuditEntry).where(
            AuditEntry.action == "membership.add", AuditEntry.target == username)).all()) == 1


def test_two_admins_locking_each_other_at_once_leave_one_admin(served, make_user, session):
    """Each admin's request was let in while both were active, so each locked the other and
    the app had no admin left. Now the second waits for the first, finds its own login
    locked and changes nothing: one admin stays, one lock is logged, no answer is a 500."""
    from merchant_onboard.models import AuditEntry, User

    for trial in range(TRIALS // 2):
        first, second = (make_user(f"admin-{trial}-{n}", role=Role.ADMIN) for n in (1, 2))
        openers = [served.logged_in(first.username), served.logged_in(second.username)]

        def lock(opener, other):
            form = urllib.parse.urlencode({"active": "0", "confirm": "1"}).encode()
            try:
                with opener.open(f"{served.base_url}/admin/people/{other}/active", data=form,
                                 timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        answers = at_once([lambda: lock(openers[0], second.username),
                           lambda: lock(openers[1], first.username)])
        assert 500 not in answers, answers
        session.expire_all()
        active = session.exec(select(User.username).where(
            User.id.in_([first.id, second.id]), User.active.is_(True))).all()
        assert len(active) == 1, (trial, answers)
        assert len(session.exec(select(AuditEntry).where(
            AuditEntry.action == "user.lock",
            AuditEntry.target.in_([first.username, second.username]))).all()) == 1
