"""English is available: every Vietnamese msgid in the code has a checked, compiled translation.

Adding a string without translating it fails here; README "Translations" says how to fix that.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "merchant_onboard" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")
#: The same keywords as the README's ``pybabel extract -k …`` command.
KEYWORDS = {**DEFAULT_KEYWORDS,
            **parse_keywords(["lazy_gettext", "_l", "N_", "lazy_pgettext:1c,2"])}
#: A Python %-format conversion: ``%(name)s``, ``%d``, ``%%``.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    """msgid → files it appears in, extracted from the working tree as ``pybabel extract`` does
    (``key``: a message with a context is its own)."""
    with (TRANSLATIONS / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(key(context, msgid), set()).add(filename)
    return found


def key(context: str | None, msgid: str) -> str:
    """A message as gettext keys it: "audit\x04Tạo tài khoản" is not the button's "Tạo tài
    khoản"."""
    return msgid if context is None else f"{context}\x04{msgid}"


def translations(catalog) -> dict[str, tuple[str, ...]]:
    """msgid → its translations: one, or one per plural form (``ngettext`` messages list both
    their singular and plural msgid); ``key`` of a message with a context."""
    out: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, list | tuple) else (message.id,)
        strings = message.string if isinstance(message.string, list | tuple) else (
            message.string,)
        for msgid in ids:
            out[key(message.context, msgid)] = tuple(strings)
    return out


@pytest.fixture(scope="module")
def english() -> dict[str, tuple[str, ...]]:
    with ENGLISH_PO.open("rb") as po:
        return translations(read_po(po, locale="en"))


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_extraction_sees_templates_views_labels_and_domain_errors(extracted):
    # Guards the test below: an extraction that found nothing would find nothing missing.
    assert {"Đăng nhập", "Chưa đăng ký", "Dữ liệu chưa hợp lệ.", "Đã lưu thay đổi."} <= set(extracted)


def test_every_message_in_the_code_is_translated_to_english(extracted, english):
    missing = sorted(msgid for msgid in extracted if not all(english.get(msgid, ("",))))
    assert missing == [], "untranslated: re-extract, update and translate (README, Translations)"


def test_english_catalog_has_no_fuzzy_or_empty_translations():
    with ENGLISH_PO.open("rb") as po:
        catalog = read_po(po, locale="en")
    unfinished = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, list | tuple) else (m.string,)))]
    assert unfinished == []


def test_compiled_catalog_matches_the_po_file(english):
    with ENGLISH_MO.open("rb") as mo:
        compiled = translations(read_mo(mo))
    assert compiled == english, "run pybabel compile (README, Translations)"


def test_translations_keep_the_placeholders(english):
    changed = {msgid: texts for msgid, texts in english.items()
               if any(placeholders(msgid) != placeholders(text) for text in texts)}
    assert changed == {}


def test_template_messages_survive_jinja_formatting(extracted, english):
    # Flask-Babel installs newstyle gettext: Jinja applies ``%`` to every template message,
    # so a bare "%" (write "%%") is a 500 in both languages.
    broken = []
    for msgid, files in extracted.items():
        if not any(name.startswith("templates") for name in files):
            continue
        params = {name: 1 for name in re.findall(r"%\((\w+)\)", msgid)}
        for text in (msgid, *english.get(msgid, ())):
            try:
                text % params
            except (ValueError, TypeError, KeyError):
                broken.append(text)
    assert broken == []


