"""Stalls through the API: search, register (idempotently), read, edit, change the account."""

from __future__ import annotations

import unicodedata
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from merchant_onboard.db import get_engine
from merchant_onboard.domain.codes import new_public_code
from merchant_onboard.domain.text import natural_key
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Membership, Role, Stall

STALL_TABLES = ("stall", "payment_account", "event", "poster", "audit_entry")


def stall_body(**overrides) -> dict:
    """A valid registration as a client app sends it."""
    body = {"stall_code": "B-7", "zone": "Khu B", "shop_name": "Cá Tươi Chị Hai",
            "owner_name": "Trần Thị Hai", "owner_phone": "0987 654 321", "category": "Cá",
            "bank": "VCB", "account_number": "1234 5678 90", "holder_name": "Tran Thi Hai",
            "consent": True, "client_id": str(uuid.uuid4())}
    body.update(overrides)
    return body


def row_counts(app) -> dict[str, int]:
    """Rows per table, read on a fresh connection so no snapshot hides a write."""
    tables = SQLModel.metadata.tables
    with get_engine(app).connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(tables[name]))
                .scalar_one() for name in STALL_TABLES}


@pytest.fixture
def market(make_market):
    return make_market("cho-a", name="Chợ A")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def headers(volunteer, api_token):
    return api_token("lan")


def post_stall(client, headers, body, code="cho-a"):
    return client.post(f"/api/v1/markets/{code}/stalls", json=body, headers=headers)


def test_registering_a_stall_answers_201_with_the_stall_and_its_account(client, headers):
    response = post_stall(client, headers, stall_body())
    assert response.status_code == 201
    stall = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/stalls/{stall['id']}")
    assert {k: stall[k] for k in ("market", "stall_code", "zone", "shop_name", "owner_name",
                                  "owner_phone", "status")} == {
        "market": "cho-a", "stall_code": "B-7", "zone": "Khu B", "shop_name": "Cá Tươi Chị Hai",
        "owner_name": "Trần Thị Hai", "owner_phone": "0987654321", "status": "registered"}
    assert len(stall["public_code"]) >= 6 and "poster_printed" in stall["next_events"]
    [account] = stall["accounts"]
    assert account == {**account, "bin": "970436", "bank": "Vietcombank",
                       "account_number": "1234567890", "holder_name": "TRAN THI HAI",
                       "service": "QRIBFTTA", "primary": True,
                       "payload": build_payload(bank="970436", account="1234567890")}
    assert client.get(f"/api/v1/stalls/{stall['id']}", headers=headers).get_json() == stall


@pytest.mark.parametrize("key_in", ["body", "header"])
def test_a_retried_registration_answers_200_with_the_first_result_and_writes_nothing(
        app, client, headers, key_in):
    key = str(uuid.uuid4())
    body = stall_body(client_id=key) if key_in == "body" else stall_body(client_id=None)
    sent = {**headers, "Idempotency-Key": key} if key_in == "header" else headers
    first = post_stall(client, sent, body)
    assert first.status_code == 201
    before = row_counts(app)
    retry = post_stall(client, sent, body)
    assert retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert row_counts(app) == before


def test_a_client_id_from_another_market_is_refused(client, make_market, volunteer, session,
                                                   headers):
    session.add(Membership(user_id=volunteer.id, market_id=make_market("cho-b").id))
    session.commit()
    body = stall_body()
    assert post_stall(client, headers, body).status_code == 201
    response = post_stall(client, headers, body, code="cho-b")
    assert response.status_code == 409
    assert "client_id" in response.get_json()["errors"]


