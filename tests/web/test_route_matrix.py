"""The route × role authorization matrix, written down as data (issue 15).

``MATRIX`` lists every route of the application (URL rule and method) and the answer each
role gets: anonymous, a volunteer of market A, a manager of market A, an admin, and a manager
of another market ("outsider"). A single parametrised test walks it on both backends, and
another fails when the URL map holds a route the table does not: whoever adds a route adds
its row here, and so decides who may use it.

Every request aims at market A and its stall. Forms are posted empty and JSON bodies are
``{}``: an allowed caller then gets the form's or the API's "bad input" answer (422), which
tells "let in" from "kept out" (401, 403, 404) without changing anything worth keeping.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import TEST_PASSWORD

#: A redirect to the login page (web pages, anonymous).
LOGIN = "login"
#: A redirect anywhere else (home page, language switch, logins already done).
REDIRECT = "redirect"

ROLES = ("anonymous", "volunteer", "manager", "admin", "outsider")
#: Who plays each role: members of market A, an admin, and a manager of market B.
USERNAMES = {"volunteer": "lan", "manager": "hung", "admin": "admin", "outsider": "khac"}


class Row(NamedTuple):
    method: str
    rule: str
    anonymous: int | str
    volunteer: int | str
    manager: int | str
    admin: int | str
    outsider: int | str


MATRIX = [Row(*row) for row in [
    # method, rule,                                   anonymous, volunteer, manager, admin, outsider
    # Public: no login needed, the same answer for everyone.
    ("GET", "/healthz",                                  200, 200, 200, 200, 200),
    ("GET", "/static/<path:filename>",                   200, 200, 200, 200, 200),
    ("GET", "/v",                                        200, 200, 200, 200, 200),
    ("GET", "/v/<code>",                                 200, 200, 200, 200, 200),
    ("POST", "/v/<code>",                                422, 422, 422, 422, 422),
    ("GET", "/lang/<code>",                              REDIRECT, REDIRECT, REDIRECT, REDIRECT,
     REDIRECT),
    ("GET", "/login",                                    200, REDIRECT, REDIRECT, REDIRECT,
     REDIRECT),
    ("POST", "/login",                                   401, REDIRECT, REDIRECT, REDIRECT,
     REDIRECT),
    ("POST", "/logout",                                  LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("GET", "/api/v1/openapi.json",                      200, 200, 200, 200, 200),
    # The installable app: its worker and manifest load before anyone logs in.
    ("GET", "/sw.js",                                    200, 200, 200, 200, 200),
    ("GET", "/manifest.webmanifest",                     200, 200, 200, 200, 200),
    ("POST", "/api/v1/tokens",                           422, 422, 422, 422, 422),
    # Web pages of any logged-in user.
    ("GET", "/",                                         LOGIN, REDIRECT, REDIRECT, REDIRECT,
     REDIRECT),
    ("GET", "/m/",                                       LOGIN, 200, 200, 200, 200),
    ("POST", "/m/",                                      LOGIN, 403, 403, 422, 403),
    ("GET", "/rollup",                                   LOGIN, 403, 403, 200, 403),
    ("GET", "/rollup.<fmt>",                             LOGIN, 403, 403, 200, 403),
    ("GET", "/outbox",                                   LOGIN, 200, 200, 200, 200),
    ("GET", "/outbox/session",                           LOGIN, 200, 200, 200, 200),
    ("GET", "/offline/stall",                            LOGIN, 200, 200, 200, 200),
    # Web pages of market A: its members and admins; another market's people never see it.
    ("GET", "/m/<code>/",                                LOGIN, 200, 200, 200, 404),
    ("GET", "/m/<code>/stalls/new",                      LOGIN, 200, 200, 200, 404),
    ("GET", "/m/<code>/stalls.json",                     LOGIN, 200, 200, 200, 404),
    ("POST", "/m/<code>/stalls/new",                     LOGIN, 422, 422, 422, 404),
    ("GET", "/stalls/<int:stall_id>",                    LOGIN, 200, 200, 200, 404),
    ("GET", "/stalls/<int:stall_id>/edit",               LOGIN, 200, 200, 200, 404),
    ("POST", "/stalls/<int:stall_id>/edit",              LOGIN, 422, 422, 422, 404),
    ("GET", "/stalls/<int:stall_id>/account",            LOGIN, 200, 200, 200, 404),
    ("POST", "/stalls/<int:stall_id>/account",           LOGIN, 422, 422, 422, 404),
    ("GET", "/stalls/<int:stall_id>/register",           LOGIN, 200, 200, 200, 404),
    ("POST", "/stalls/<int:stall_id>/register",          LOGIN, 422, 422, 422, 404),
    ("GET", "/stalls/<int:stall_id>/events/<kind>",      LOGIN, 200, 200, 200, 404),
    ("POST", "/stalls/<int:stall_id>/events/<kind>",     LOGIN, 422, 422, 422, 404),
    ("GET", "/stalls/<int:stall_id>/poster",             LOGIN, 200, 200, 200, 404),
    # Web pages of market A's managers (and admins): volunteers are refused.
    ("GET", "/m/<code>/dashboard",                       LOGIN, 403, 200, 200, 404),
    ("GET", "/m/<code>/export.<fmt>",                    LOGIN, 403, 200, 200, 404),
    ("GET", "/m/<code>/census",                          LOGIN, 403, 200, 200, 404),
    ("POST", "/m/<code>/census",                         LOGIN, 403, 422, 422, 404),
    ("POST", "/m/<code>/census/confirm",                 LOGIN, 403, 422, 422, 404),
    ("GET", "/m/<code>/settings",                        LOGIN, 403, 200, 200, 404),
    ("POST", "/m/<code>/settings",                       LOGIN, 403, REDIRECT, REDIRECT, 404),
    ("GET", "/m/<code>/posters",                         LOGIN, 403, 200, 200, 404),
    ("GET", "/m/<code>/posters.pdf",                     LOGIN, 403, 200, 200, 404),
    ("POST", "/m/<code>/posters/printed",                LOGIN, 403, 422, 422, 404),
    ("GET", "/m/<code>/team",                            LOGIN, 403, 200, 200, 404),
    ("POST", "/m/<code>/team",                           LOGIN, 403, 422, 422, 404),
    ("POST", "/m/<code>/team/members",                   LOGIN, 403, 422, 422, 404),
    ("POST", "/m/<code>/team/<username>/reset",          LOGIN, 403, 200, 200, 404),
    # Posted without confirm=1: the page asking to confirm, nothing removed.
    ("POST", "/m/<code>/team/<username>/remove",         LOGIN, 403, 200, 200, 404),
    # One's own password, and a reset link (this one is not a valid token).
    ("GET", "/account/password",                         LOGIN, 200, 200, 200, 200),
    ("POST", "/account/password",                        LOGIN, 422, 422, 422, 422),
    ("GET", "/password/<token>",                         404, 404, 404, 404, 404),
    ("POST", "/password/<token>",                        404, 404, 404, 404, 404),
    # Admins' pages: every login, and the audit log.
    ("GET", "/admin/people",                             LOGIN, 403, 403, 200, 403),
    # A login's name and role; posted empty, a role is asked for.
    ("GET", "/admin/people/<username>",                  LOGIN, 403, 403, 200, 403),
    ("POST", "/admin/people/<username>",                 LOGIN, 403, 403, 422, 403),
    # A lock posted without confirm=1: the page asking to confirm, nothing locked.
    ("POST", "/admin/people/<username>/active",          LOGIN, 403, 403, 200, 403),
    # A reset posted without confirm=1: the page asking to confirm, nothing reset.
    ("POST", "/admin/people/<username>/reset",           LOGIN, 403, 403, 200, 403),
    ("GET", "/admin/audit",                              LOGIN, 403, 403, 200, 403),
    # The API: a bearer token, or 401.
    ("GET", "/api/v1/markets",                           401, 200, 200, 200, 200),
    ("POST", "/api/v1/markets",                          401, 403, 403, 422, 403),
    ("POST", "/api/v1/qr/parse",                         401, 422, 422, 422, 422),
    ("POST", "/api/v1/qr/decode",                        401, 422, 422, 422, 422),
    ("GET", "/api/v1/markets/<code>",                    401, 200, 200, 200, 404),
    ("PATCH", "/api/v1/markets/<code>",                  401, 403, 200, 200, 404),
    ("GET", "/api/v1/markets/<code>/stalls",             401, 200, 200, 200, 404),
    ("POST", "/api/v1/markets/<code>/stalls",            401, 422, 422, 422, 404),
    ("GET", "/api/v1/stalls/<int:stall_id>",             401, 200, 200, 200, 404),
    ("PATCH", "/api/v1/stalls/<int:stall_id>",           401, 200, 200, 200, 404),
    ("POST", "/api/v1/stalls/<int:stall_id>/account",    401, 422, 422, 422, 404),
    ("POST", "/api/v1/stalls/<int:stall_id>/registration", 401, 422, 422, 422, 404),
    ("GET", "/api/v1/stalls/<int:stall_id>/events",      401, 200, 200, 200, 404),
    ("POST", "/api/v1/stalls/<int:stall_id>/events",     401, 422, 422, 422, 404),
    ("POST", "/api/v1/stalls/<int:stall_id>/rechecks",   401, 422, 422, 422, 404),
    ("GET", "/api/v1/stalls/<int:stall_id>/poster",      401, 200, 200, 200, 404),
    ("GET", "/api/v1/markets/<code>/stats",              401, 403, 200, 200, 404),
    ("GET", "/api/v1/markets/<code>/posters",            401, 403, 200, 200, 404),
    # Logins and members (the outsider manages market B: creating there is theirs to try).
    ("POST", "/api/v1/users",                            401, 403, 422, 422, 422),
    # Every login: the admins' (the logins page); a PATCH of {} changes nothing.
    ("GET", "/api/v1/users",                             401, 403, 403, 200, 403),
    ("GET", "/api/v1/users/<username>",                  401, 403, 403, 200, 403),
    ("PATCH", "/api/v1/users/<username>",                401, 403, 403, 200, 403),
    ("POST", "/api/v1/users/me/password",                401, 422, 422, 422, 422),
    ("POST", "/api/v1/users/<username>/password-reset",  401, 404, 200, 200, 404),
    ("GET", "/api/v1/markets/<code>/members",            401, 403, 200, 200, 404),
    ("POST", "/api/v1/markets/<code>/members/<username>", 401, 403, 200, 200, 404),
    # The manager's request removes the teammate first: the admin's then finds no one.
    ("DELETE", "/api/v1/markets/<code>/members/<username>", 401, 403, 204, 404, 404),
]]


def routes_in(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the application answers, HEAD and OPTIONS left to Flask."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def world(session, make_market, make_user, make_stall):
    """Market A with a stall, its volunteer, manager and a second volunteer (the one the team
    routes act on), an admin, and a manager of market B."""
    own, other = make_market("cho-a"), make_market("cho-b")
    volunteer = make_user("lan", markets=[own])
    teammate = make_user("minh", markets=[own])
    make_user("hung", role="manager", markets=[own])
    make_user("admin", role="admin")
    make_user("khac", role="manager", markets=[other])
    stall = make_stall(own, volunteer)
    return {"code": own.code, "stall_id": stall.id, "username": teammate.username,
            "public_code": stall.public_code}


def concrete_url(rule: str, world: dict) -> str:
    """``rule`` with its parameters filled in for market A, its stall and its teammate."""
    fills = {"<code>": world["code"], "<int:stall_id>": str(world["stall_id"]),
             "<username>": world["username"], "<token>": "not-a-reset-token", "<kind>": "note",
             "<fmt>": "csv", "<path:filename>": "favicon.svg"}
    if rule.startswith("/v/"):
        fills["<code>"] = world["public_code"]
    elif rule.startswith("/lang/"):
        fills["<code>"] = "en"
    for placeholder, value in fills.items():
        rule = rule.replace(placeholder, value)
    assert "<" not in rule, f"teach concrete_url how to fill {rule}"
    return rule


def signed_in_client(app: Flask, role: str, api: bool) -> tuple[FlaskClient, dict[str, str]]:
    """A client for ``role``: logged in through the form for pages, a bearer token for the API."""
    client = app.test_client()
    if role == "anonymous":
        return client, {}
    username = USERNAMES[role]
    if not api:
        assert client.post("/login", data={"username": username,
                                           "password": TEST_PASSWORD}).status_code == 302
        return client, {}
    response = client.post("/api/v1/tokens", json={"username": username,
                                                   "password": TEST_PASSWORD})
    return client, {"Authorization": f"Bearer {response.get_json()['token']}"}


def answer(client: FlaskClient, method: str, url: str, headers: dict[str, str]) -> int | str:
    api = url.startswith("/api/")
    response = client.open(url, method=method, headers=headers,
                           json={} if api else None, data=None if api else {})
    # Read streamed bodies to the end, so their request (and its transaction) is closed.
    response.get_data()
    response.close()
    if response.status_code == 302:
        return LOGIN if response.headers["Location"].startswith("/login") else REDIRECT
    return response.status_code


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.rule}" for row in MATRIX])
def test_each_role_gets_the_answer_in_the_matrix(app, world, row):
    """Walk one row of the matrix for every role, on both backends."""
    url = concrete_url(row.rule, world)
    wrong = {}
    for role in ROLES:
        client, headers = signed_in_client(app, role, api=url.startswith("/api/"))
        got, expected = answer(client, row.method, url, headers), getattr(row, role)
        if got != expected:
            wrong[role] = f"expected {expected}, got {got}"
    assert wrong == {}, f"{row.method} {url}"


def test_every_route_of_the_app_is_in_the_matrix(app):
    """A route missing from the table has no decided access: add its row."""
    listed = [(row.method, row.rule) for row in MATRIX]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert routes_in(app) - set(listed) == set(), "routes with no row in MATRIX"
    assert set(listed) - routes_in(app) == set(), "rows in MATRIX for routes that are gone"
