"""A zone typed several ways ("Khu A", "khu a", "KHU A") is one zone to every list.

Filters already matched a zone however it is spelled (``domain.text.zone_key``); lists sorted
by the zone as typed, so a volunteer walking the market with the printed batch, or a manager
reading the export, found the stalls of "Khu A" in two places. The stall list (page, API,
offline), the poster batch and the stall export sort by the zone's key.
"""

from __future__ import annotations

import csv
import io

import pytest

from merchant_onboard.domain.text import zone_key
from merchant_onboard.models import Role
from merchant_onboard.services import exports, posters, stall_lookup
from merchant_onboard.services.exports import STALL_COLUMNS

ZONES = ["Khu B", "khu a", "KHU A", "Khu A", "Khu C", "khu b", "Khu a\u0300", "khu Ă"]


@pytest.fixture
def spelled(make_market, make_user, make_stall):
    market = make_market("cho-khu")
    manager = make_user("thu", Role.MANAGER, markets=[market])
    for n, zone in enumerate(ZONES):
        make_stall(market, manager, stall_code=f"S-{n}", zone=zone,
                   owner_phone=f"09130000{n:02d}", account_number=f"8800990{n:02d}")
    return market, manager


def grouped(zones: list[str]) -> bool:
    """Each zone's stalls stand together, and the zones come in their keys' order."""
    keys = [zone_key(zone) for zone in zones]
    return keys == sorted(keys)


def test_the_stall_list_keeps_a_zones_stalls_together(session, spelled):
    market, _ = spelled
    rows, total = stall_lookup.search_stalls(session, market=market, summary=True)
    assert total == len(ZONES) and grouped([row.zone for row in rows]), [r.zone for r in rows]
    # The filter finds every spelling, and only them.
    rows, total = stall_lookup.search_stalls(session, market=market, zone="KHU A")
    assert sorted(stall.zone for stall in rows) == ["KHU A", "Khu A", "khu a"]


def test_the_poster_batch_keeps_a_zones_stalls_together(session, spelled):
    market, _ = spelled
    zones = [stall.zone for stall, _account in posters.batch_rows(session, market,
                                                                   posters.BatchFilter())]
    assert len(zones) == len(ZONES) and grouped(zones), zones


def test_the_stall_export_keeps_a_zones_stalls_together(session, spelled):
    market, manager = spelled
    export = exports.export_stalls(session, actor=manager, market=market, fmt="csv",
                                   headers=[key for key, _ in STALL_COLUMNS], labels={})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.chunks).decode("utf-8-sig"))))
    zones = [row["zone"] for row in rows]
    assert len(zones) == len(ZONES) and grouped(zones), zones


def test_the_lists_show_zones_in_vietnamese_alphabetical_order(session, make_market, make_user,
                                                               make_stall):
    """The database sorts the stored keys byte by byte (SQLite, PostgreSQL's "C"), and a
    manager reads the stall list, the printed batch and the export in the order of the
    alphabet: "Khu Đông" after "Khu D", not after "Khu Z"; "Dãy 2" before "Dãy 10"; the
    stalls without a zone last."""
    from tests.domain.test_text import ZONES_IN_ORDER

    market = make_market("cho-abc")
    manager = make_user("thu", Role.MANAGER, markets=[market])
    for n, zone in enumerate(["", *reversed(ZONES_IN_ORDER)]):
        make_stall(market, manager, stall_code=f"S-{n}", zone=zone.upper() if n % 2 else zone,
                   owner_phone=f"09130000{n:02d}", account_number=f"8800990{n:02d}")
    rows, _ = stall_lookup.search_stalls(session, market=market, limit=100, summary=True)
    batch = posters.batch_rows(session, market, posters.BatchFilter())
    export = exports.export_stalls(session, actor=manager, market=market, fmt="csv",
                                   headers=[key for key, _ in STALL_COLUMNS], labels={})
    exported = csv.DictReader(io.StringIO(b"".join(export.chunks).decode("utf-8-sig")))
    for zones in ([row.zone for row in rows], [stall.zone for stall, _ in batch],
                  [row["zone"] for row in exported]):
        assert [zone_key(zone) for zone in zones] == [
            zone_key(z) for z in [*ZONES_IN_ORDER, ""]], zones


def test_every_writer_of_a_zone_keeps_its_key(session, spelled, make_user):
    """Registration, an edit, the census import, the demo and the load-test data all store
    the key ``zone_key`` makes of the zone, so lists and filters find every stall."""
    import uuid

    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.models import Stall
    from merchant_onboard.services import census, demo, scale, stalls
    from sqlmodel import select

    market, manager = spelled
    stall = stall_lookup.get_stall_by_code(session, market, "S-0")
    stalls.update_stall(session, actor=manager, stall=stall, market=market,
                        raw={"zone": "  KHU\u00a0ĐÔNG  "}, client_id=str(uuid.uuid4()))
    sheet = parse_census("Mã,Khu,Tên\nS-1,Khu Tây,Sạp 1\nN-1,KHU tây,Sạp mới\n".encode())
    census.apply_census(session, actor=manager, market=market, rows=sheet.rows)
    demo.seed_demo(session, password="demo-password-1", stall_count=12)
    scale.seed_scale(session, markets=1, stalls_per_market=16, password_hash="not-a-login")
    rows = session.exec(select(Stall.zone, Stall.zone_key)).all()
    assert len(rows) > len(ZONES) + 12 + 16
    assert [(zone, key) for zone, key in rows if key != zone_key(zone)] == []
    assert {zone_key("KHU\u00a0ĐÔNG"), zone_key("Khu Tây")} <= {key for _, key in rows}


