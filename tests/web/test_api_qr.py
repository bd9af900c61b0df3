"""QR tools through the API: parse a payload, read the QR codes in an uploaded picture."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from merchant_onboard.domain.vietqr import build_payload

PAYLOAD = ("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN"
           "63049E6F")


@pytest.fixture
def headers(make_market, make_user, api_token):
    make_user("lan", markets=[make_market("cho-a")])
    return api_token("lan")


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text, box_size=6, border=4).save(buffer, format="PNG")
    return buffer.getvalue()


def test_parsing_a_stall_payload_names_bank_account_and_service(client, headers):
    response = client.post("/api/v1/qr/parse", json={"payload": PAYLOAD}, headers=headers)
    assert response.status_code == 200
    parsed = response.get_json()
    assert (parsed["valid"], parsed["kind"], parsed["bin"], parsed["account"],
            parsed["service"], parsed["initiation"], parsed["errors"]) == (
        True, "vietqr_account", "970403", "0011012345678", "QRIBFTTA", "static", [])
    assert parsed["bank"]


def test_parsing_a_damaged_payload_reports_what_is_wrong(client, headers):
    damaged = PAYLOAD[:-4] + "0000"
    parsed = client.post("/api/v1/qr/parse", json={"payload": damaged},
                         headers=headers).get_json()
    assert parsed["valid"] is False and parsed["errors"]
    text = client.post("/api/v1/qr/parse", json={"payload": "https://example.com"},
                       headers=headers).get_json()
    assert (text["valid"], text["kind"]) == (False, "not_emv")


@pytest.mark.parametrize("body", [{}, {"payload": 42}, {"payload": None}, {"text": PAYLOAD}])
def test_parse_without_a_payload_string_is_a_422(client, headers, body):
    response = client.post("/api/v1/qr/parse", json=body, headers=headers)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"]


def test_decoding_an_uploaded_png_finds_and_parses_the_qr(client, headers):
    payload = build_payload(bank="970436", account="1234567890")
    response = client.post("/api/v1/qr/decode", headers=headers,
                           data={"file": (io.BytesIO(qr_png(payload)), "qr.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    [found] = response.get_json()["items"]
    assert (found["page"], found["payload"]) == (None, payload)
    assert (found["parsed"]["bin"], found["parsed"]["account"]) == ("970436", "1234567890")


def test_decoding_a_raw_image_body_works_too(client, headers):
    response = client.post("/api/v1/qr/decode", headers=headers, data=qr_png("hello"),
                           content_type="image/png")
    assert response.status_code == 200
    [found] = response.get_json()["items"]
    assert (found["payload"], found["parsed"]["kind"]) == ("hello", "not_emv")


def test_a_picture_without_a_qr_gives_an_empty_list(client, headers):
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buffer, format="PNG")
    response = client.post("/api/v1/qr/decode", headers=headers, data=buffer.getvalue(),
                           content_type="image/png")
    assert response.get_json() == {"items": [], "total": 0}


@pytest.mark.parametrize("data", [b"", b"not a picture at all"])
def test_an_unreadable_upload_is_a_422_on_the_file_field(client, headers, data):
    response = client.post("/api/v1/qr/decode", headers=headers,
                           data={"file": (io.BytesIO(data), "x.png")},
                           content_type="multipart/form-data")
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert "file" in response.get_json()["errors"]
