"""The manager's market settings: the declared number of stalls and the adoption target the
figures are measured against, and the poster settings, the campaign title and the optional
second language line (issue 12), saved through the form and the API, and printed on the
stall's posters."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Market, Role

KHMER_LINE = "ស្កេនដើម្បីបង់ប្រាក់"


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def manager(make_user, market, auth):
    user = make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    return user


def poster_text(client, stall_id: int) -> str:
    response = client.get(f"/stalls/{stall_id}/poster?format=a6")
    assert response.status_code == 200
    document = pdfium.PdfDocument(response.get_data())
    try:
        return " ".join(document[0].get_textpage().get_text_range().split())
    finally:
        document.close()


def test_a_manager_sets_a_khmer_line_and_the_posters_print_it(client, session, market,
                                                              manager, make_stall):
    stall = make_stall(market, manager, shop_name="ហាងលក់បាយ ស្រីពៅ 陳記")
    assert KHMER_LINE not in poster_text(client, stall.id)
    page = client.get(f"/m/{market.code}/settings")
    assert page.status_code == 200 and 'name="poster_second_line"' in page.get_data(as_text=True)
    saved = client.post(f"/m/{market.code}/settings",
                        data={"campaign_title": "Chợ 4.0", "poster_second_line": KHMER_LINE})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Market, market.id).poster_second_line == KHMER_LINE
    assert f'value="{KHMER_LINE}"' in client.get(f"/m/{market.code}/settings").get_data(
        as_text=True)
    text = poster_text(client, stall.id)
    assert KHMER_LINE in text and "ហាងលក់បាយ ស្រីពៅ 陳記" in text
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    assert audit.data["changes"]["poster_second_line"] == ["", KHMER_LINE]
    assert audit.data["changes"]["campaign_title"][1] == "Chợ 4.0"


@pytest.mark.parametrize(("line", "message"), [
    ("Scan to pay 📱", "Poster không in được các ký tự: 📱"),
    ("i" * 81, "Tối đa 80 ký tự"),
    ("Scan with any banking app to pay, then check the name before you pay",
     "Dòng này quá dài để in trên tem dán"),
])
def test_an_unprintable_or_long_line_is_refused_in_vietnamese(client, session, market, manager,
                                                              line, message):
    response = client.post(f"/m/{market.code}/settings", data={"poster_second_line": line})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    session.expire_all()
    assert session.get(Market, market.id).poster_second_line == ""


def test_a_title_too_long_for_the_smallest_poster_is_refused_under_its_field(
        client, session, market, manager):
    """200 letters of title were taken, and every poster of the market printed them in its
    header at a size no one reads on a stall."""
    from tests.domain.test_poster_layout import TITLES

    fits, too_long = TITLES[1], TITLES[2]
    refused = client.post(f"/m/{market.code}/settings", data={"campaign_title": too_long})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Tiêu đề này quá dài để in trên poster A6, khổ nhỏ nhất: hãy viết ngắn hơn." in page
    assert 'aria-describedby="e-campaign_title' in page
    session.expire_all()
    assert session.get(Market, market.id).campaign_title == ""
    saved = client.post(f"/m/{market.code}/settings", data={"campaign_title": fits})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Market, market.id).campaign_title == fits


def test_a_manager_corrects_the_declared_size_and_target_and_the_figures_follow(
        client, session, market, manager, make_stall, api_token):
    """A commune's count revised after the market was created: the adoption rate and the
    target are measured against the new figures at once."""
    for code in ("A-1", "A-2"):
        make_stall(market, manager, stall_code=code, account_number=f"1000{code[-1]}2345")

    def figures():
        stats = client.get(f"/api/v1/markets/{market.code}/stats",
                           headers=api_token("hung")).get_json()
        return stats["census_size"], stats["target_pct"]

    assert figures() == (2, 80)  # no size declared: the census rows count
    page = client.get(f"/m/{market.code}/settings").get_data(as_text=True)
    assert 'name="census_size"' in page and 'name="target_pct" type="text" value="80"' in page
    saved = client.post(f"/m/{market.code}/settings", data={
        "census_size": "40", "target_pct": "60", "campaign_title": "", "poster_second_line": ""})
    assert saved.status_code == 302
    assert "Đã lưu cài đặt chợ." in client.get(saved.location).get_data(as_text=True)
    assert figures() == (40, 60)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    # Manager review item 5: each changed field from what to what; the empty title and
    # line were sent unchanged and are not listed.
    assert audit.data == {"changes": {"census_size": [0, 40], "target_pct": [80, 60]}}
    # A size below the census rows does not hide them: the larger counts.
    client.post(f"/m/{market.code}/settings", data={"census_size": "1"})
    assert figures() == (2, 60)


@pytest.mark.parametrize(("field", "value", "message"), [
    # Bounds grouped as the page's language writes numbers ("1000000" is hard to read).
    ("census_size", "-1", "Nhập số nguyên từ 0 đến 1.000.000."),
    ("census_size", "bốn mươi", "Nhập số nguyên từ 0 đến 1.000.000."),
    ("target_pct", "0", "Nhập số nguyên từ 1 đến 100."),
    ("target_pct", "101", "Nhập số nguyên từ 1 đến 100."),
])
def test_a_wrong_size_or_target_is_refused_in_vietnamese_and_saves_nothing(
        client, session, market, manager, field, value, message):
    response = client.post(f"/m/{market.code}/settings",
                           data={field: value, "campaign_title": "Chợ 4.0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'aria-describedby="e-{field}' in page
    assert f'value="{value}"' in page  # what was typed, to correct
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.census_size, stored.target_pct, stored.campaign_title) == (0, 80, "")


def test_an_emptied_target_is_refused_and_keeps_the_markets_own(client, session, make_market,
                                                               make_user, auth):
    market = make_market("cho-cai-rang", target_pct=60)
    make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    response = client.post(f"/m/{market.code}/settings",
                           data={"census_size": "120", "target_pct": "", "campaign_title": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nhập số nguyên từ 1 đến 100." in page and 'aria-describedby="e-target_pct' in page
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.census_size, stored.target_pct) == (0, 60)


def test_a_volunteer_cannot_change_the_settings(client, auth, make_user, market, session):
    make_user("lan", markets=[market])
    auth.login("lan")
    response = client.post(f"/m/{market.code}/settings",
                           data={"poster_second_line": "Scan to pay", "census_size": "5"})
    assert response.status_code == 403
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.poster_second_line, stored.census_size) == ("", 0)


def test_the_api_creates_a_market_with_its_second_line(client, make_user, api_token):
    make_user("root", role=Role.ADMIN)
    headers = api_token("root")
    body = {"code": "cho-soc-trang", "name": "Chợ Sóc Trăng",
            "poster_second_line": f"  {KHMER_LINE} "}
    created = client.post("/api/v1/markets", json=body, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["poster_second_line"] == KHMER_LINE
    read = client.get("/api/v1/markets/cho-soc-trang", headers=headers).get_json()
    assert read["poster_second_line"] == KHMER_LINE
    refused = client.post("/api/v1/markets", headers=headers,
                          json={**body, "code": "cho-khac", "poster_second_line": "Hi 👋"})
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert refused.get_json()["errors"]["poster_second_line"][0].startswith(
        "Poster không in được các ký tự: 👋")


def test_the_api_changes_a_markets_settings_for_its_managers(client, session, market,
                                                              make_user, api_token):
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("lan", markets=[market])
    url = f"/api/v1/markets/{market.code}"
    changed = client.patch(url, headers=api_token("hung"),
                           json={"census_size": 40, "poster_second_line": f" {KHMER_LINE} "})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["census_size"], body["poster_second_line"], body["target_pct"]) == \
        (40, KHMER_LINE, 80)  # what was not sent kept its value
    session.expire_all()
    assert session.get(Market, market.id).census_size == 40
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    assert audit.data == {"changes": {"census_size": [0, 40],
                                      "poster_second_line": ["", KHMER_LINE]}}
    # Nothing sent: nothing changed, nothing written down.
    assert client.patch(url, headers=api_token("hung"), json={}).get_json() == body
    assert len(session.exec(select(AuditEntry).where(
        AuditEntry.action == "market.update")).all()) == 1


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"target_pct": 0}, "target_pct", "Nhập số nguyên từ 1 đến 100."),
    ({"census_size": -3}, "census_size", "Nhập số nguyên từ 0 đến 1.000.000."),
    ({"census_size": None}, "census_size", None),
    ({"census_size": "40"}, "census_size", None),
    ({"poster_second_line": "Hi 👋"}, "poster_second_line", "Poster không in được các ký tự: 👋"),
])
def test_a_wrong_settings_change_is_a_problem_naming_the_field_and_changes_nothing(
        client, session, market, make_user, api_token, change, field, message):
    make_user("hung", role=Role.MANAGER, markets=[market])
    refused = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("hung"),
                           json={"campaign_title": "Chợ 4.0", **change})
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    said = refused.get_json()["errors"][field][0]
    assert said.startswith(message) if message else said
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.code, stored.census_size, stored.target_pct, stored.campaign_title,
            stored.poster_second_line) == (market.code, 0, 80, "", "")
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")
                        ).all() == []


def test_a_volunteer_cannot_change_the_settings_through_the_api(client, session, market,
                                                                 make_user, api_token):
    make_user("lan", markets=[market])
    refused = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("lan"),
                           json={"census_size": 5})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Market, market.id).census_size == 0


def test_the_api_and_the_page_change_the_same_settings():
    from merchant_onboard.services.markets import IDENTITY, SETTINGS
    from merchant_onboard.web.api.schemas import MarketChanges, MarketSettings
    from merchant_onboard.web.dashboard.settings import FIELDS

    assert list(MarketSettings.model_fields) == list(SETTINGS) == list(FIELDS)
    assert set(MarketChanges.model_fields) == {*SETTINGS, *IDENTITY}


def test_an_admin_corrects_what_a_market_is_through_the_api(client, session, market,
                                                            make_user, api_token):
    """The API changed a market's settings only: a typo in its name, place or code could be
    corrected on the web page alone. Administrators correct them through the API too, with
    the old code leading to the market as after the page's correction."""
    make_user("root", role=Role.ADMIN)
    make_user("lan", markets=[market])
    changed = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("root"),
                           json={"code": " Cho-Vi-Thanh-Moi ", "name": "Chợ Vị Thanh Mới",
                                 "ward": "Phường 7", "census_size": 66})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["code"], body["name"], body["ward"], body["province"], body["census_size"]) == (
        "cho-vi-thanh-moi", "Chợ Vị Thanh Mới", "Phường 7", "Hậu Giang", 66)
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.code, stored.name, stored.ward) == (
        "cho-vi-thanh-moi", "Chợ Vị Thanh Mới", "Phường 7")
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    assert audit.data["changes"]["code"] == ["cho-vi-thanh", "cho-vi-thanh-moi"]
    old = client.get("/api/v1/markets/cho-vi-thanh", headers=api_token("lan"))
    assert (old.status_code, old.headers["Location"]) == (308, "/api/v1/markets/cho-vi-thanh-moi")
    # The whole object read back and sent again changes nothing.
    assert client.patch("/api/v1/markets/cho-vi-thanh-moi", headers=api_token("root"),
                        json={k: body[k] for k in ("code", "name", "kind", "province", "ward",
                                                   "address", "census_size")}
                        ).get_json() == body
    assert len(session.exec(select(AuditEntry).where(
        AuditEntry.action == "market.update")).all()) == 1


