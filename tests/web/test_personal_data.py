"""Personal data, one rule per role and surface (``access.sees_personal_data``, issue 13):
members see phones and accounts in full; admins see them masked on pages, forms and exports,
and a poster (whose QR spells the account out) they download is audited: who saw what."""

from __future__ import annotations

import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Role, Stall, User
from tests.factories import stall_fields


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def stall(market, make_user, make_stall):
    lan = make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    return make_stall(market, lan, owner_phone="0987654321", account_number="0099887766")


def audit_lines(session, prefix):
    return session.exec(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                        .order_by(AuditEntry.id)).all()


def test_the_edit_form_shows_admins_the_phone_masked_and_keeps_it(client, auth, stall,
                                                                  session):
    auth.login("admin")
    page = client.get(f"/stalls/{stall.id}/edit").get_data(as_text=True)
    assert "0987654321" not in page and "•••• 321" in page
    assert 'name="owner_phone"' not in page
    saved = client.post(f"/stalls/{stall.id}/edit", data={
        "stall_code": stall.stall_code, "shop_name": "Tên mới", "owner_name": stall.owner_name})
    assert saved.status_code == 302
    session.expire_all()
    stored = session.get(Stall, stall.id)
    assert (stored.shop_name, stored.owner_phone) == ("Tên mới", "0987654321")


@pytest.mark.parametrize("username", ["lan", "hung"])
def test_members_edit_the_phone_in_full(client, auth, stall, username):
    auth.login(username)
    page = client.get(f"/stalls/{stall.id}/edit").get_data(as_text=True)
    assert 'name="owner_phone"' in page and "0987654321" in page


def test_an_admins_poster_download_is_audited_a_volunteers_is_not(client, auth, stall, session,
                                                                  api_token):
    auth.login("lan")
    assert client.get(f"/stalls/{stall.id}/poster?format=png").status_code == 200
    assert audit_lines(session, "poster.") == []
    auth.logout()
    auth.login("admin")
    assert client.get(f"/stalls/{stall.id}/poster?format=png").status_code == 200
    assert client.get(f"/api/v1/stalls/{stall.id}/poster?format=a6",
                      headers=api_token("admin")).status_code == 200
    lines = audit_lines(session, "poster.")
    assert [(e.action, e.target, e.data["format"]) for e in lines] == [
        ("poster.download", f"cho-vi-thanh/{stall.stall_code}", "png"),
        ("poster.download", f"cho-vi-thanh/{stall.stall_code}", "a6")]
    admin_id = lines[0].actor_id
    assert admin_id is not None and all(e.actor_id == admin_id and e.created_at for e in lines)


def test_an_admins_batch_download_is_audited_and_shown_on_the_audit_page(client, auth, stall,
                                                                         session):
    auth.login("admin")
    response = client.get("/m/cho-vi-thanh/posters.pdf?status=registered")
    response.get_data()
    assert response.status_code == 200
    [line] = audit_lines(session, "poster.")
    assert (line.action, line.target, line.data["stalls"]) == \
        ("poster.batch_download", "cho-vi-thanh", 1)
    page = client.get("/admin/audit?action=poster.").get_data(as_text=True)
    assert "poster.batch_download" in page and "admin" in page


def test_admin_pages_and_exports_stay_masked(client, auth, stall):
    auth.login("admin")
    detail = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert "0987654321" not in detail and "0099887766" not in detail
    export = client.get("/m/cho-vi-thanh/export.csv").get_data().decode("utf-8-sig")
    assert "0987654321" not in export and "0099887766" not in export


def census_stall(session, market, line: str) -> Stall:
    """A stall imported from the census (``Mã gian hàng,Chủ hộ,Số điện thoại``)."""
    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.services import census

    manager = session.exec(select(User).where(User.username == "hung")).one()
    census.apply_census(session, actor=manager, market=market, rows=parse_census(
        f"Mã gian hàng,Chủ hộ,Số điện thoại\n{line}\n".encode()).rows)
    code = line.split(",")[0]
    return session.exec(select(Stall).where(Stall.market_id == market.id,
                                            Stall.stall_code == code)).one()