@pytest.mark.parametrize("longest", ["ﬃ-" * 32, "ﬃ" * 64])
def test_the_longest_key_a_zone_can_make_is_stored(session, spelled, longest):
    """64 characters of zone can make a long key: "ﬃ" casefolds to "ffi", a dash becomes
    " - ", and each character of that is in the key four times (letter and its place, tone,
    spelling). PostgreSQL stores and indexes it, and the zone is found by it."""
    market, manager = spelled
    from merchant_onboard.services import stalls

    stall = stalls.update_stall(session, actor=manager, market=market,
                                stall=stall_lookup.get_stall_by_code(session, market, "S-0"),
                                raw={"zone": longest}, client_id="zone-key-longest-1")
    assert len(stall.zone_key) > 700
    rows, total = stall_lookup.search_stalls(session, market=market, zone=longest.upper())
    assert (total, rows[0].id) == (1, stall.id)


def test_markets_and_people_are_listed_in_vietnamese_alphabetical_order(
        session, make_market, make_user):
    """The roll-up (by name, by place, and its province and ward choices), the market list and
    a market's team sorted by code point or by accent-stripped text: "Đà Nẵng" and "Đắk Lắk"
    came after "Vĩnh Long" on SQLite, or among the D's. Đ is a letter after D."""
    from merchant_onboard.services import markets, membership, rollup, users

    places = [("cho-dong", "Chợ Đông", "Đồng Tháp", "Phường Đông"),
              ("cho-dua", "Chợ Dừa", "Đà Nẵng", "Phường Ân"),
              ("cho-vinh", "Chợ Vĩnh", "Vĩnh Long", "Phường 10"),
              ("cho-an", "Chợ Ăn", "Đà Nẵng", "Phường 2"),
              ("cho-da", "Chợ Da", "Cần Thơ", "Phường A")]
    made = [make_market(code, name=name, province=province, ward=ward)
            for code, name, province, ward in places]
    admin = make_user("root", Role.ADMIN)
    names = [row.name for row in rollup.rollup(session, actor=admin).rows]
    assert names == ["Chợ Ăn", "Chợ Da", "Chợ Dừa", "Chợ Đông", "Chợ Vĩnh"]
    by_place = rollup.rollup(session, actor=admin, sort="province")
    assert [row.name for row in by_place.rows] == [
        "Chợ Da", "Chợ Ăn", "Chợ Dừa", "Chợ Đông", "Chợ Vĩnh"]
    assert by_place.provinces == ["Cần Thơ", "Đà Nẵng", "Đồng Tháp", "Vĩnh Long"]
    assert rollup.rollup(session, actor=admin, province="đà nẵng").wards == [
        "Phường 2", "Phường Ân"]
    assert [m.name for m in markets.list_markets(session, admin)] == [
        "Chợ Da", "Chợ Ăn", "Chợ Dừa", "Chợ Đông", "Chợ Vĩnh"]
    for username, display in (("zung", "Zũng"), ("dung", "Đặng Dung"), ("an", "Ân"),
                              ("anh", "Anh"), ("duc", "Dương Đức")):
        make_user(username, Role.VOLUNTEER, markets=[made[0]], display_name=display)
    assert [m.user.display_name for m in membership.members(session, made[0])] == [
        "Anh", "Ân", "Dương Đức", "Đặng Dung", "Zũng"]
    # The admins' logins page (and the API's list): by role, then by name as well.
    make_user("ba", Role.ADMIN, display_name="Ba")
    assert [(user.role, user.display_name) for user, _ in users.all_logins(session)] == [
        ("admin", "Ba"), ("admin", "Root"), *(("volunteer", name) for name in (
            "Anh", "Ân", "Dương Đức", "Đặng Dung", "Zũng"))]


def test_a_zone_is_offered_in_its_usual_spelling_not_one_typed_in_capitals():
    """One stall's zone edited to "KHU ĐÔNG" renamed the filter's choice for all three stalls
    of "Khu Đông": the first spelling by code point was the capitals; and "Dãy 02", one
    census row's, named the zone "Dãy 2" of the others."""
    from merchant_onboard.domain.text import one_spelling_each

    found = ["khu đông", "KHU ĐÔNG", "Khu Đông", "Khu A", "KHU B", "Dãy 02", "dãy 2", "Dãy 2"]
    assert one_spelling_each(stall_lookup.zones_from(found)) == [
        "Dãy 2", "Khu A", "KHU B", "Khu Đông"]