@pytest.mark.parametrize(("change", "status", "said"), [
    ({"code": "cho-tan-an"}, 409, "Mã chợ “cho-tan-an” đã có."),
    ({"code": "cho-tan-an-cu"}, 409, "Mã “cho-tan-an-cu” là mã cũ của Chợ Tân An"),
    ({"code": "chợ mới"}, 422, None),
    ({"code": ""}, 422, None),
    ({"name": " "}, 422, None),
    ({"kind": "mall"}, 422, None),
    ({"name": None}, 422, None),
])
def test_a_wrong_correction_through_the_api_is_a_problem_under_its_field_and_changes_nothing(
        client, session, market, make_market, make_user, api_token, change, status, said):
    other = make_market("cho-tan-an-cu", name="Chợ Tân An")
    make_user("root", role=Role.ADMIN)
    assert client.patch("/api/v1/markets/cho-tan-an-cu", headers=api_token("root"),
                        json={"code": "cho-tan-an"}).status_code == 200
    refused = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("root"),
                           json={"census_size": 12, **change})
    assert (refused.status_code, refused.mimetype) == (status, "application/problem+json")
    field = next(iter(change))
    message = refused.get_json()["errors"][field][0]
    assert message.startswith(said) if said else message
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.code, stored.name, stored.kind, stored.census_size) == (
        "cho-vi-thanh", "Chợ Vị Thanh", market.kind, 0)
    assert session.get(Market, other.id).code == "cho-tan-an"


