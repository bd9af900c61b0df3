"""The access matrix: every route × role × own or foreign market.

Routes are read from the app itself, so a route added later is checked too; a route with a
URL parameter this test does not know how to fill fails here until it is taught.
"""

from __future__ import annotations

import pytest

from merchant_onboard.models import Membership

#: Pages anyone may open.
PUBLIC = {"static", "public.healthz", "public.font", "public.look_up", "public.verify",
          "public.check_photo",
          "auth.login",
          "auth.language", "auth.logout"}
#: Pages only a market's managers (and admins) may use; volunteers get 403 or 404.
MANAGER_ONLY_PREFIXES = ("dashboard.", "census.", "team.", "api.market_stats",
                         "api.update_market", "api.list_members", "api.add_member",
                         "api.remove_member",
                         "api.market_posters", "posters.batch", "posters.record_batch")
ADMIN_ONLY = {"dashboard.rollup", "dashboard.rollup_export", "api.create_market"}


@pytest.fixture
def world(session, make_market, make_user, make_stall):
    """Two markets, a stall in each, and one user per role (members of market A)."""
    own, foreign = make_market("cho-a"), make_market("cho-b")
    volunteer = make_user("lan", markets=[own])
    manager = make_user("hung", role="manager", markets=[own])
    admin = make_user("admin", role="admin")
    other = make_user("khac", markets=[foreign])
    own_stall = make_stall(own, volunteer)
    foreign_stall = make_stall(foreign, other)
    return {"own": (own, own_stall), "foreign": (foreign, foreign_stall),
            "users": {"volunteer": volunteer, "manager": manager, "admin": admin}}


#: The volunteer of each market in ``world``: whom routes naming a ``<username>`` act on.
MEMBER = {"cho-a": "lan", "cho-b": "khac"}


def fill(rule, market, stall) -> str | None:
    """A concrete URL for ``rule`` in ``market`` / ``stall``, or None if it has no scope."""
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = market.code
        elif name == "stall_id":
            values[name] = stall.id
        elif name == "kind":
            values[name] = "note"
        elif name == "fmt":
            values[name] = "csv"
        elif name == "user_id":
            values[name] = stall.registered_by_id  # a volunteer of that market
        elif name == "username":
            values[name] = MEMBER[market.code]
        else:
            raise AssertionError(f"teach test_access how to fill <{name}> in {rule.rule}")
    url = rule.rule
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return url


def scoped_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or not ({"code", "stall_id"} & set(rule.arguments)):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def call(client, method, url, headers=None):
    response = client.open(url, method=method, headers=headers or {},
                           json={} if url.startswith("/api/") else None,
                           data=None if url.startswith("/api/") else {})
    # Read streamed bodies to the end, so their request (and its transaction) is closed.
    response.get_data()
    response.close()
    return response


def test_anonymous_is_sent_to_login_or_refused(app, client, world):
    market, stall = world["own"]
    for rule, method in scoped_rules(app):
        url = fill(rule, market, stall)
        response = call(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["volunteer", "manager"])
def test_members_cannot_reach_another_market_by_any_route(app, client, auth, api_token, world,
                                                          role):
    username = world["users"][role].username
    auth.login(username)
    headers = api_token(username) if any(
        r.rule.startswith("/api/") for r, _ in scoped_rules(app)) else {}
    market, stall = world["foreign"]
    for rule, method in scoped_rules(app):
        url = fill(rule, market, stall)
        response = call(client, method, url, headers if url.startswith("/api/") else None)
        assert response.status_code == 404, (role, method, url, response.status_code)


@pytest.mark.parametrize("role", ["volunteer", "manager", "admin"])
def test_own_market_routes_answer_without_error(app, client, auth, api_token, world, role,
                                                session):
    username = world["users"][role].username
    auth.login(username)
    headers = api_token(username) if any(
        r.rule.startswith("/api/") for r, _ in scoped_rules(app)) else {}
    market, stall = world["own"]
    for rule, method in scoped_rules(app):
        url = fill(rule, market, stall)
        response = call(client, method, url, headers if url.startswith("/api/") else None)
        endpoint = rule.endpoint
        manager_only = endpoint.startswith(MANAGER_ONLY_PREFIXES) or endpoint in ADMIN_ONLY
        if role == "volunteer" and manager_only or role != "admin" and endpoint in ADMIN_ONLY:
            assert response.status_code in (403, 404), (role, method, url)
        else:
            # Empty posts are bad input (4xx), never a server error or a refusal of access.
            assert response.status_code < 500, (role, method, url, response.status_code)
            assert response.status_code not in (401, 403, 404), (role, method, url,
                                                                 response.status_code)
        if "username" in rule.arguments:
            # Removing the volunteer from the market must not hide her from the next route.
            session.merge(Membership(user_id=world["users"]["volunteer"].id, market_id=market.id))
            session.commit()


def test_admin_sees_every_market(client, auth, world):
    auth.login("admin")
    market, stall = world["foreign"]
    assert client.get(f"/m/{market.code}/").status_code == 200
    assert client.get(f"/stalls/{stall.id}").status_code == 200


def test_guessed_stall_ids_do_not_reveal_existence(client, auth, world):
    auth.login("lan")
    _, foreign_stall = world["foreign"]
    missing = client.get("/stalls/999999")
    foreign = client.get(f"/stalls/{foreign_stall.id}")
    assert missing.status_code == foreign.status_code == 404


def test_only_admins_create_markets(client, auth, world):
    auth.login("hung")
    response = client.post("/m/", data={"code": "cho-moi", "name": "Chợ Mới"})
    assert response.status_code == 403
    auth.logout()
    auth.login("admin")
    response = client.post("/m/", data={"code": "cho-moi", "name": "Chợ Mới"})
    assert response.status_code == 302
