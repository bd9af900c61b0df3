"""A batch print of one zone: the PDF and the "record this batch" button keep to that zone."""

from __future__ import annotations

from sqlmodel import select

from merchant_onboard.models import Poster, Stall
from tests.web.test_posters import _batch_form, decode_pages, payload_of


def test_a_zone_batch_prints_and_records_only_that_zone(client, auth, session, make_market,
                                                        make_user, make_stall):
    """Issue 15 behaviour 12: with a zone chosen, the batch PDF holds that zone's posters only,
    and recording the batch marks only those stalls printed."""
    market = make_market("cho-vi-thanh")
    lan = make_user("lan", markets=[market])
    make_user("hung", role="manager", markets=[market])
    stalls = {code: make_stall(market, lan, zone=zone, stall_code=code, owner_phone="",
                               account_number=f"4{number}556677")
              for number, (zone, code) in enumerate([("Khu A", "A-1"), ("Khu B", "B-1"),
                                                     ("Khu B", "B-2"), ("Khu C", "C-1")])}
    auth.login("hung")
    response = client.get(f"/m/{market.code}/posters.pdf?format=a6&status=&zone=Khu B")
    assert response.status_code == 200
    printed = [code for page in decode_pages(response.get_data()) for code in page]
    assert printed == [payload_of(session, stalls["B-1"]), payload_of(session, stalls["B-2"])]

    form = _batch_form(client, market, "?status=&zone=Khu B")
    assert form["zone"] == "Khu B"
    assert client.post(f"/m/{market.code}/posters/printed", data=form).status_code == 302
    statuses = dict(session.exec(select(Stall.stall_code, Stall.status)).all())
    assert statuses == {"A-1": "registered", "B-1": "poster_printed", "B-2": "poster_printed",
                        "C-1": "registered"}
    assert len(session.exec(select(Poster)).all()) == 2
