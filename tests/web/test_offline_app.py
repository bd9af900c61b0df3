"""What the phone's offline app is served: service worker, manifest, stall list, and forms the outbox can replay."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from merchant_onboard.domain.funnel import MANUAL_EVENTS
from merchant_onboard.models import Event, Stall
from merchant_onboard.web.assets import asset_url
from merchant_onboard.web.offline.strings import OFFLINE_STRINGS
from tests.factories import stall_fields


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def lan(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def logged_in(client, auth, lan):
    auth.login("lan")
    return client


def _worker_config(body: str) -> dict:
    first_line = body.splitlines()[0]
    assert first_line.startswith("self.MO_CONFIG = ")
    return json.loads(first_line.removeprefix("self.MO_CONFIG = ").rstrip(";"))


def test_the_service_worker_is_served_fresh_at_the_root_and_loads_only_the_apps_files(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    config = _worker_config(body)
    scripts = re.findall(r'"([^"]+)"', body.splitlines()[1])
    with app.test_request_context():
        shell = {asset_url(name) for name in (
            "css/app.css", "js/app.js", "js/offline.js", "js/outbox.js", "vendor/idb/umd.js",
            "icons/icon-192.png", "vendor/barcode-detector/ponyfill.js",
            "vendor/zxing-wasm/zxing_reader.wasm")}
    precached = {entry["url"] for entry in config["precache"]}
    assert shell <= precached
    # Every file the worker loads or precaches is served by the app itself (no CDN).
    for url in [*precached, *config["workboxModules"].values(), *scripts]:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    assert set(config["workboxModules"]) == {
        "workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching",
        "workbox-expiration"}


def test_the_shell_holds_the_page_fonts_but_no_licence_texts(app, client):
    """The phone downloads the shell on a weak link: every byte of it should be one a page
    uses. The licences ship with the files (static/fonts/OFL*.txt), not in the phone's cache."""
    precached = {entry["url"] for entry in _worker_config(
        client.get("/sw.js").get_data(as_text=True))["precache"]}
    with app.test_request_context():
        fonts = {asset_url(f"fonts/{name}.woff2") for name in (
            "BeVietnamPro-Regular", "BeVietnamPro-SemiBold", "NotoSansKhmer-Regular")}
    assert fonts <= precached
    assert not [url for url in precached if url.split("?")[0].endswith(".txt")]


def test_the_shell_revisions_follow_the_files_content(app, client):
    entries = {e["url"]: e["revision"] for e in _worker_config(
        client.get("/sw.js").get_data(as_text=True))["precache"]}
    with app.test_request_context():
        app_js, offline_js = (asset_url(f"js/{n}.js") for n in ("app", "offline"))
    assert entries[app_js] != entries[offline_js]
    assert all(re.fullmatch(r"[0-9a-f]{16}", revision) for revision in entries.values())


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["short_name"] == "Số hoá chợ"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert manifest["theme_color"] == "#0b5d3b"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")


def test_signed_in_pages_carry_the_badge_and_the_offline_scripts_the_login_page_does_not(
        client, auth, lan, market):
    login_page = client.get("/login").get_data(as_text=True)
    assert "outbox-badge" not in login_page and "offline.js" not in login_page
    auth.login("lan")
    page = client.get(f"/m/{market.code}/").get_data(as_text=True)
    assert 'id="outbox-badge"' in page and 'data-pending="0"' in page
    assert "offline.js" in page and 'rel="manifest"' in page


def _offline_strings(page: str) -> dict:
    return json.loads(re.search(r'id="mo-strings">(.*?)</script>', page).group(1))


def test_what_offline_js_says_follows_the_pages_language(logged_in, market):
    # Translated once per language: the second Vietnamese page must not get the English.
    pages = {lang: logged_in.get(f"/m/{market.code}/?lang={lang}").get_data(as_text=True)
             for lang in ("vi", "en", "vi")}
    english, vietnamese = _offline_strings(pages["en"]), _offline_strings(pages["vi"])
    assert vietnamese["pending"] == "Chờ gửi" and english["pending"] == "Waiting to send"
    assert english["discard"] == "Discard" and vietnamese["discard"] == "Bỏ"
    assert 'title="Waiting to send"' in pages["en"] and 'title="Chờ gửi"' in pages["vi"]
    assert set(english) == set(vietnamese) == set(OFFLINE_STRINGS)


def test_the_pending_list_page_needs_a_login(client, logged_in):
    assert logged_in.get("/outbox").status_code == 200
    logged_in.post("/logout")
    assert client.get("/outbox").status_code == 302


