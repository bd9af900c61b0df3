"""The stall list is remembered by its content (web/fragments.py): it must never show a page
that differs from what rendering it afresh would show."""

from __future__ import annotations

from pathlib import Path

import jinja2.nodes
import pytest

from merchant_onboard import PROJECT_ROOT, create_app
from merchant_onboard.db import dispose, engines
from merchant_onboard.models import Role
from merchant_onboard.web.fragments import FragmentMemo
from tests.factories import TEST_PASSWORD
from tests.sql import Statements

FRAGMENTS = PROJECT_ROOT / "templates" / "fragments"


@pytest.fixture
def market(make_market):
    return make_market("cho-nho", name="Chợ Nhớ")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", Role.VOLUNTEER, markets=[market])


def main(page: str) -> str:
    """The page's content (the top bar carries a CSRF token signed with the time)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def csrf_token(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def rows(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-stall-code="')[1:]]


def test_a_repeated_list_is_served_from_the_memo_and_is_the_same_page(client, auth, app, market,
                                                                      volunteer, make_stall):
    make_stall(market, volunteer, stall_code="A-2")
    auth.login("lan")
    first = client.get("/m/cho-nho/").get_data(as_text=True)
    memo = app.extensions["merchant_onboard.fragments"]["pages"]
    hits = memo.hits
    second = client.get("/m/cho-nho/").get_data(as_text=True)
    assert memo.hits == hits + 1
    assert main(first) == main(second) and rows(second) == ["A-2"]


def test_a_remembered_list_page_costs_one_statement(client, auth, app, market, volunteer,
                                                    make_stall):
    # The user, the market, the membership and the stalls' version: one query (the login's
    # user loader asks for the market of the URL too); the rows are not read again.
    make_stall(market, volunteer, stall_code="A-2")
    auth.login("lan")
    client.get("/m/cho-nho/")
    with Statements(*engines(app)) as statements:
        page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert rows(page) == ["A-2"]
    assert statements.count == 1


def test_a_remembered_page_carries_each_sessions_own_csrf_token(app_config, market, volunteer):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    phones = [app.test_client(), app.test_client()]
    for phone in phones:
        login = phone.get("/login").get_data(as_text=True)
        assert phone.post("/login", data={"username": "lan", "password": TEST_PASSWORD,
                                          "csrf_token": csrf_token(login)}).status_code == 302
    # Same user, same list: the second phone is served the first one's remembered page.
    tokens = [csrf_token(phone.get("/m/cho-nho/").get_data(as_text=True)) for phone in phones]
    assert app.extensions["merchant_onboard.fragments"]["pages"].hits >= 1
    assert tokens[0] != tokens[1]
    # Each phone's token is its own session's: the other's is refused, its own logs out.
    assert phones[0].post("/logout", data={"csrf_token": tokens[1]}).status_code == 400
    for phone, token in zip(phones, tokens):
        assert phone.post("/logout", data={"csrf_token": token}).status_code == 302
        assert phone.get("/m/cho-nho/").status_code == 302  # to the login page
    dispose(app)


def test_a_flashed_message_shows_once_and_is_not_remembered(client, auth, make_user, app):
    make_user("quan", Role.ADMIN, display_name="Trần Quân")
    auth.login("quan")
    created = client.post("/m/", data={"code": "cho-moi", "name": "Chợ Mới"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Đã tạo chợ Chợ Mới." in created
    for _ in range(2):
        again = client.get("/m/cho-moi/").get_data(as_text=True)
        assert "Đã tạo chợ" not in again and ">Trần Quân<" in again


def test_every_change_to_the_stalls_shows_at_once(client, auth, market, volunteer, make_stall,
                                                   session):
    stall = make_stall(market, volunteer, stall_code="A-2", shop_name="Bún riêu Cô Ba")
    auth.login("lan")
    assert "Bún riêu Cô Ba" in client.get("/m/cho-nho/").get_data(as_text=True)
    # A new stall, a renamed one and a status change: each is a new list, not the memo's.
    make_stall(market, volunteer, stall_code="A-10", account_number="0011099999999")
    assert rows(client.get("/m/cho-nho/").get_data(as_text=True)) == ["A-2", "A-10"]
    stall.shop_name = "Bún riêu Cô Tư"
    session.add(stall)
    session.commit()
    assert "Bún riêu Cô Tư" in client.get("/m/cho-nho/").get_data(as_text=True)
    response = client.post(f"/stalls/{stall.id}/events/poster_printed",
                           data={"client_id": "memo-test-printed-1", "format": "a6"})
    assert response.status_code == 302
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert page.count("badge-poster_printed") == 1 and page.count("badge-registered") == 1


def test_the_memo_keeps_languages_roles_and_filters_apart(client, auth, market, volunteer,
                                                           make_user, make_stall):
    make_stall(market, volunteer, stall_code="A-2")
    make_user("thu", Role.MANAGER, markets=[market])
    auth.login("thu")
    assert "In poster hàng loạt" in client.get("/m/cho-nho/").get_data(as_text=True)
    english = client.get("/m/cho-nho/?lang=en").get_data(as_text=True)
    assert "Batch poster printing" in english and "In poster hàng loạt" not in english
    client.get("/m/cho-nho/?lang=vi")
    auth.logout()
    # Same market, same rows, same language: the volunteer still gets no manager tools.
    auth.login("lan")
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert rows(page) == ["A-2"] and "In poster hàng loạt" not in page
    assert rows(client.get("/m/cho-nho/?q=zzz").get_data(as_text=True)) == []


def test_the_memo_renders_a_key_once_and_forgets_the_least_recently_used(app):
    small = FragmentMemo(size=2)
    rendered: list[int] = []

    def render(n: int) -> str:
        def context() -> dict:
            rendered.append(n)
            return _listing(total=n)
        return small.render("fragments/market_stalls.html", n, context)

    with app.test_request_context("/m/x/"):
        pages = [render(n) for n in (1, 2, 1, 3)]
        assert rendered == [1, 2, 3] and pages[0] == pages[2] and "1 gian hàng" in pages[0]
        render(1)
        render(2)
        assert rendered == [1, 2, 3, 2]  # 2 had fallen out; 1 had been used again


def _listing(total: int) -> dict:
    return dict(market_code="x", market_name="Chợ X", market_place="", can_manage=False,
                query="", statuses=(), status=None, zones=(), zone=None, stalls=(),
                total=total, page=1, pages=1)


# What a fragment may read: its arguments and what is the same for every user of a language.
ALLOWED_GLOBALS = {"_", "gettext", "ngettext", "url_for", "url_with", "status_labels",
                   "current_locale"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("template", sorted(FRAGMENTS.glob("*.html")), ids=lambda p: p.name)
def test_fragments_read_only_their_arguments(app, template: Path):
    source = template.read_text(encoding="utf-8")
    # Every name read, globals included (jinja2.meta leaves globals out), less the template's
    # own variables (set, for).
    tree = app.jinja_env.parse(source)
    used = {(n.name, n.ctx) for n in tree.find_all(jinja2.nodes.Name)}
    names = {name for name, ctx in used if ctx == "load"} - {
        name for name, ctx in used if ctx in ("store", "param")} - {"loop"}
    declared = source.split("Arguments:", 1)[1].split("-#}", 1)[0]
    arguments = {name.strip(" .\n") for name in declared.split(",")}
    assert names - arguments <= ALLOWED_GLOBALS, names - arguments - ALLOWED_GLOBALS


# What the frame of a remembered page may read, beyond the fragments' list: each is in the
# page memo's key (the viewer's name and role, the language, the URL), filled in per request
# (the CSRF token) or makes the page not kept (flashed messages).
PAGE_GLOBALS = ALLOWED_GLOBALS | {"current_user", "csrf_token", "get_flashed_messages", "topbar",
                                  "asset_url"}
# Of the viewer, only what the key holds; of the market, only what the list's key holds.
PAGE_ATTRIBUTES = {"current_user": {"is_authenticated"}, "market": {"name"}}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("template, arguments", [
    ("base.html", set()), ("stalls/market.html", {"market", "listing"})])
def test_remembered_pages_read_only_what_their_key_holds(app, template, arguments):
    source = (PROJECT_ROOT / "templates" / template).read_text(encoding="utf-8")
    tree = app.jinja_env.parse(source)
    used = {(n.name, n.ctx) for n in tree.find_all(jinja2.nodes.Name)}
    names = {name for name, ctx in used if ctx == "load"} - {
        name for name, ctx in used if ctx in ("store", "param")} - {"loop", "messages",
                                                                    "category", "message"}
    assert names - arguments <= PAGE_GLOBALS, names - arguments - PAGE_GLOBALS
    for node in tree.find_all(jinja2.nodes.Getattr):
        if isinstance(node.node, jinja2.nodes.Name) and node.node.name in PAGE_ATTRIBUTES:
            assert node.attr in PAGE_ATTRIBUTES[node.node.name], (node.node.name, node.attr)


def test_the_top_bar_is_each_users_own_and_links_back_to_its_page(client, auth, market, volunteer,
                                                                   make_user):
    make_user("quan", Role.ADMIN, display_name="Trần Quân")
    auth.login("lan")
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert 'class="who" title="Tình nguyện viên">Lan<' in page and "/rollup" not in page
    assert "next=/m/cho-nho/" in page
    assert "next=/m/?" in client.get("/m/").get_data(as_text=True)
    auth.logout()
    auth.login("quan")
    page = client.get("/m/cho-nho/").get_data(as_text=True)
    assert ">Trần Quân<" in page and ">Lan<" not in page and "/rollup" in page
    auth.logout()
    login = client.get("/login").get_data(as_text=True)
    assert 'class="who"' not in login and "Đăng xuất" not in login
