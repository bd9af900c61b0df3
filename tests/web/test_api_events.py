"""Onboarding events through the API: the funnel, idempotent retries, refused transitions."""

from __future__ import annotations

import uuid

import pytest

from merchant_onboard.models import Role


@pytest.fixture
def market(make_market):
    return make_market("cho-a")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def headers(volunteer, api_token):
    return api_token("lan")


@pytest.fixture
def stall(market, volunteer, make_stall):
    return make_stall(market, volunteer)


def record(client, headers, stall, kind, data=None, **extra):
    return client.post(f"/api/v1/stalls/{stall.id}/events", headers=headers,
                       json={"kind": kind, "data": data, **extra})


def history(client, headers, stall) -> list[dict]:
    response = client.get(f"/api/v1/stalls/{stall.id}/events", headers=headers)
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_stall_walks_the_funnel_to_its_first_customer_payment(client, headers, stall):
    steps = [("poster_printed", {"format": "a5"}),
             ("poster_installed", {"latitude": 9.78, "longitude": 105.47}),
             ("test_payment_verified", {"name_matches": True, "owner_confirmed": True}),
             ("first_payment_confirmed", {"amount": 45000, "customer_payment": True})]
    for kind, data in steps:
        response = record(client, headers, stall, kind, data)
        assert response.status_code == 201, response.get_json()
        result = response.get_json()
        assert (result["event"]["kind"], result["stall"]["status"]) == (kind, kind)
    test_payment = history(client, headers, stall)[1]
    assert test_payment["data"]["amount"] == 2000
    assert test_payment["data"]["memo"] == f"MO {stall.public_code}"
    assert [e["kind"] for e in history(client, headers, stall)] == [
        "first_payment_confirmed", "test_payment_verified", "poster_installed",
        "poster_printed", "registered"]
    # Where the poster went up is where the stall stands (it was left unknown).
    found = client.get(f"/api/v1/stalls/{stall.id}", headers=headers).get_json()
    assert (found["latitude"], found["longitude"]) == (9.78, 105.47)


def test_a_poster_put_up_at_half_a_position_is_refused(client, headers, stall):
    assert record(client, headers, stall, "poster_printed", {}).status_code == 201
    half = record(client, headers, stall, "poster_installed", {"latitude": 9.78})
    assert half.status_code == 422 and list(half.get_json()["errors"]) == ["longitude"]
    assert record(client, headers, stall, "poster_installed", {}).status_code == 201


@pytest.mark.parametrize("key_in", ["body", "header"])
def test_a_retried_event_answers_200_with_the_first_result_and_writes_nothing(
        client, headers, stall, key_in):
    key = str(uuid.uuid4())
    sent = {**headers, "Idempotency-Key": key} if key_in == "header" else headers
    extra = {"client_id": key} if key_in == "body" else {}
    extra["device_time"] = "2025-03-01T08:30:00+07:00"
    first = record(client, sent, stall, "note", {"note": "Hẹn chiều quay lại"}, **extra)
    assert first.status_code == 201
    retry = record(client, sent, stall, "note", {"note": "Hẹn chiều quay lại"}, **extra)
    assert retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert [e["kind"] for e in history(client, headers, stall)] == ["note", "registered"]


def test_a_client_id_reused_for_another_kind_is_a_409(client, headers, stall):
    assert record(client, headers, stall, "note", {"note": "a"},
                  client_id="key-00001").status_code == 201
    response = record(client, headers, stall, "poster_printed", client_id="key-00001")
    assert (response.status_code, response.mimetype) == (409, "application/problem+json")
    assert "client_id" in response.get_json()["errors"]
    assert [e["kind"] for e in history(client, headers, stall)] == ["note", "registered"]


@pytest.mark.parametrize("kind", ["poster_installed", "test_payment_verified",
                                  "first_payment_confirmed", "reactivated"])
def test_an_event_the_status_does_not_allow_is_a_4xx_problem(client, headers, stall, kind):
    response = record(client, headers, stall, kind,
                      {"name_matches": True, "owner_confirmed": True, "amount": 1000,
                       "customer_payment": True})
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert "kind" in response.get_json()["errors"]
    shown = client.get(f"/api/v1/stalls/{stall.id}", headers=headers).get_json()
    assert shown["status"] == "registered" and kind not in shown["next_events"]
    assert len(history(client, headers, stall)) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "registered"}, "kind"),
    ({"kind": "account_changed"}, "kind"),
    ({"kind": "dance"}, "kind"),
    ({}, "kind"),
    ({"kind": "refused", "data": {"reason": "too_busy"}}, "reason"),
    ({"kind": "note", "data": {}}, "note"),
    ({"kind": "note", "data": "hello"}, "data"),
    ({"kind": "note", "data": {"note": "x" * 1001}}, "note"),
    ({"kind": "note", "data": {"note": "x"}, "device_time": "2025-03-01T08:00:00"},
     "device_time"),
    ({"kind": "note", "data": {"note": "x"}, "device_time": "yesterday"}, "device_time"),
    ({"kind": "note", "data": {"note": "x"}, "device_time": "0001-01-01T00:00:00+14:00"},
     "device_time"),
    ({"kind": "note", "data": {"note": "x"}, "device_time": "9999-12-31T23:59:59-14:00"},
     "device_time"),
    ({"kind": "note", "data": {"note": "x"}, "device_time": "0001-01-01T00:00:00+00:00"},
     "device_time"),
    ({"kind": "refused", "data": {"reason": "other"}}, "note"),
    ({"kind": "poster_printed", "data": {"format": "bogus"}}, "format"),
    ({"kind": "poster_printed", "data": {"format": "<b>zz</b>"}}, "format"),
    ({"kind": "note", "data": {"note": "x"}, "client_id": "short"}, "client_id"),
])
def test_bad_event_input_is_a_422_naming_the_field(client, headers, stall, body, field):
    response = client.post(f"/api/v1/stalls/{stall.id}/events", headers=headers, json=body)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert field in response.get_json()["errors"]
    assert len(history(client, headers, stall)) == 1