BAD_FIELDS = [
    ({"stall_code": "A 12!"}, {"stall_code"}),
    ({"stall_code": ""}, {"stall_code"}),
    ({"zone": "x" * 65}, {"zone"}),
    ({"shop_name": "  "}, {"shop_name"}),
    # Invisible characters alone are no name: the poster printed a blank one.
    ({"shop_name": "\u200b", "owner_name": "\u200d\u200d"}, {"shop_name", "owner_name"}),
    ({"shop_name": "\u2060 \u00ad"}, {"shop_name"}),
    ({"owner_name": ""}, {"owner_name"}),
    ({"owner_phone": "12345"}, {"owner_phone"}),
    ({"category": "x" * 65}, {"category"}),
    ({"notes": "x" * 2001}, {"notes"}),
    ({"latitude": 91, "longitude": 105.47}, {"latitude"}),
    ({"latitude": 9.78, "longitude": -180.5}, {"longitude"}),
    ({"latitude": "10.03", "longitude": 105.47}, {"latitude"}),
    # Half a position: asked for the other half, not stored as (10.1, null).
    ({"latitude": 10.1}, {"longitude"}),
    ({"longitude": 105.47}, {"latitude"}),
    ({"bank": "Ngân hàng Mặt Trăng"}, {"bank"}),
    ({"account_number": ""}, {"account_number"}),
    ({"account_number": "0011-0123-4567-8901-2345"}, {"account_number"}),
    ({"account_number": 11012345678}, {"account_number"}),
    ({"card": True}, {"account_number"}),
    ({"card": "yes"}, {"card"}),
    ({"holder_name": "", "owner_name": "Đỗ"}, set()),
    ({"holder_name": "X" * 51}, {"holder_name"}),
    ({"consent": False}, {"consent"}),
    ({"consent": None}, {"consent"}),
    ({"client_id": "short"}, {"client_id"}),
    ({"confirm_phone": "yes"}, {"confirm_phone"}),
    ({"colour": "red"}, {"colour"}),
]


@pytest.mark.parametrize(("change", "fields"), BAD_FIELDS,
                         ids=[",".join(sorted(c)) + f"-{i}" for i, (c, _) in
                              enumerate(BAD_FIELDS)])
def test_each_bad_field_is_a_422_naming_it_and_nothing_is_written(app, client, headers,
                                                                  change, fields):
    before = row_counts(app)
    response = post_stall(client, headers, stall_body(**change))
    if not fields:
        # A control: the owner's name stands in for an empty holder name.
        assert response.status_code == 201
        assert response.get_json()["accounts"][0]["holder_name"] == "DO"
        return
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    errors = response.get_json()["errors"]
    assert set(errors) == fields and all(errors[f] and errors[f][0] for f in fields)
    assert row_counts(app) == before


def test_every_wrong_value_is_named_in_one_answer(app, client, headers):
    before = row_counts(app)
    response = post_stall(client, headers, stall_body(
        stall_code="", shop_name="", owner_phone="1", bank="?", account_number="",
        consent=False))
    assert response.status_code == 422
    assert {"stall_code", "shop_name", "owner_phone", "bank", "account_number",
            "consent"} <= set(response.get_json()["errors"])
    assert row_counts(app) == before


def test_malformed_json_is_a_400_problem(app, client, headers):
    before = row_counts(app)
    for data in ("{'stall_code': 'A-1'", "[1, 2]"):
        response = client.post("/api/v1/markets/cho-a/stalls", data=data, headers=headers,
                               content_type="application/json")
        assert (response.status_code, response.mimetype) == (400, "application/problem+json")
    assert row_counts(app) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"stall_code": "a-1"}, "stall_code"),
    ({"stall_code": "Z-9", "bank": "Vietcombank", "account_number": "0011 0123 45678"},
     "account_number"),
])
def test_a_duplicate_code_or_account_is_a_409_naming_the_existing_stall(
        app, client, headers, market, volunteer, make_stall, change, field):
    existing = make_stall(market, volunteer)  # A-1, Vietcombank 0011012345678
    before = row_counts(app)
    response = post_stall(client, headers, stall_body(**change))
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["existing_id"] == existing.id and field in problem["errors"]
    assert "A-1" in problem["detail"]
    assert row_counts(app) == before


def test_a_phone_already_in_use_needs_confirm_phone(client, headers, market, volunteer,
                                                    make_stall):
    existing = make_stall(market, volunteer)
    body = stall_body(owner_phone=existing.owner_phone)
    refused = post_stall(client, headers, body)
    assert refused.status_code == 409
    assert refused.get_json()["existing_id"] == existing.id
    assert "owner_phone" in refused.get_json()["errors"]
    accepted = post_stall(client, headers, {**body, "confirm_phone": True})
    assert accepted.status_code == 201