def test_login_page_is_vietnamese_by_default_and_english_after_switching(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page

    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page and "Username" in page and "Đăng nhập" not in page


def test_login_error_follows_the_chosen_language(client, make_user):
    make_user("lan")
    wrong = {"username": "lan", "password": "not-the-password"}
    assert "Sai tên đăng nhập hoặc mật khẩu." in client.post("/login", data=wrong).get_data(
        as_text=True)
    english = client.post("/login?lang=en", data=wrong)
    assert english.status_code == 401
    assert "Wrong username or password." in english.get_data(as_text=True)


def test_form_errors_show_in_english_after_switching(client, auth, make_market, make_user):
    market = make_market("cho-vi-thanh")
    make_user("lan", markets=[market])
    auth.login("lan")
    client.get("/lang/en")
    response = client.post(f"/m/{market.code}/stalls/new",
                           data={"client_id": "form-key-00000001", "shop_name": "Tạp hoá Cô Ba",
                                 "bank": "zzz"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the stall code." in page and "Choose a bank from the list" in page
    assert "Nhập mã gian hàng." not in page
    # User data is never translated.
    assert "Tạp hoá Cô Ba" in page


@pytest.mark.parametrize(("lang", "message"), [
    ("vi", "Không tìm thấy chợ “cho-khong-co”."),
    ("en", "Market “cho-khong-co” not found."),
])
def test_error_placeholders_are_filled_in_both_languages(client, auth, make_user, lang, message):
    make_user("admin", role="admin")
    auth.login("admin")
    response = client.get(f"/m/cho-khong-co/?lang={lang}")
    assert response.status_code == 404
    assert message in response.get_data(as_text=True)


def test_api_errors_follow_accept_language(client):
    body = {"username": "nobody", "password": "wrong-password"}
    vietnamese = client.post("/api/v1/tokens", json=body).get_json()
    english = client.post("/api/v1/tokens", json=body,
                          headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert vietnamese["detail"] == "Sai tên đăng nhập hoặc mật khẩu."
    assert english["detail"] != vietnamese["detail"] and "password" in english["detail"].lower()


def test_counts_are_plural_in_english(client, make_market, make_user, make_stall):
    market = make_market("cho-dem")
    lan = make_user("lan", markets=[market])
    client.post("/login", data={"username": "lan", "password": "correct-horse-42"})
    client.get("/lang/en")
    make_stall(market, lan)
    assert ">1 stall<" in client.get(f"/m/{market.code}/").get_data(as_text=True)
    make_stall(market, lan, stall_code="A-2", account_number="22223333", owner_phone="")
    assert ">2 stalls<" in client.get(f"/m/{market.code}/").get_data(as_text=True)


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Please correct the marked fields.", "1 stall", "2 stalls", "Discard"]),
    ("vi", ["Vui lòng sửa các mục được đánh dấu.", "1 gian hàng", "2 gian hàng", "Bỏ"])])
def test_templates_translate_in_the_pages_language(app, lang, expected):
    # A page's own messages, its plurals, and a macro imported without the page's context
    # (web/i18n.py gives templates the catalogue once per page).
    from flask import render_template_string
    source = ('{% from "_macros.html" import form_errors %}{{ form_errors({"x": ["y"]}) }}|'
              '{{ ngettext("%(num)s gian hàng", "%(num)s gian hàng", 1) }}|'
              '{{ ngettext("%(num)s gian hàng", "%(num)s gian hàng", 2) }}|{{ _("Bỏ") }}')
    with app.test_request_context(f"/?lang={lang}"):
        rendered = render_template_string(source)
    assert [part.strip() for part in rendered.split("|")][1:] == expected[1:]
    assert expected[0] in rendered


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Registered", "Poster printed", "Volunteer", "Prefers cash", "no_such_status",
            "Refused"]),
    ("vi", ["Đã đăng ký", "Đã in poster", "Tình nguyện viên", "Thích dùng tiền mặt",
            "no_such_status", "Từ chối"])])
def test_labels_show_in_the_pages_language(app, lang, expected):
    # The labels are translated once per language (web/labels.labels_in): both languages from
    # one process, in a page and in a macro imported without its context; a key without a
    # label shows as itself.
    from flask import render_template_string
    source = ('{% from "_macros.html" import status_badge %}'
              '{{ "registered" | status_label }}|{{ "poster_printed" | event_label }}|'
              '{{ "volunteer" | role_label }}|{{ "prefers_cash" | reason_label }}|'
              '{{ status_badge("no_such_status") }}|{{ status_badge("refused") }}')
    for _ in range(2):
        with app.test_request_context(f"/?lang={lang}"):
            rendered = render_template_string(source)
        assert rendered.split("|")[:4] == expected[:4]
        assert rendered.split("|")[4:] == [
            f'<span class="badge badge-no_such_status">{expected[4]}</span>',
            f'<span class="badge badge-refused">{expected[5]}</span>']
