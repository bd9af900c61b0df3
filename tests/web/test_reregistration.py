"""A refused stall registered again with another account: the new account is the only primary,
and the poster, the public page and the exports all follow it."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from merchant_onboard.domain.codes import new_public_code
from merchant_onboard.domain.funnel import Status
from merchant_onboard.domain.text import code_key, natural_key
from merchant_onboard.models import PaymentAccount, Poster, Role, Stall
from merchant_onboard.services import onboarding
from merchant_onboard.services.stalls import register_stall
from tests.factories import stall_fields


@pytest.fixture
def refused(make_market, make_user, make_stall, session):
    market = make_market("cho-vi-thanh")
    lan = make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    stall = make_stall(market, lan, stall_code="A-3", account_number="0011012345678")
    onboarding.record_event(session, actor=lan, stall=stall, kind="poster_printed",
                            data={"format": "a6"}, client_id=str(uuid.uuid4()))
    onboarding.record_event(session, actor=lan, stall=stall, kind="refused",
                            data={"reason": "prefers_cash"}, client_id=str(uuid.uuid4()))
    return market, lan, stall


def _register_again(surface, client, auth, api_token, stall, fields) -> dict | None:
    """Register ``stall`` (census or refused) as "lan", through the API or the census form;
    the API's answer."""
    if surface == "api":
        response = client.post(f"/api/v1/stalls/{stall.id}/registration",
                               json={**fields, "client_id": str(uuid.uuid4())},
                               headers=api_token("lan"))
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    auth.login("lan")
    response = client.post(f"/stalls/{stall.id}/register",
                           data={**fields, "consent": "y", "client_id": str(uuid.uuid4())})
    assert response.status_code == 302, response.get_data(as_text=True)
    return None


@pytest.mark.parametrize("surface", ["api", "web"])
def test_registering_a_refused_stall_again_replaces_its_account(surface, refused, client, auth,
                                                                api_token, session):
    market, lan, stall = refused
    fields = stall_fields(stall_code="A-3", account_number="0099887766", owner_phone="")
    _register_again(surface, client, auth, api_token, stall, fields)

    session.expire_all()
    primaries = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).all()
    assert [p.account_number for p in primaries] == ["0099887766"]
    old = session.exec(select(PaymentAccount).where(
        PaymentAccount.account_number == "0011012345678")).one()
    assert old.replaced_at is not None
    assert all(p.revoked_at is not None
               for p in session.exec(select(Poster).where(Poster.stall_id == stall.id)))

    public = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert "•••• 7766" in public and "5678" not in public
    poster = client.get(f"/api/v1/stalls/{stall.id}/poster?format=png", headers=api_token("lan"))
    assert poster.status_code == 200
    from merchant_onboard.domain.decode import decode_image

    [found] = decode_image(poster.data)
    assert found == primaries[0].payload
    auth.logout()
    auth.login("hung")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/m/{market.code}/export.{fmt}").status_code == 200


def test_registering_a_refused_stall_again_with_its_own_account_keeps_it(refused, session):
    market, lan, stall = refused
    before = onboarding.primary_account(session, stall.id)
    register_stall(session, actor=lan, market=market, stall=stall,
                   raw=stall_fields(stall_code="A-3", account_number="0011012345678",
                                    owner_phone=""),
                   client_id=str(uuid.uuid4()))
    after = onboarding.primary_account(session, stall.id)
    assert after is not None and before is not None and after.id == before.id


#: Where the stall stands (Chợ Vị Thanh, Hậu Giang), as a client app or an import left it.
PLACE = (9.7845, 105.4701)


@pytest.fixture
def census(make_market, make_user, session):
    market = make_market("cho-vi-thanh")
    make_user("lan", markets=[market])
    stall = Stall(market_id=market.id, stall_code="C-3", sort_key=natural_key("C-3"),
                  code_key=code_key("C-3"), shop_name="Rau Cô Tư", owner_name="Lê Thị Tư",
                  public_code=new_public_code(), status=Status.CENSUS.value)
    session.add(stall)
    session.commit()
    return market, stall


def _placed(session, stall: Stall) -> Stall:
    stall.latitude, stall.longitude = PLACE
    session.add(stall)
    session.commit()
    return stall


def _coordinates(session, stall: Stall) -> tuple[float | None, float | None]:
    session.expire_all()
    row = session.get(Stall, stall.id)
    return row.latitude, row.longitude