def test_a_manager_cannot_change_what_a_market_is_through_the_api(client, session, market,
                                                                   make_user, api_token):
    make_user("hung", role=Role.MANAGER, markets=[market])
    for change in ({"name": "Chợ Khác"}, {"code": "cho-khac"}, {"province": "Cần Thơ"}):
        refused = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("hung"),
                               json={"census_size": 12, **change})
        assert (refused.status_code, refused.mimetype) == (403, "application/problem+json")
    # Its own code sent back with a setting (a whole object read back) is no change of code.
    kept = client.patch(f"/api/v1/markets/{market.code}", headers=api_token("hung"),
                        json={"code": market.code, "census_size": 12})
    assert (kept.status_code, kept.get_json()["census_size"]) == (200, 12)
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.code, stored.name, stored.province, stored.census_size) == (
        "cho-vi-thanh", "Chợ Vị Thanh", "Hậu Giang", 12)


def test_an_admin_corrects_a_typo_in_the_markets_name_and_place(client, session, make_market,
                                                                 make_user, make_stall, auth):
    """A market created with "Chợ Tân Ann" printed that name on every poster, and nobody
    could correct it: the settings page offered only the figures and the poster lines. The
    administrators who create markets now correct what a market is on that page."""
    market = make_market("cho-tan-an", name="Chợ Tân Ann", province="Long Ann")
    volunteer = make_user("lan", markets=[market])
    stall = make_stall(market, volunteer)
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    page = client.get(f"/m/{market.code}/settings").get_data(as_text=True)
    assert 'name="name"' in page and 'value="Chợ Tân Ann"' in page and 'name="ward"' in page
    saved = client.post(f"/m/{market.code}/settings", data={
        "name": "Chợ Tân An", "kind": "market", "province": "Long An", "ward": "Phường 1",
        "address": "", "census_size": "0", "target_pct": "80", "campaign_title": "",
        "poster_second_line": ""})
    assert saved.status_code == 302
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.name, stored.province, stored.ward) == ("Chợ Tân An", "Long An", "Phường 1")
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    assert audit.data == {"changes": {"name": ["Chợ Tân Ann", "Chợ Tân An"],
                                      "province": ["Long Ann", "Long An"]}}
    auth.logout()
    auth.login("lan")
    assert "Chợ Tân An" in poster_text(client, stall.id)


