"""The app behind a proxy that mounts it at a path: every link, form and redirect stays under it.

With ``MO_TRUSTED_PROXIES`` set, ProxyFix takes the prefix from ``X-Forwarded-Prefix`` (a
commune's site at ``https://xa.example.vn/cho/``); the app then sees it as the request's
script root. A link written as a bare path would leave the app: the proxy answers 404.
"""

from __future__ import annotations

import re

import pytest

from merchant_onboard.models import Role
from tests.factories import TEST_PASSWORD

PREFIX = "/cho"
#: Every path a page links, loads or posts to (data-root is the prefix itself).
LINKED = re.compile(r'(?:href|src|action|formaction|data-(?!root)[a-z-]+)="(/[^"]*)"')


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TRUSTED_PROXIES": 1}


@pytest.fixture
def behind_proxy(client):
    """The test client as the proxy forwards it: every request carries the prefix."""
    client.environ_base.update(HTTP_X_FORWARDED_PREFIX=PREFIX, HTTP_X_FORWARDED_FOR="10.0.0.7")
    return client


@pytest.fixture
def market(make_market):
    return make_market("cho-nho", name="Chợ Nhớ")


def _login(auth) -> None:
    response = auth.login("thu")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(PREFIX + "/")


def test_every_path_a_page_links_is_under_the_prefix(app, behind_proxy, auth, market,
                                                     make_user, make_stall):
    make_user("thu", Role.ADMIN)
    lan = make_user("lan", markets=[market])
    # One more than a page: the list links its next page too.
    stalls = [make_stall(market, lan, stall_code=f"A-{n}", owner_phone=f"0912{n:06d}",
                         account_number=f"0011{n:09d}") for n in range(1, 52)]
    _login(auth)
    values = {"code": market.code, "stall_id": stalls[0].id, "kind": "poster_printed"}
    # Every page an admin can open (an admin sees every market and the admin pages), by the
    # app's own route table: a page added later is walked too.
    pages = [rule.rule.replace("<code>", values["code"])
             .replace("<int:stall_id>", str(values["stall_id"])).replace("<kind>", values["kind"])
             for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static/"))
             and rule.arguments <= values.keys() and rule.endpoint != "public.verify"]
    # The public page takes a stall's own code; the list's second page has a pager.
    pages += [f"/v/{stalls[0].public_code}", "/m/cho-nho/?page=2"]
    walked = 0
    for path in pages:
        response = behind_proxy.get(path)
        if response.status_code in (301, 302, 303):
            assert response.headers["Location"].startswith(PREFIX + "/"), path
            continue
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            linked = LINKED.findall(response.get_data(as_text=True))
        elif response.mimetype.endswith("json") or response.mimetype == "text/javascript":
            # The worker's script, the manifest, the offline stall list: URLs as JSON strings.
            linked = re.findall(r'"(/[a-z][^"]*)"', response.get_data(as_text=True))
        else:  # a PDF, a spreadsheet
            continue
        outside = [link for link in linked if not link.startswith(PREFIX + "/")]
        assert outside == [], (path, outside)
        walked += bool(linked)
    assert walked >= 15, pages


def _inside(link: str) -> str:
    """The path the proxy forwards for ``link``: the prefix comes as a header, not the path."""
    assert link.startswith(PREFIX + "/"), link
    return link[len(PREFIX):]


def test_switching_language_comes_back_to_the_page_under_the_prefix(behind_proxy, auth, market,
                                                                     make_user):
    make_user("thu", Role.MANAGER, markets=[market])
    _login(auth)
    page = behind_proxy.get("/m/cho-nho/?status=registered").get_data(as_text=True)
    english = re.search(r'href="([^"]+)" hreflang="en"', page).group(1).replace("&amp;", "&")
    response = behind_proxy.get(_inside(english))
    assert response.status_code == 302
    assert response.headers["Location"] == PREFIX + "/m/cho-nho/?status=registered"
    assert "Batch poster printing" in behind_proxy.get(
        _inside(response.headers["Location"])).get_data(as_text=True)


def test_a_page_asked_before_logging_in_is_reached_after_it_under_the_prefix(
        behind_proxy, auth, market, make_user):
    make_user("thu", Role.MANAGER, markets=[market])
    asked = behind_proxy.get("/m/cho-nho/team")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    response = behind_proxy.post(_inside(login_url), data={"username": "thu",
                                                           "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == PREFIX + "/m/cho-nho/team"


def test_a_typed_verification_code_leads_to_its_page_under_the_prefix(behind_proxy, market,
                                                                       make_user, make_stall):
    stall = make_stall(market, make_user("lan", markets=[market]))
    form = behind_proxy.get("/v").get_data(as_text=True)
    assert f'action="{PREFIX}/v"' in form
    response = behind_proxy.get("/v", query_string={"code": stall.public_code})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{PREFIX}/v/{stall.public_code}"


def test_the_api_document_names_the_api_under_the_prefix(behind_proxy, client):
    document = behind_proxy.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": f"{PREFIX}/api/v1"}]
    client.environ_base.pop("HTTP_X_FORWARDED_PREFIX")
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": "/api/v1"}]
