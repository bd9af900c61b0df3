"""The market's stall list, rendered afresh for every request: what each viewer sees is theirs.

No page or part of a page is kept between requests (issue 14 removed the memos), so a change to
the stalls shows at once and nothing one viewer was shown can reach another.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import pytest

from merchant_onboard import create_app
from merchant_onboard.db import dispose
from merchant_onboard.models import Role
from tests.factories import TEST_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def market(make_market):
    return make_market("cho-nho", name="Chợ Nhớ")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", Role.VOLUNTEER, markets=[market])


def rows(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-stall-code="')[1:]]


def _signed_in(app, username: str):
    """A phone of ``app`` logged in as ``username`` through the form (CSRF on)."""
    phone = app.test_client()
    login = phone.get("/login").get_data(as_text=True)
    response = phone.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                          "csrf_token": CSRF.search(login).group(1)})
    assert response.status_code == 302
    return phone


def _page(phone, path: str) -> tuple[int, str]:
    response = phone.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_two_users_with_the_same_display_name_and_role_never_share_a_cached_byte(
        app_config, make_market, make_user, make_stall, market):
    """Issue 15 behaviour 8 (the stall list once remembered its page keyed by the viewer's
    display name and role, and a variant without even those) and issue 14 (two volunteers
    both named "Minh" were served the same remembered page).

    Each viewer in turn opens the same pages in one app, then each opens them again in a
    fresh app that has served nobody: apart from the session's own CSRF token, every byte
    must be what that viewer gets there. The two Minhs differ in their markets; a manager
    Minh and a volunteer Lan differ in role and name from the first Minh.
    """
    other = make_market("cho-xa", name="Chợ Xa")
    first = make_user("minh1", Role.VOLUNTEER, markets=[market], display_name="Minh")
    make_user("minh2", Role.VOLUNTEER, markets=[market, other], display_name="Minh")
    make_user("minh3", Role.MANAGER, markets=[market], display_name="Minh")
    make_user("lan", Role.VOLUNTEER, markets=[market], display_name="Lan")
    stall = make_stall(market, first, stall_code="A-2")
    viewers = ["minh1", "minh2", "minh3", "lan"]
    paths = ["/m/cho-nho/", "/m/cho-nho/?q=A-2", "/m/", f"/stalls/{stall.id}"]
    config = {**app_config, "WTF_CSRF_ENABLED": True}

    shared = create_app(config)
    phones = {name: _signed_in(shared, name) for name in viewers}
    served = {(name, path): _page(phones[name], path) for path in paths for name in viewers}
    for name in viewers:
        alone = create_app(config)
        phone = _signed_in(alone, name)
        for path in paths:
            code, page = served[name, path]
            fresh_code, fresh = _page(phone, path)
            assert code == fresh_code == 200, (name, path)
            assert CSRF.sub("", page) == CSRF.sub("", fresh), (name, path)
        dispose(alone)

    # The pages do differ where the viewers do: the markets each Minh works in, the
    # manager's tools, the name in the top bar.
    assert "Chợ Xa" in served["minh2", "/m/"][1] and "Chợ Xa" not in served["minh1", "/m/"][1]
    listing = {name: served[name, "/m/cho-nho/"][1] for name in viewers}
    assert "In poster hàng loạt" in listing["minh3"] and "In poster hàng loạt" not in listing["minh1"]
    assert ">Lan<" in listing["lan"] and ">Lan<" not in listing["minh1"]
    assert rows(listing["minh1"]) == rows(listing["minh2"]) == ["A-2"]
    # And every page carries its own session's token, which only that session may use.
    tokens = {name: CSRF.search(listing[name]).group(1) for name in viewers}
    assert len(set(tokens.values())) == len(viewers)
    assert phones["minh1"].post("/logout", data={"csrf_token": tokens["minh2"]}).status_code == 400
    for name in viewers:
        assert phones[name].post("/logout", data={"csrf_token": tokens[name]}).status_code == 302
    dispose(shared)


def test_a_flashed_message_shows_once(client, auth, make_user):
    make_user("quan", Role.ADMIN, display_name="Trần Quân")
    auth.login("quan")
    created = client.post("/m/", data={"code": "cho-moi", "name": "Chợ Mới"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Đã tạo chợ Chợ Mới." in created
    again = client.get("/m/cho-moi/").get_data(as_text=True)
    assert "Đã tạo chợ" not in again and ">Trần Quân<" in again


def test_every_change_to_the_stalls_shows_at_once(client, auth, market, volunteer, make_stall,
                                                   session):
    stall = make_stall(market, volunteer, stall_code="A-2", shop_name="Bún riêu Cô Ba")
    auth.login("lan")
    assert "Bún riêu Cô Ba" in client.get("/m/cho-nho/").get_data(as_text=True)
    make_stall(market, volunteer, stall_code="A-10", account_number="0011099999999")
    assert rows(client.get("/m/cho-nho/").get_data(as_text=True)) == ["A-2", "A-10"]
    stall.shop_name = "Bún riêu Cô Tư"
    session.add(stall)
    session.commit()
    assert "Bún riêu Cô Tư" in client.get("/m/cho-nho/").get_data(as_text=True)
    response = client.post(f"/stalls/{stall.id}/events/poster_printed",
                           data={"client_id": "list-test-printed-1", "format": "a6"})
    assert response.status_code == 302
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert page.count("badge-poster_printed") == 1 and page.count("badge-registered") == 1
    assert f'href="/stalls/{stall.id}"' in page


def test_the_list_speaks_the_chosen_language_and_shows_tools_by_role(client, auth, market,
                                                                      volunteer, make_user,
                                                                      make_stall):
    make_stall(market, volunteer, stall_code="A-2")
    make_user("thu", Role.MANAGER, markets=[market])
    auth.login("thu")
    assert "In poster hàng loạt" in client.get("/m/cho-nho/").get_data(as_text=True)
    english = client.get("/m/cho-nho/?lang=en").get_data(as_text=True)
    assert "Batch poster printing" in english and "In poster hàng loạt" not in english
    client.get("/m/cho-nho/?lang=vi")
    auth.logout()
    auth.login("lan")
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert rows(page) == ["A-2"] and "In poster hàng loạt" not in page
    assert rows(client.get("/m/cho-nho/?q=zzz").get_data(as_text=True)) == []


@pytest.mark.parametrize("prefix", ["", "/cho"])
def test_each_row_links_its_own_stall_page_as_the_router_builds_it(client, auth, market,
                                                                  volunteer, make_stall, prefix):
    # The rows' links come from the router bound once for the page (routing.link_builder):
    # each must be what url_for gives, under a path prefix too (behind a proxy at /cho), and
    # open that stall's page.
    stalls = [make_stall(market, volunteer, stall_code=f"A-{n}", shop_name=f"Quán số {n}",
                         owner_phone=f"09120000{n:02d}", account_number=f"00110000{n:05d}")
              for n in (1, 2, 3)]
    auth.login("lan")
    page = client.get("/m/cho-nho/", environ_overrides={"SCRIPT_NAME": prefix})
    links = re.findall(r'class="row-link" href="([^"]+)" data-stall-code="([^"]+)"',
                       page.get_data(as_text=True))
    assert links == [(f"{prefix}/stalls/{stall.id}", stall.stall_code) for stall in stalls]
    for (href, _code), stall in zip(links, stalls, strict=True):
        opened = client.get(href[len(prefix):], environ_overrides={"SCRIPT_NAME": prefix})
        assert opened.status_code == 200 and stall.shop_name in opened.get_data(as_text=True)


def test_link_builder_builds_what_url_for_builds(app):
    from flask import url_for

    from merchant_onboard.web.routing import link_builder

    with app.test_request_context("/m/cho-nho/", environ_overrides={"SCRIPT_NAME": "/cho"}):
        link = link_builder("stalls.detail")
        for stall_id in (1, 42, 2**31 - 1):
            assert link(stall_id=stall_id) == url_for("stalls.detail", stall_id=stall_id)
        assert link_builder("stalls.market")(code="chợ 1") == url_for("stalls.market",
                                                                      code="chợ 1")


def test_the_status_filter_offers_every_status_and_ignores_an_unknown_one(client, auth, market,
                                                                         volunteer, make_stall):
    from merchant_onboard.domain.funnel import Status

    make_stall(market, volunteer, stall_code="A-1")
    auth.login("lan")
    page = client.get("/m/cho-nho/?status=registered").get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z_]+)" ?(selected)?>', page)
    assert [value for value, _ in offered] == [status.value for status in Status]
    assert [value for value, selected in offered if selected] == ["registered"]
    assert rows(page) == ["A-1"]
    assert rows(client.get("/m/cho-nho/?status=census").get_data(as_text=True)) == []
    unknown = client.get("/m/cho-nho/?status=bogus").get_data(as_text=True)
    assert rows(unknown) == ["A-1"] and " selected>" not in unknown


def test_the_list_finds_a_zone_however_it_is_written(client, auth, market, volunteer,
                                                     make_stall):
    make_stall(market, volunteer, stall_code="C-1", zone="Khu Chợ Cá")
    make_stall(market, volunteer, stall_code="C-2", zone="Khu B", account_number="009900",
               owner_phone="0988000000")
    auth.login("lan")
    for zone in ("khu chợ cá", unicodedata.normalize("NFD", "KHU CHỢ CÁ")):
        status, page = _page(client, f"/m/{market.code}/?zone={quote(zone)}")
        assert (status, rows(page)) == (200, ["C-1"])


def test_the_zone_filter_offers_each_zone_once_however_its_stalls_spell_it(
        client, auth, market, volunteer, make_stall, make_user):
    """"Khu Chợ Cá", "khu chợ cá" and its decomposed form are one zone to the filter: the
    list of choices (here and on the poster batch page) names it once, and choosing it
    selects it again."""
    for n, zone in enumerate(("Khu Chợ Cá", "khu chợ cá",
                              unicodedata.normalize("NFD", "KHU CHỢ CÁ"), "Khu B")):
        make_stall(market, volunteer, stall_code=f"C-{n}", zone=zone,
                   account_number=f"00990{n}", owner_phone=f"098800000{n}")
    make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    for path in (f"/m/{market.code}/", f"/m/{market.code}/posters?zone=khu+ch%E1%BB%A3+c%C3%A1"):
        page = client.get(path).get_data(as_text=True)
        options = re.findall(r'<option value="([^"]+)" ?(selected)?>[^<]*</option>', page)
        zones = [(o, chosen) for o, chosen in options
                 if "khu" in unicodedata.normalize("NFC", o).casefold()]
        assert len(zones) == 2, (path, zones)
        chosen = [" ".join(unicodedata.normalize("NFC", o).casefold().split())
                  for o, chosen in zones if chosen]
        assert chosen == (["khu chợ cá"] if "zone=" in path else []), path
    status, page = _page(client, f"/m/{market.code}/?zone={quote('KHU CHỢ CÁ')}")
    assert (status, sorted(rows(page))) == (200, ["C-0", "C-1", "C-2"])
    assert len(re.findall(r'<option value="[^"]+" selected>', page)) == 1


def test_the_list_sends_two_statements_for_the_user_the_market_and_the_page(
        client, auth, app, market, volunteer, make_stall):
    """The signed-in user is read with the market, the membership and the zones
    (web/market_entry.py), then the page of stalls with its count: on PostgreSQL every
    statement is a round trip, dearer than the query it carries."""
    from merchant_onboard.db import engines
    from tests.sql import Statements

    make_stall(market, volunteer, stall_code="C-1", zone="Khu Chợ Cá")
    auth.login("lan")
    with Statements(*engines(app)) as seen:
        status, page = _page(client, f"/m/{market.code}/")
    assert (status, rows(page), seen.count) == (200, ["C-1"], 2)
    assert '<option value="Khu Chợ Cá"' in page


def test_a_zone_filter_reads_the_markets_zones_once(client, auth, app, market, volunteer,
                                                    make_stall):
    """The zones are read for the filter's list; matching the typed zone uses that list
    rather than asking the database for it again."""
    from merchant_onboard.db import engines
    from tests.sql import Statements

    make_stall(market, volunteer, stall_code="C-1", zone="Khu Chợ Cá")
    auth.login("lan")
    client.get(f"/m/{market.code}/")
    with Statements(*engines(app)) as plain:
        client.get(f"/m/{market.code}/")
    with Statements(*engines(app)) as filtered:
        status, page = _page(client, f"/m/{market.code}/?zone={quote('khu chợ cá')}")
    assert (status, rows(page)) == (200, ["C-1"])
    assert filtered.count == plain.count


@pytest.mark.parametrize("length", [201, 50_000])
def test_an_overlong_search_is_refused_with_a_message(client, auth, market, volunteer,
                                                      make_stall, length):
    """SQLite refused a LIKE pattern of 50,000 bytes with a 500; PostgreSQL ran it."""
    make_stall(market, volunteer)
    auth.login("lan")
    status, page = _page(client, f"/m/{market.code}/?q={'a' * length}")
    assert status == 422
    assert "Tối đa 200 ký tự." in page and rows(page) == []
    assert 'maxlength="200"' in page  # a browser does not let one type more