def test_an_emptied_market_name_is_refused_and_keeps_the_old_one(client, session, market,
                                                                 make_user, auth):
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    response = client.post(f"/m/{market.code}/settings", data={"name": "  ", "ward": "Phường 2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Trường này bắt buộc." in page and 'aria-describedby="e-name' in page
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.name, stored.ward) == ("Chợ Vị Thanh", "Phường 1")


def test_a_market_name_too_long_for_the_posters_header_is_refused_under_its_field(
        client, session, market, make_user, auth):
    """200 letters of name were taken: under the title of every A6 poster they ran to a third
    line, over the header's edge, and stickers cut them short. Refused on the settings page
    and the new-market form, in Vietnamese, and nothing saved."""
    from tests.domain.test_poster_layout import MARKET_NAMES

    fits, too_long = MARKET_NAMES[2], MARKET_NAMES[3]
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    refused = client.post(f"/m/{market.code}/settings", data={"name": too_long})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert ("Tên chợ này quá dài để in trọn trên poster và tem dán: hãy viết ngắn hơn."
            in page and 'aria-describedby="e-name' in page)
    created = client.post("/m/", data={"code": "cho-dai", "name": too_long})
    assert created.status_code == 422
    session.expire_all()
    assert session.get(Market, market.id).name == "Chợ Vị Thanh"
    assert session.exec(select(Market).where(Market.code == "cho-dai")).first() is None
    saved = client.post(f"/m/{market.code}/settings", data={"name": fits})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Market, market.id).name == fits


def test_a_manager_changes_the_settings_but_not_what_the_market_is(client, session, market,
                                                                    manager):
    """The name, kind and place are the administrators' (they created the market): a
    manager's page does not offer them, and a posted name changes nothing."""
    page = client.get(f"/m/{market.code}/settings").get_data(as_text=True)
    assert 'name="name"' not in page and 'name="province"' not in page
    saved = client.post(f"/m/{market.code}/settings",
                        data={"name": "Chợ Khác", "province": "Cần Thơ", "census_size": "12"})
    assert saved.status_code == 302
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.name, stored.province, stored.census_size) == ("Chợ Vị Thanh", "Hậu Giang", 12)