def test_searching_filters_pages_and_counts(client, headers, market, volunteer, make_stall):
    for number in (10, 2, 1):
        make_stall(market, volunteer, stall_code=f"A-{number}", shop_name=f"Quầy số {number}",
                   account_number=f"00110{number:04d}", owner_phone=f"091200{number:04d}")
    make_stall(market, volunteer, stall_code="B-1", zone="Khu B", shop_name="Bánh mì Hương",
               account_number="009900", owner_phone="0988000000")

    def search(**args):
        response = client.get("/api/v1/markets/cho-a/stalls", query_string=args,
                              headers=headers)
        assert response.status_code == 200
        return response.get_json()

    page = search(zone="Khu A")
    assert [s["stall_code"] for s in page["items"]] == ["A-1", "A-2", "A-10"]
    assert page["total"] == 3 and page["items"][0]["accounts"][0]["primary"] is True
    assert [s["stall_code"] for s in search(q="banh mi huong")["items"]] == ["B-1"]
    second = search(limit=2, offset=2)
    assert ([s["stall_code"] for s in second["items"]], second["total"]) == (["A-10", "B-1"], 4)
    assert search(status="poster_printed")["total"] == 0
    assert search(status="registered")["total"] == 4


def test_the_zone_filter_and_search_ignore_how_the_text_was_written(
        client, headers, market, volunteer, make_stall):
    """The zone as stored is NFC: the same zone in NFD, another case or with an invisible
    character around it is the same zone; so is a search with one inside."""
    make_stall(market, volunteer, stall_code="C-1", zone="Khu Chợ Cá", shop_name="Bún Cá")
    make_stall(market, volunteer, stall_code="C-2", zone="Khu B", shop_name="Bún Bò",
               account_number="009900", owner_phone="0988000000")

    def codes(**args) -> list[str]:
        response = client.get("/api/v1/markets/cho-a/stalls", query_string=args,
                              headers=headers)
        assert response.status_code == 200
        return [s["stall_code"] for s in response.get_json()["items"]]

    for zone in ("Khu Chợ Cá", unicodedata.normalize("NFD", "Khu Chợ Cá"), "khu chợ cá",
                 "KHU CHỢ CÁ", "\u200bKhu Chợ Cá "):
        assert codes(zone=zone) == ["C-1"], zone
    assert codes(zone="Khu Chợ") == []
    for q in ("\u200bbun", "b\u00adún", "bu\u200dn"):
        assert codes(q=q) == ["C-2", "C-1"], q  # zone by zone: Khu B first
    assert codes(q="bún\u2060 cá", zone="khu chợ cá") == ["C-1"]


@pytest.mark.parametrize("length", [201, 50_000])
def test_an_overlong_search_text_is_a_422_naming_q(client, headers, market, length):
    """SQLite refuses a LIKE pattern of 50,000 bytes (a 500), PostgreSQL ran it: the text is
    bounded, the same on both."""
    url = "/api/v1/markets/cho-a/stalls"
    response = client.get(url, query_string={"q": "a" * length}, headers=headers)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"] == {"q": ["Tối đa 200 ký tự."]}
    assert client.get(url, query_string={"q": "a" * 200}, headers=headers).status_code == 200