def test_the_registration_form_shows_admins_the_phone_masked_and_keeps_it(
        client, auth, stall, market, session):
    """Every stall has a registration form (a census or refused stall is registered from it):
    prefilled, it showed an admin the owner's phone the stall page masks."""
    waiting = census_stall(session, market, "C-9,Lê Thị Chín,0977000111")
    auth.login("admin")
    for shown in (stall, waiting):
        page = client.get(f"/stalls/{shown.id}/register").get_data(as_text=True)
        assert shown.owner_phone not in page and f"•••• {shown.owner_phone[-3:]}" in page
        assert 'name="owner_phone"' not in page
    saved = client.post(f"/stalls/{waiting.id}/register", data=stall_fields(
        stall_code="C-9", owner_name="Lê Thị Chín", account_number="0011077777777",
        owner_phone="", consent="on", client_id="admin-registers-c9"))
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Stall, waiting.id).owner_phone == "0977000111"


@pytest.mark.parametrize("username", ["lan", "hung"])
def test_members_register_a_census_stall_with_its_phone_in_full(client, auth, stall, market,
                                                                session, username):
    waiting = census_stall(session, market, "C-9,Lê Thị Chín,0977000111")
    auth.login(username)
    page = client.get(f"/stalls/{waiting.id}/register").get_data(as_text=True)
    assert 'name="owner_phone"' in page and "0977000111" in page


def census_preview(client, text: str) -> str:
    import io

    return client.post("/m/cho-vi-thanh/census", content_type="multipart/form-data", data={
        "file": (io.BytesIO(text.encode()), "danh-sach.csv")}).get_data(as_text=True)


def test_the_census_preview_shows_admins_the_stored_phones_masked(client, auth, stall, market,
                                                                 session):
    """A file of stall codes with any phone was enough: the preview, which writes nothing,
    showed each stall's stored phone beside the file's ("0987654321 → 0900000001")."""
    waiting = census_stall(session, market, "C-9,Lê Thị Chín,0977000111")
    auth.login("admin")
    page = census_preview(client, "Mã gian hàng,Số điện thoại\n"
                                  f"{stall.stall_code},0900000001\nC-9,0900000002\n")
    assert "0900000001" in page and "0900000002" in page  # what the file says
    for stored in (stall, waiting):
        assert stored.owner_phone not in page and f"•••• {stored.owner_phone[-3:]}" in page


def test_the_census_preview_shows_managers_the_stored_phones(client, auth, stall, market,
                                                            session):
    census_stall(session, market, "C-9,Lê Thị Chín,0977000111")
    auth.login("hung")
    page = census_preview(client, "Mã gian hàng,Số điện thoại\n"
                                  f"{stall.stall_code},0900000001\nC-9,0900000002\n")
    assert "0987654321" in page and "0977000111" in page


QR_IMAGE = 'aria-label="Mã VietQR của gian hàng"'


def test_the_stall_page_shows_admins_no_qr_to_read_the_account_from(client, auth, stall):
    """The page masked the account number beside the stall's QR, which spells it out: an
    admin's phone scanning the screen read it in full, unaudited. The QR is on the posters,
    whose downloads are audited."""
    auth.login("admin")
    page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert QR_IMAGE not in page and "•••• 7766" in page
    assert f"/stalls/{stall.id}/poster?format=png" in page


@pytest.mark.parametrize("username", ["lan", "hung"])
def test_members_see_the_stalls_qr(client, auth, stall, username):
    auth.login(username)
    assert QR_IMAGE in client.get(f"/stalls/{stall.id}").get_data(as_text=True)


def test_the_api_refuses_an_admin_a_phone_the_edit_form_does_not_offer(client, api_token,
                                                                      stall, session):
    """The edit form leaves the phone out for an admin (who sees it masked), yet the API's
    PATCH overwrote it: a phone they could not read was changed, unseen. Refused, with
    nothing changed; the rest of the stall still edits."""
    headers = api_token("admin")
    refused = client.patch(f"/api/v1/stalls/{stall.id}", headers=headers,
                           json={"owner_phone": "0912000111", "shop_name": "Tên mới"})
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["errors"] == {
        "owner_phone": ["Chỉ thành viên của chợ xem và sửa được số điện thoại."]}
    session.expire_all()
    assert (session.get(Stall, stall.id).owner_phone,
            session.get(Stall, stall.id).shop_name) == ("0987654321", "Tạp hoá Cô Ba")
    saved = client.patch(f"/api/v1/stalls/{stall.id}", headers=headers,
                         json={"shop_name": "Tên mới"})
    assert saved.status_code == 200, saved.get_json()
    assert client.patch(f"/api/v1/stalls/{stall.id}", headers=api_token("lan"),
                        json={"owner_phone": "0912000111"}).status_code == 200