@pytest.mark.parametrize("amount", ["²", "¹²³", 2000.5, "2000.0", "2,5", "1.5", "2.000,5"])
def test_an_amount_that_is_not_a_whole_number_of_vnd_is_a_422(client, headers, stall, amount):
    for kind in ("poster_printed", "poster_installed"):
        assert record(client, headers, stall, kind).status_code == 201
    tested = record(client, headers, stall, "test_payment_verified",
                    {"amount": amount, "name_matches": True, "owner_confirmed": True})
    assert (tested.status_code, tested.get_json()["errors"]) == (
        422, {"amount": ["Số tiền là số nguyên VND lớn hơn 0."]})
    assert len(history(client, headers, stall)) == 3


@pytest.mark.parametrize(("amount", "kept"), [(2000.0, 2000), (1e3, 1000), ("2.000", 2000),
                                              ("2,000", 2000), ("20.000.000", 20_000_000)])
def test_an_amount_in_whole_vnd_is_kept_as_its_value(client, headers, stall, amount, kept):
    for kind in ("poster_printed", "poster_installed"):
        assert record(client, headers, stall, kind).status_code == 201
    tested = record(client, headers, stall, "test_payment_verified",
                    {"amount": amount, "name_matches": True, "owner_confirmed": True})
    assert tested.status_code == 201
    assert tested.get_json()["event"]["data"]["amount"] == kept


@pytest.mark.parametrize("paid_at", ["0001-01-01T00:00:00", "0001-01-01T06:59",
                                     "0001-01-01T07:00", "2019-12-31T23:59",
                                     "2020-01-01T10:00"])  # before the stall's registration
def test_a_first_payment_at_an_impossible_time_is_a_422(client, headers, stall, paid_at):
    steps = [("poster_printed", None), ("poster_installed", None),
             ("test_payment_verified", {"name_matches": True, "owner_confirmed": True})]
    for kind, data in steps:
        assert record(client, headers, stall, kind, data).status_code == 201
    paid = record(client, headers, stall, "first_payment_confirmed",
                  {"amount": 50000, "paid_at": paid_at, "customer_payment": True})
    assert (paid.status_code, list(paid.get_json()["errors"])) == (422, ["paid_at"])
    assert history(client, headers, stall)[0]["kind"] == "test_payment_verified"


def test_a_step_that_does_not_apply_is_a_409_before_its_data_is_judged(client, headers, stall):
    response = record(client, headers, stall, "test_payment_verified", {})
    assert response.status_code == 409
    # The step and the status named as the pages name them.
    assert response.get_json()["detail"] == (
        "Không thể ghi “Thanh toán thử thành công” khi gian hàng đang ở trạng thái “Đã đăng ký”.")
    assert record(client, headers, stall, "poster_printed").status_code == 201
    assert record(client, headers, stall, "poster_installed").status_code == 201
    missing = record(client, headers, stall, "test_payment_verified", {"owner_confirmed": True})
    assert missing.status_code == 422 and "name_matches" in missing.get_json()["errors"]


def test_a_refusal_records_its_reason_and_the_device_time(client, headers, stall):
    response = record(client, headers, stall, "refused", {"reason": "prefers_cash"},
                      device_time="2025-03-01T08:30:00+07:00")
    assert response.status_code == 201
    result = response.get_json()
    assert (result["stall"]["status"], result["stall"]["refusal_reason"]) == (
        "refused", "prefers_cash")
    assert result["event"]["device_time"] == "2025-03-01T01:30:00+00:00"


def test_a_recheck_keeps_its_outcome_not_the_payload_read(client, headers, stall, make_user,
                                                          api_token):
    assert record(client, headers, stall, "poster_printed").status_code == 201
    payload = client.get(f"/api/v1/stalls/{stall.id}",
                         headers=headers).get_json()["accounts"][0]["payload"]
    response = record(client, headers, stall, "recheck", {"payload": payload})
    assert response.get_json()["event"]["data"]["match"] is True
    assert "payload" not in history(client, headers, stall)[0]["data"]
    admin = api_token(make_user("root", role=Role.ADMIN).username)
    seen = history(client, admin, stall)[0]["data"]
    assert seen["match"] is True and "payload" not in seen