@pytest.mark.parametrize(("args", "fields"), [
    ({"limit": 201}, {"limit"}), ({"limit": 0}, {"limit"}), ({"offset": -1}, {"offset"}),
    ({"limit": "ten", "status": "paid"}, {"limit", "status"}),
])
def test_bad_search_arguments_are_a_422(client, headers, args, fields):
    response = client.get("/api/v1/markets/cho-a/stalls", query_string=args, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


def test_another_markets_stalls_are_not_found_even_by_guessed_id(
        client, headers, make_market, make_user, make_stall):
    other = make_market("cho-b")
    foreign = make_stall(other, make_user("minh", markets=[other]))
    assert client.get("/api/v1/markets/cho-b/stalls", headers=headers).status_code == 404
    assert post_stall(client, headers, stall_body(), code="cho-b").status_code == 404
    for method, path, body in [
            ("GET", "", None), ("PATCH", "", {"zone": "X"}),
            ("POST", "/account", {"bank": "VCB", "account_number": "123"}),
            ("POST", "/registration", stall_body()),
            ("GET", "/events", None), ("POST", "/events", {"kind": "note",
                                                           "data": {"note": "hi"}})]:
        response = client.open(f"/api/v1/stalls/{foreign.id}{path}", method=method, json=body,
                               headers=headers)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert client.get("/api/v1/stalls/999999", headers=headers).status_code == 404


def test_an_admin_sees_phones_and_account_numbers_masked(client, market, volunteer, make_stall,
                                                         make_user, api_token, headers):
    stall = make_stall(market, volunteer)
    admin = api_token(make_user("root", role=Role.ADMIN).username)
    shown = client.get(f"/api/v1/stalls/{stall.id}", headers=admin).get_json()
    assert shown["personal_data_masked"] is True
    assert shown["owner_phone"] == "•••• 678"
    assert shown["accounts"][0]["account_number"] == "•••• 5678"
    assert shown["accounts"][0]["payload"] is None
    listed = client.get("/api/v1/markets/cho-a/stalls", headers=admin).get_json()["items"][0]
    assert "0011012345678" not in str(listed) and "0912345678" not in str(listed)
    full = client.get(f"/api/v1/stalls/{stall.id}", headers=headers).get_json()
    assert (full["owner_phone"], full["accounts"][0]["account_number"]) == (
        "0912345678", "0011012345678")


def test_patch_edits_only_the_fields_sent(client, headers, market, volunteer, make_stall):
    stall = make_stall(market, volunteer)
    response = client.patch(f"/api/v1/stalls/{stall.id}", headers=headers,
                            json={"shop_name": "Tạp hoá Cô Ba Mới", "zone": "Khu C",
                                  "latitude": 9.78, "longitude": 105.47})
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["shop_name"], edited["zone"], edited["latitude"], edited["longitude"]) == (
        "Tạp hoá Cô Ba Mới", "Khu C", 9.78, 105.47)
    half = client.patch(f"/api/v1/stalls/{stall.id}", headers=headers, json={"latitude": 10.0})
    assert half.status_code == 422 and list(half.get_json()["errors"]) == ["longitude"]
    # A required field sent as null is refused, as the document now says (it offered null).
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("stall_code", "shop_name", "owner_name"):
        assert schema["StallPatch"]["properties"][name]["type"] == "string"
        refused = client.patch(f"/api/v1/stalls/{stall.id}", headers=headers, json={name: None})
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == [name]
    assert "null" in str(schema["StallPatch"]["properties"]["zone"])  # null clears a zone
    assert (edited["stall_code"], edited["owner_name"]) == ("A-1", "Nguyễn Thị Ba")
    assert client.get(f"/api/v1/stalls/{stall.id}", headers=headers).get_json() == edited


def test_a_retried_patch_does_not_undo_a_later_edit(client, headers, market, volunteer,
                                                     make_stall):
    stall = make_stall(market, volunteer)
    url = f"/api/v1/stalls/{stall.id}"
    retry = {**headers, "Idempotency-Key": "patch-lan-000001"}
    assert client.patch(url, headers=retry, json={"zone": "Khu C"}).status_code == 200
    assert client.patch(url, headers=headers, json={"zone": "Khu D"}).status_code == 200
    again = client.patch(url, headers=retry, json={"zone": "Khu C"})
    assert (again.status_code, again.get_json()["zone"]) == (200, "Khu D")
    history = client.get(f"{url}/events", headers=headers).get_json()["items"]
    assert [e["kind"] for e in history].count("edited") == 2


def test_patch_refuses_bad_values_duplicates_and_account_fields(client, headers, market,
                                                                volunteer, make_stall):
    stall = make_stall(market, volunteer)
    other = make_stall(market, volunteer, stall_code="A-2", account_number="770077",
                       owner_phone="0977000000")
    url = f"/api/v1/stalls/{stall.id}"
    bad = client.patch(url, headers=headers, json={"owner_phone": "1", "shop_name": ""})
    assert (bad.status_code, set(bad.get_json()["errors"])) == (422,
                                                                {"owner_phone", "shop_name"})
    duplicate = client.patch(url, headers=headers, json={"stall_code": "A-2"})
    assert (duplicate.status_code, duplicate.get_json()["existing_id"]) == (409, other.id)
    phone = client.patch(url, headers=headers, json={"owner_phone": "0977000000"})
    assert phone.status_code == 409
    assert client.patch(url, headers=headers, json={"owner_phone": "0977000000",
                                                    "confirm_phone": True}).status_code == 200
    account = client.patch(url, headers=headers, json={"bank": "VCB",
                                                       "account_number": "123"})
    assert (account.status_code, set(account.get_json()["errors"])) == (
        422, {"bank", "account_number"})
    unchanged = client.get(url, headers=headers).get_json()
    assert (unchanged["stall_code"], unchanged["shop_name"]) == ("A-1", "Tạp hoá Cô Ba")
    assert unchanged["accounts"][0]["bin"] == "970436"