def test_a_markets_forms_leave_an_empty_name_to_the_server(client, market, make_user, auth):
    """The market's name is required, and Chromium stopped an empty one with its own bubble,
    in the browser's language, before the page's own message under the field: these forms,
    like the volunteers', leave the judging to the server (``novalidate``)."""
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    for url in ("/m/", f"/m/{market.code}/settings"):
        page = client.get(url).get_data(as_text=True)
        forms = [f for f in re.finditer(r'(<form method="post"[^>]*>)(.*?)</form>', page, re.S)
                 if 'name="name"' in f.group(2)]
        assert len(forms) == 1 and re.search(r"\srequired\b", forms[0].group(2)), url
        assert "novalidate" in forms[0].group(1), url


def test_a_refused_size_names_its_bound_as_english_writes_numbers(client, market, manager):
    client.get("/lang/en")
    page = client.post(f"/m/{market.code}/settings", data={"census_size": "-1"}).get_data(
        as_text=True)
    assert "from 0 to 1,000,000." in page


def test_a_new_market_sent_twice_is_created_once_and_the_second_send_lands_on_it(
        client, session, make_user, auth):
    """A double tap, or Back and send again, on a slow line: the market the first send made
    is the answer, not "Mã chợ … đã có" about the admin's own market (the API's rule)."""
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    form = {"code": "cho-tan-an", "name": "Chợ Tân An", "province": "Long An"}
    first = client.post("/m/", data=form)
    again = client.post("/m/", data=form)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] == "/m/cho-tan-an/"
    created = session.exec(select(AuditEntry).where(AuditEntry.action == "market.create")).all()
    assert [a.target for a in created] == ["cho-tan-an"]


def test_another_market_under_a_taken_code_is_a_conflict_said_under_the_code(
        client, session, market, make_user, auth):
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    response = client.post("/m/", data={"code": market.code, "name": "Chợ Khác"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="e-code">Mã chợ “cho-vi-thanh” đã có.<' in page
    stored = session.exec(select(Market).where(Market.code == market.code)).one()
    assert stored.name == "Chợ Vị Thanh"


def test_an_admin_corrects_the_markets_code_and_its_old_addresses_lead_to_it(
        client, session, market, make_user, auth, api_token):
    """A code typed wrong when the market was made, or outdated by a ward merger, is
    corrected on the settings page. The old addresses (bookmarks, the phones' offline
    copies, API scripts, a form sent from a page loaded before) answer with a permanent
    redirect to the same page under the new code, query and method kept."""
    make_user("lan", markets=[market])
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    page = client.get(f"/m/{market.code}/settings").get_data(as_text=True)
    assert 'name="code"' in page and 'value="cho-vi-thanh"' in page
    saved = client.post(f"/m/{market.code}/settings", data={"code": "Cho-Vi-Thanh-Moi"})
    assert (saved.status_code, saved.headers["Location"]) == (302, "/m/cho-vi-thanh-moi/settings")
    assert "Đã lưu cài đặt chợ." in client.get(saved.headers["Location"]).get_data(as_text=True)
    log = client.get("/admin/audit?action=market.").get_data(as_text=True)
    assert '<span class="detail">Mã chợ: cho-vi-thanh → cho-vi-thanh-moi</span>' in log
    auth.logout()
    auth.login("lan")
    listed = client.get("/m/cho-vi-thanh/?q=A-1&status=registered")
    assert (listed.status_code, listed.headers["Location"]) == (
        308, "/m/cho-vi-thanh-moi/?q=A-1&status=registered")
    sent = client.post("/m/cho-vi-thanh/stalls/new", data={"stall_code": "A-1"})
    assert (sent.status_code, sent.headers["Location"]) == (308, "/m/cho-vi-thanh-moi/stalls/new")
    assert client.get("/m/cho-vi-thanh-moi/").status_code == 200
    scripted = client.get("/api/v1/markets/cho-vi-thanh/stats", headers=api_token("lan"))
    assert (scripted.status_code, scripted.headers["Location"]) == (
        308, "/api/v1/markets/cho-vi-thanh-moi/stats")
    # Someone outside the market learns nothing of it under either code.
    make_user("mai", markets=[])
    auth.logout()
    auth.login("mai")
    assert client.get("/m/cho-vi-thanh/").status_code == 404


def test_a_code_another_market_has_or_had_is_refused_under_the_field(
        client, session, market, make_market, make_user, auth):
    make_market("cho-tan-an", name="Chợ Tân An")
    make_user("root", role=Role.ADMIN)
    auth.login("root")
    refused = client.post(f"/m/{market.code}/settings", data={"code": "cho-tan-an"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Mã chợ “cho-tan-an” đã có." in page and 'aria-describedby="e-code' in page
    session.expire_all()
    assert session.get(Market, market.id).code == "cho-vi-thanh"
