"""Posters through the API: a stall's file, a market's streamed batch, access."""

import io

import pytest
import zxingcpp
from PIL import Image


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def stall(make_user, make_stall, market):
    make_user("hung", role="manager", markets=[market])
    return make_stall(market, make_user("lan", markets=[market]))


def test_stall_poster_png_scans(client, api_token, stall):
    response = client.get(f"/api/v1/stalls/{stall.id}/poster?format=png",
                          headers=api_token("lan"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    texts = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))]
    assert len(texts) == 1 and texts[0].startswith("000201010211")


def test_bad_format_is_a_problem(client, api_token, stall):
    response = client.get(f"/api/v1/stalls/{stall.id}/poster?format=a3",
                          headers=api_token("lan"))
    assert response.status_code == 422
    assert response.get_json()["errors"]["format"]


def test_market_batch_is_for_managers(client, api_token, market, stall):
    assert client.get(f"/api/v1/markets/{market.code}/posters",
                      headers=api_token("lan")).status_code == 403
    response = client.get(f"/api/v1/markets/{market.code}/posters?format=sticker",
                          headers=api_token("hung"))
    assert response.status_code == 200
    assert response.get_data().startswith(b"%PDF")


@pytest.mark.parametrize(("query", "field", "message"), [
    ("format=png", "format", "In hàng loạt chỉ có dạng PDF."),
    ("format=a3", "format", "In hàng loạt chỉ có dạng PDF."),
    ("status=refused", "status", "Trạng thái không in được poster."),
    ("skip=-1", "skip", "Nhập số nguyên"),
    ("skip=two", "skip", "Nhập số nguyên từ 0 đến"),
    # Past the query's bound, the format's own (named "skip_slots" once, as the domain's
    # argument is), and a zone nothing is in (named "status" once).
    ("format=a6&skip=3", "skip", "Số ô bỏ qua phải từ 0 đến 0."),
    ("zone=nope", "zone", "Không có gian hàng nào phù hợp để in."),
])
def test_a_batch_query_the_document_refuses_is_refused(client, api_token, market, stall, query,
                                                       field, message):
    # The arguments are described once (schemas.BatchQuery): the document and the check agree.
    response = client.get(f"/api/v1/markets/{market.code}/posters?{query}",
                          headers=api_token("hung"))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    assert response.get_json()["errors"][field][0].startswith(message)