def test_the_offline_stall_list_has_codes_names_and_status_but_no_phone_or_account(
        logged_in, session, market, lan, make_stall):
    make_stall(market, lan, stall_code="B-2", shop_name="Cá đồng Cô Hồng",
               owner_name="Đặng Thị Hồng", owner_phone="0903 123 456",
               account_number="1023456789")
    response = logged_in.get(f"/m/{market.code}/stalls.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["stalls"] == [{"id": data["stalls"][0]["id"], "code": "B-2", "zone": "Khu A",
                               "shop": "Cá đồng Cô Hồng", "owner": "Đặng Thị Hồng",
                               "status": "registered"}]
    body = response.get_data(as_text=True)
    assert "0903123456" not in body and "1023456789" not in body


def test_the_offline_stall_list_is_sent_again_only_when_it_changed(logged_in, market, lan,
                                                                   make_stall):
    """Every visit of the market's list (each search, each page) fetched the whole market's
    copy again: 22 kB compressed for a census of 1,400 stalls, five times the page. The phone
    now asks with the tag of the copy it keeps, and an unchanged list answers 304, empty."""
    stall = make_stall(market, lan, stall_code="B-2", shop_name="Cá đồng Cô Hồng",
                       account_number="1023456702", owner_phone="0903 123 402")
    path = f"/m/{market.code}/stalls.json"
    first = logged_in.get(path, headers={"Accept-Encoding": "br"})
    tag = first.headers["ETag"]
    again = logged_in.get(path, headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    logged_in.post(f"/stalls/{stall.id}/events/note", data={
        "client_id": "list-tag-0001", "note": "ghi chú"})  # a note changes nothing listed
    assert logged_in.get(path, headers={"If-None-Match": tag}).status_code == 304
    make_stall(market, lan, stall_code="B-3", shop_name="Rau Cô Ba",
               account_number="1023456703", owner_phone="0903 123 403")
    changed = logged_in.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert [s["code"] for s in json.loads(changed.get_data(as_text=True))["stalls"]] == [
        "B-2", "B-3"]


def test_the_offline_stall_list_is_scoped_like_the_list_page(client, auth, make_user, make_market,
                                                             market):
    other = make_market("cho-khac")
    make_user("binh", markets=[other])
    assert client.get(f"/m/{market.code}/stalls.json").status_code == 302  # to the login
    auth.login("binh")
    assert client.get(f"/m/{market.code}/stalls.json").status_code == 404
    assert client.get(f"/m/{other.code}/stalls.json").status_code == 200


def _client_id_of(page: str) -> str | None:
    found = re.search(r'name="client_id" value="([^"]+)"', page)
    return found.group(1) if found else None


def test_every_form_the_outbox_queues_carries_a_client_id(logged_in, session, market, lan,
                                                          make_stall):
    stall = make_stall(market, lan, stall_code="C-1")
    pages = [f"/m/{market.code}/stalls/new", f"/stalls/{stall.id}/register",
             f"/stalls/{stall.id}/account",
             *(f"/stalls/{stall.id}/events/{kind.value}" for kind in MANUAL_EVENTS)]
    for path in pages:
        main = logged_in.get(path).get_data(as_text=True).partition("<main")[2]
        if '<form method="post"' in main:  # a step the stall is not at shows no form
            assert _client_id_of(main), path


def test_a_replayed_event_answers_like_the_first_and_records_once(logged_in, session, market, lan,
                                                                 make_stall):
    stall = make_stall(market, lan, stall_code="C-2")
    data = {"client_id": "outbox-replay-0001", "format": "a6"}
    first = logged_in.post(f"/stalls/{stall.id}/events/poster_printed", data=data)
    again = logged_in.post(f"/stalls/{stall.id}/events/poster_printed", data=data)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    events = session.exec(select(Event).where(Event.stall_id == stall.id,
                                              Event.kind == "poster_printed")).all()
    assert len(events) == 1


def test_a_replayed_edit_answers_like_the_first_and_does_not_undo_a_later_edit(
        logged_in, session, market, lan, make_stall):
    """The edit form carries a client_id like the other forms: an outbox resending it after
    someone else's edit is answered like the first time, and theirs stays."""
    stall = make_stall(market, lan, stall_code="C-3")
    page = logged_in.get(f"/stalls/{stall.id}/edit").get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    fields = {k: v for k, v in stall_fields(stall_code="C-3", shop_name="Quầy mới").items()
              if k in ("stall_code", "zone", "shop_name", "owner_name", "owner_phone",
                       "category", "notes")}
    first = logged_in.post(f"/stalls/{stall.id}/edit", data={**fields, "client_id": client_id})
    later = logged_in.post(f"/stalls/{stall.id}/edit", data={**fields, "shop_name": "Quầy sau"})
    again = logged_in.post(f"/stalls/{stall.id}/edit", data={**fields, "client_id": client_id})
    assert first.status_code == later.status_code == again.status_code == 302
    assert first.location == again.location
    session.expire_all()
    assert session.get(Stall, stall.id).shop_name == "Quầy sau"
    edits = session.exec(select(Event).where(Event.stall_id == stall.id,
                                             Event.kind == "edited")).all()
    assert len(edits) == 2


def test_the_service_worker_under_a_path_prefix_names_every_url_with_it(client):
    # A proxy may serve the app at /cho (X-Forwarded-Prefix): the worker's shell, modules and
    # pages are then all under /cho, even when the same process served /sw.js at the root
    # first (the shell's file list is found once; its URLs must not be).
    plain = _worker_config(client.get("/sw.js").get_data(as_text=True))
    response = client.get("/sw.js", environ_overrides={"SCRIPT_NAME": "/cho"})
    config = _worker_config(response.get_data(as_text=True))
    scripts = re.findall(r'"([^"]+)"', response.get_data(as_text=True).splitlines()[1])
    urls = ([entry["url"] for entry in config["precache"]]
            + list(config["workboxModules"].values())
            + scripts + [config["outboxUrl"], config["loginUrl"], config["standInUrl"]])
    assert len(config["precache"]) == len(plain["precache"]) > 10
    assert [url for url in urls if not url.startswith("/cho/")] == []
    assert [entry["url"] for entry in config["precache"]] == [
        "/cho" + entry["url"] for entry in plain["precache"]]


def test_signed_in_pages_tell_the_offline_app_the_path_prefix(logged_in):
    # offline.js matches the paths it queues and keeps within the app, after this prefix.
    assert 'data-root=""' in logged_in.get("/outbox").get_data(as_text=True)
    prefixed = logged_in.get("/outbox", environ_overrides={"SCRIPT_NAME": "/cho"})
    assert 'data-root="/cho"' in prefixed.get_data(as_text=True)


def _census_stall(session, market, make_user, line: str) -> Stall:
    """A stall of ``market``'s census (``Mã gian hàng,Chủ hộ,Số điện thoại``)."""
    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.models import Role
    from merchant_onboard.services import census

    manager = make_user("thu", Role.MANAGER, markets=[market])
    census.apply_census(session, actor=manager, market=market, rows=parse_census(
        f"Mã gian hàng,Chủ hộ,Số điện thoại\n{line}\n".encode()).rows)
    return session.exec(select(Stall).where(Stall.stall_code == line.split(",")[0])).one()


def test_a_census_registration_without_the_fields_the_phone_never_had_keeps_them(
        logged_in, session, market, make_user):
    """The page the phone keeps for a stall never opened has the census form's fields the
    phone knows (code, zone, names), not the owner's phone, category or notes, which the phone
    never keeps: what the form does not send stays as the census has it (sent empty, it is
    what was typed, as before)."""
    stall = _census_stall(session, market, make_user, "N-7,Phạm Thị Ngọc,0913222777")
    stall.category, stall.notes = "Rau củ", "Góc chợ"
    session.add(stall)
    session.commit()
    sent = {"stall_code": "N-7", "zone": "", "shop_name": "Rau Cô Ngọc",
            "owner_name": "Phạm Thị Ngọc", "bank": "970436", "account_number": "1023456777",
            "holder_name": "PHAM THI NGOC", "consent": "on"}
    refused = logged_in.post(f"/stalls/{stall.id}/register",
                             data={**sent, "account_number": "12", "client_id": "kept-00000001"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # Shown again with the census's values, so a save from this page keeps them too.
    assert 'value="0913222777"' in page and 'value="Rau củ"' in page and "Góc chợ" in page
    saved = logged_in.post(f"/stalls/{stall.id}/register",
                           data={**sent, "client_id": "kept-00000002"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    session.expire_all()
    stall = session.get(Stall, stall.id)
    assert (stall.status, stall.shop_name, stall.owner_phone, stall.category, stall.notes) == (
        "registered", "Rau Cô Ngọc", "0913222777", "Rau củ", "Góc chợ")


def test_the_page_kept_for_stall_pages_never_opened_holds_the_census_form_and_no_stall(
        logged_in, market, lan, make_stall):
    """What the phone answers for a stall page it never kept: the census form's fields the
    phone can fill (no phone: the phone's copy never has it), a fresh client id, nothing of
    any stall; the market's list names it, to be kept with the list."""
    make_stall(market, lan, stall_code="C-4", owner_phone="0912000444")
    page = logged_in.get("/offline/stall").get_data(as_text=True)
    main = page.partition("<main")[2]
    for name in ("stall_code", "zone", "shop_name", "owner_name", "bank", "account_number",
                 "holder_name", "consent"):
        assert f'name="{name}"' in main, name
    assert 'name="owner_phone"' not in main and 'name="notes"' not in main
    assert _client_id_of(main)
    assert "C-4" not in main and "0912000444" not in page
    assert 'id="register-form"' in main and "action=" not in main.partition("<form")[2][:200]
    listing = logged_in.get(f"/m/{market.code}/").get_data(as_text=True)
    assert 'data-stand-in="/offline/stall"' in listing