@pytest.mark.parametrize("surface", ["web", "api"])
@pytest.mark.parametrize("which", ["census", "refused"])
def test_registering_again_without_coordinates_keeps_the_stalls(which, surface, request,
                                                                client, auth, api_token,
                                                                session):
    """No form of the web carries the coordinates (the census form, the page a phone keeps
    for a stall never opened, a refused stall's form): registering with one left them empty,
    though the stall had not moved. Nor does an API client that leaves them out."""
    stall = _placed(session, request.getfixturevalue(which)[-1])
    fields = stall_fields(stall_code=stall.stall_code, owner_name=stall.owner_name,
                          account_number="0099887766", owner_phone="")
    answer = _register_again(surface, client, auth, api_token, stall, fields)
    if surface == "api":
        assert (answer["latitude"], answer["longitude"]) == PLACE
    session.expire_all()
    assert session.get(Stall, stall.id).status == Status.REGISTERED.value
    assert _coordinates(session, stall) == PLACE


def test_the_edit_form_keeps_the_coordinates(refused, client, auth, session):
    _market, _lan, stall = refused
    stall = _placed(session, stall)
    auth.login("lan")
    response = client.post(f"/stalls/{stall.id}/edit", data={
        "stall_code": "A-3", "zone": "Khu B", "shop_name": "Tạp hoá Cô Ba",
        "owner_name": "Nguyễn Thị Ba", "owner_phone": "0912 345 678", "category": "",
        "notes": "", "client_id": str(uuid.uuid4())})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _coordinates(session, stall) == PLACE


@pytest.mark.parametrize(("sent", "stored"), [((10.03, 105.77), (10.03, 105.77)),
                                              ((None, None), (None, None))])
def test_a_registration_that_sends_coordinates_sets_them(census, client, api_token, session,
                                                         sent, stored):
    """Sent, they are what the client measured (null: the place is not known)."""
    stall = _placed(session, census[1])
    response = client.post(f"/api/v1/stalls/{stall.id}/registration", headers=api_token("lan"),
                           json={**stall_fields(stall_code="C-3", owner_name="Lê Thị Tư",
                                                owner_phone=""),
                                 "latitude": sent[0], "longitude": sent[1],
                                 "client_id": str(uuid.uuid4())})
    assert response.status_code == 201, response.get_json()
    assert _coordinates(session, stall) == stored


@pytest.fixture
def described_census(census, session):
    """The census stall with what a commune's sheet often has: a zone, a phone, a trade."""
    market, stall = census
    stall.zone, stall.owner_phone, stall.category, stall.notes = (
        "Khu N – Rau", "0987654321", "Rau củ", "Sạp đầu dãy")
    session.add(stall)
    session.commit()
    return market, stall


def _fields_of(session, stall: Stall) -> tuple:
    session.expire_all()
    row = session.get(Stall, stall.id)
    return row.status, row.zone, row.shop_name, row.owner_phone, row.category, row.notes


def test_an_api_registration_leaving_fields_out_keeps_the_censuss(described_census, client,
                                                                  api_token, session):
    """The census form keeps a census stall's fields it does not send; the API cleared them:
    a client sending the stall code, names and account lost the zone, phone, trade and notes
    the commune's sheet had."""
    _market, stall = described_census
    body = {key: value for key, value in stall_fields(
        stall_code="C-3", shop_name="Rau Cô Tư", owner_name="Lê Thị Tư",
        account_number="0099887766").items()
        if key not in ("zone", "owner_phone", "category", "notes")}
    response = client.post(f"/api/v1/stalls/{stall.id}/registration", headers=api_token("lan"),
                           json={**body, "client_id": str(uuid.uuid4())})
    assert response.status_code == 201, response.get_json()
    assert _fields_of(session, stall) == ("registered", "Khu N – Rau", "Rau Cô Tư",
                                          "0987654321", "Rau củ", "Sạp đầu dãy")


def test_an_admin_registering_a_census_stall_leaves_its_phone_as_it_is(
        described_census, client, api_token, make_user, session):
    """An administrator sees owners' phones masked: the census form keeps the stored phone
    for them, and the API's edit refuses one. The API's census registration overwrote it."""
    _market, stall = described_census
    make_user("root", role=Role.ADMIN)
    body = stall_fields(stall_code="C-3", owner_name="Lê Thị Tư", account_number="0099887766")
    url = f"/api/v1/stalls/{stall.id}/registration"
    for phone in ("0912000111", ""):
        refused = client.post(url, headers=api_token("root"),
                              json={**body, "owner_phone": phone, "client_id": str(uuid.uuid4())})
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["errors"] == {
            "owner_phone": ["Chỉ thành viên của chợ xem và sửa được số điện thoại."]}
    status, _zone, _shop, phone, *_rest = _fields_of(session, stall)
    assert (status, phone) == ("census", "0987654321")
    body.pop("owner_phone")
    saved = client.post(url, headers=api_token("root"),
                        json={**body, "client_id": str(uuid.uuid4())})
    assert saved.status_code == 201, saved.get_json()
    assert _fields_of(session, stall)[3] == "0987654321"
