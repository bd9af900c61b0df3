"""Light pages on a weak signal: hashed static URLs cached for good, compressed HTML, WOFF2 fonts."""

from __future__ import annotations

import gzip
import hashlib
import re

import brotli
import pytest
from fontTools.ttLib import TTFont

from merchant_onboard import PROJECT_ROOT
from merchant_onboard.db import get_engine
from tests.sql import Statements

STATIC = PROJECT_ROOT / "static"


def _linked(html: str) -> list[str]:
    """Every /static/ URL a page links (stylesheets, scripts, icon, fonts)."""
    return re.findall(r'(/static/[^"\')\s]+)', html)


def test_pages_link_static_files_by_their_content_hash(client):
    html = client.get("/login").get_data(as_text=True)
    links = _linked(html)
    assert {"css/app.css", "js/app.js", "favicon.svg", "fonts/BeVietnamPro-Regular.woff2",
            "fonts/BeVietnamPro-SemiBold.woff2"} <= {u.split("?")[0][8:] for u in links}
    for url in links:
        path, version = url.split("?v=")
        content = (STATIC / path[len("/static/"):]).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12], url


def test_hashed_static_files_are_cached_for_a_year_and_others_revalidated(client):
    url = next(u for u in _linked(client.get("/login").get_data(as_text=True))
               if "app.css" in u)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    hashed.close()
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(stale)
        assert response.headers["Cache-Control"] == "no-cache", stale
        response.close()


def test_a_static_file_costs_no_database_query_even_signed_in(app, client, auth, make_market,
                                                             make_user):
    market = make_market("cho-vi-thanh")
    make_user("lan", markets=[market])
    auth.login("lan")
    page = client.get(f"/m/{market.code}/")
    url = next(u for u in _linked(page.get_data(as_text=True)) if "app.js" in u)
    with Statements(get_engine(app)) as seen:
        response = client.get(url)
        assert response.status_code == 200
        response.close()
    assert seen.count == 0
    # Not marked private either: nothing personal is in it.
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress),
                                                  ("gzip", gzip.decompress)])
def test_html_css_and_js_are_compressed_when_the_browser_accepts_it(client, encoding,
                                                                   decompress):
    plain = client.get("/login").get_data()
    page = client.get("/login", headers={"Accept-Encoding": f"{encoding}"})
    assert page.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in page.headers["Vary"]
    assert len(page.get_data()) < len(plain) * 0.6
    assert decompress(page.get_data()) == plain
    for url in _linked(plain.decode()):
        if url.split("?")[0].endswith((".css", ".js")):
            response = client.get(url, headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding, url
            body = decompress(response.get_data())
            assert body == (STATIC / url.split("?")[0][len("/static/"):]).read_bytes()


def test_a_browser_without_compression_gets_plain_html(client):
    page = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in page.headers
    assert b"<html" in page.get_data()


@pytest.mark.parametrize("weight", ["Regular", "SemiBold"])
def test_page_fonts_are_small_woff2_covering_vietnamese(weight):
    path = STATIC / "fonts" / f"BeVietnamPro-{weight}.woff2"
    font = TTFont(str(path))
    assert font.flavor == "woff2"
    assert path.stat().st_size < 30_000  # the TTF it comes from weighs 133 KB
    covered = font.getBestCmap()
    text = ("Đăng ký gian hàng · Số hoá chợ · Tên chủ tài khoản · Thịt heo Hồng · "
            "ĂÂĐÊÔƠƯ ăâđêôơư ỨỪỬỮỰ ứừửữự ỹỵỷ ₫ “”‹›•…")
    assert [ch for ch in text if ch != " " and ord(ch) not in covered] == []
    # OFL: the licence travels with the fonts, and the notices stay inside them.
    assert "Open Font License" in (STATIC / "fonts" / "OFL.txt").read_text()
    assert "Be Vietnam Pro Project Authors" in font["name"].getDebugName(0)


def test_the_khmer_page_font_is_small_shapes_khmer_and_loads_only_for_khmer(client):
    # Issue 12: Khmer shop names and poster lines on a PC without a Khmer font.
    path = STATIC / "fonts" / "NotoSansKhmer-Regular.woff2"
    font = TTFont(str(path))
    assert font.flavor == "woff2" and path.stat().st_size < 30_000
    assert "fvar" not in font  # an instance: one weight, as declared
    covered = font.getBestCmap()
    assert all(code in covered for code in range(0x1780, 0x17DE) if chr(code).isprintable())
    # The features that place subscripts and reorder vowels survived the subsetting.
    assert {"abvs", "blwf", "pref", "pres"} <= {
        record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord}
    assert "Open Font License" in (STATIC / "fonts" / "OFL-NotoSansKhmer.txt").read_text()
    page = client.get("/login").get_data(as_text=True)
    assert "fonts/NotoSansKhmer-Regular.woff2" in page
    assert "unicode-range: U+1780-17FF" in page  # fetched only by a page showing Khmer


@pytest.mark.parametrize("script_root", ["", "/cho"])
def test_static_urls_are_the_ones_url_for_builds_for_every_file(app, script_root):
    # asset_url writes the static route's URLs out once (a page links ten): they must stay
    # what the router builds, for each file and under a path prefix (an app behind a proxy
    # at /cho), or the pages would link files the app does not serve.
    from flask import url_for

    from merchant_onboard.web.assets import VERSION_ARG, asset_url, content_hashes

    hashes = content_hashes(STATIC)
    assert len(hashes) > 20
    with app.test_request_context("/login", environ_overrides={"SCRIPT_NAME": script_root}):
        for name, version in hashes.items():
            assert asset_url(name) == url_for("static", filename=name,
                                              **{VERSION_ARG: version}), name
            assert asset_url(name).startswith(f"{script_root}/static/")
        with pytest.raises(LookupError):
            asset_url("css/missing.css")


def test_a_page_served_under_a_prefix_links_static_files_the_app_serves(app):
    # The whole way round: a page rendered under /cho links /cho/static/…, and each link,
    # asked under that prefix, is the file itself, cached for good.
    client = app.test_client()
    html = client.get("/login", environ_overrides={"SCRIPT_NAME": "/cho"}).get_data(as_text=True)
    links = re.findall(r'(/cho/static/[^"\')\s]+)', html)
    assert len(links) >= 5
    assert not re.search(r'["(]/static/', html)
    for url in links:
        response = client.get(url[len("/cho"):], environ_overrides={"SCRIPT_NAME": "/cho"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response.close()