def test_changing_the_account_replaces_it_and_restarts_from_registered(
        app, client, headers, market, volunteer, make_stall):
    stall = make_stall(market, volunteer)
    url = f"/api/v1/stalls/{stall.id}"
    assert client.post(f"{url}/events", headers=headers,
                       json={"kind": "poster_printed"}).status_code == 201
    change = {"bank": "Techcombank", "account_number": "19036 789 012", "client_id": "chg-0001"}
    response = client.post(f"{url}/account", headers=headers, json=change)
    assert response.status_code == 201
    result = response.get_json()
    assert result["event"]["kind"] == "account_changed"
    assert result["stall"]["status"] == "registered"
    new, old = result["stall"]["accounts"]
    assert (new["primary"], new["bin"], new["account_number"]) == (True, "970407",
                                                                   "19036789012")
    assert (old["primary"], old["account_number"]) == (False, "0011012345678")
    assert old["replaced_at"] is not None
    before = row_counts(app)
    retry = client.post(f"{url}/account", headers=headers, json=change)
    assert (retry.status_code, retry.get_json()) == (200, result)
    assert row_counts(app) == before
    same = client.post(f"{url}/account", headers=headers,
                       json={**change, "client_id": "chg-0002"})
    assert (same.status_code, set(same.get_json()["errors"])) == (422, {"account_number"})


def test_a_census_stall_is_registered_through_its_own_route(client, headers, market, session):
    census = Stall(market_id=market.id, stall_code="C-3", sort_key=natural_key("C-3"),
                   shop_name="Rau Cô Tư", public_code=new_public_code())
    session.add(census)
    session.commit()
    listed = client.get("/api/v1/markets/cho-a/stalls", query_string={"status": "census"},
                        headers=headers).get_json()
    assert [s["id"] for s in listed["items"]] == [census.id]
    assert listed["items"][0]["accounts"] == []
    body = stall_body(stall_code="C-3", shop_name="Rau Cô Tư")
    url = f"/api/v1/stalls/{census.id}/registration"
    response = client.post(url, headers=headers, json=body)
    assert response.status_code == 201
    stall = response.get_json()
    assert (stall["id"], stall["status"], len(stall["accounts"])) == (census.id, "registered", 1)
    assert client.post(url, headers=headers, json=body).status_code == 200
    again = client.post(url, headers=headers, json={**body, "client_id": str(uuid.uuid4())})
    assert (again.status_code, again.get_json()["existing_id"]) == (409, census.id)


def test_invisible_characters_around_names_are_dropped_and_kept_inside(client, headers):
    khmer = "ហាងលក់\u200bបាយ"
    response = post_stall(client, headers, stall_body(
        zone="\u200b", shop_name=f"\ufeff{khmer}\u200b", owner_name="\u00adTrần Thị Hai\u2060"))
    assert response.status_code == 201
    stall = response.get_json()
    assert (stall["zone"], stall["shop_name"], stall["owner_name"]) == (
        "", khmer, "Trần Thị Hai")


def test_the_api_takes_chinese_and_khmer_names_and_refuses_an_emoji(app, client, headers):
    before = row_counts(app)
    refused = post_stall(client, headers, stall_body(shop_name="Tiệm 中華 🧧"))
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert refused.get_json()["errors"]["shop_name"][0].startswith(
        "Poster không in được các ký tự: 🧧")
    assert row_counts(app) == before
    taken = post_stall(client, headers, stall_body(shop_name="Tiệm 中華 ហាងលក់បាយ"))
    assert taken.status_code == 201
    assert taken.get_json()["shop_name"] == "Tiệm 中華 ហាងលក់បាយ"
