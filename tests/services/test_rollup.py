"""The administrators' roll-up: every market, the same headline figures, filters and totals."""

from __future__ import annotations

import uuid

import pytest

from merchant_onboard.domain.errors import PermissionDenied
from merchant_onboard.models import Role
from merchant_onboard.services import onboarding, rollup
from merchant_onboard.services.stats import market_stats

PAID = [("poster_printed", None), ("poster_installed", None),
        ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
        ("first_payment_confirmed", {"amount": "20000", "customer_payment": "on"})]


@pytest.fixture
def markets(session, make_market, make_user, make_stall):
    """Vị Thanh (Hậu Giang): 3 stalls, 2 paid, declared 10. Cái Răng (Cần Thơ): 1 registered."""
    vi_thanh = make_market("cho-vi-thanh", name="Chợ Vị Thanh", census_size=10, target_pct=60)
    cai_rang = make_market("cho-cai-rang", name="Chợ nổi Cái Răng", province="Cần Thơ",
                           ward="Phường Lê Bình", target_pct=80)
    make_market("cho-moi", name="Chợ Mới", province="Cần Thơ", ward="Phường An Bình")
    lan = make_user("lan", markets=[vi_thanh, cai_rang])
    for n in range(3):
        stall = make_stall(vi_thanh, lan, stall_code=f"A-{n}", account_number=f"001101{n}")
        for kind, data in PAID if n < 2 else []:
            onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data,
                                    client_id=str(uuid.uuid4()))
    make_stall(cai_rang, lan, stall_code="B-1", account_number="0099123")
    return vi_thanh, cai_rang


@pytest.fixture
def admin(make_user):
    return make_user("admin", role=Role.ADMIN)


def test_every_market_with_the_dashboard_headline(session, markets, admin):
    result = rollup.rollup(session, actor=admin)
    assert [r.code for r in result.rows] == ["cho-moi", "cho-cai-rang", "cho-vi-thanh"]
    by_code = {r.code: r.headline for r in result.rows}
    for market in markets:
        assert by_code[market.code] == market_stats(session, market).headline
    assert by_code["cho-vi-thanh"].census == 10
    assert by_code["cho-vi-thanh"].adoption == pytest.approx(0.2)
    assert by_code["cho-moi"].adoption is None


def test_totals_add_each_markets_denominator(session, markets, admin):
    totals = rollup.rollup(session, actor=admin).totals
    assert (totals.census_rows, totals.census, totals.registered, totals.first_paid) == \
        (4, 11, 4, 2)
    assert totals.adoption == pytest.approx(2 / 11)
    assert totals.target_pct == round((60 * 10 + 80 * 1) / 11)


def test_filter_by_province_and_ward(session, markets, admin):
    result = rollup.rollup(session, actor=admin, province="Cần Thơ")
    assert [r.code for r in result.rows] == ["cho-moi", "cho-cai-rang"]
    assert result.wards == ["Phường An Bình", "Phường Lê Bình"]
    assert result.provinces == ["Cần Thơ", "Hậu Giang"]
    result = rollup.rollup(session, actor=admin, province="Cần Thơ", ward="Phường Lê Bình")
    assert [r.code for r in result.rows] == ["cho-cai-rang"]
    assert result.totals.registered == 1


def test_sort_by_adoption_descending_puts_markets_without_stalls_last(session, markets, admin):
    result = rollup.rollup(session, actor=admin, sort="adoption", descending=True)
    assert [r.code for r in result.rows] == ["cho-vi-thanh", "cho-cai-rang", "cho-moi"]


@pytest.mark.parametrize("descending", [False, True])
def test_markets_alike_on_the_sorted_figure_are_in_name_order_either_way(session, admin,
                                                                       make_market, descending):
    """Markets tied on a figure (no stall yet: 0 registered) came in the database's order,
    which is not the alphabet's and changed with it."""
    for code, name in (("cho-dam", "Chợ Đầm"), ("cho-ben-thanh", "Chợ Bến Thành"),
                       ("cho-an-dong", "Chợ An Đông"), ("cho-da-lat", "Chợ Đà Lạt")):
        make_market(code, name=name)
    result = rollup.rollup(session, actor=admin, sort="registered", descending=descending)
    assert [r.name for r in result.rows] == ["Chợ An Đông", "Chợ Bến Thành", "Chợ Đà Lạt",
                                             "Chợ Đầm"]


def test_pages_keep_totals_of_every_filtered_market(session, markets, admin):
    result = rollup.rollup(session, actor=admin, per_page=2, page=2)
    assert (result.page, result.pages, result.count) == (2, 2, 3)
    assert [r.code for r in result.rows] == ["cho-vi-thanh"]
    assert result.totals.census_rows == 4


def test_managers_cannot_see_the_roll_up(session, markets, make_user):
    manager = make_user("hung", role=Role.MANAGER, markets=[markets[0]])
    with pytest.raises(PermissionDenied):
        rollup.rollup(session, actor=manager)


def test_a_ward_is_chosen_within_a_province_never_across_provinces(session, markets, admin,
                                                                   make_market):
    """"Phường 1" is a ward of Vị Thanh and of many other towns: a ward chosen alone totalled
    every province's "Phường 1" under one name. Wards are offered, and filter, only within
    the chosen province."""
    make_market("cho-tan-an", name="Chợ Tân An", province="Long An", ward="Phường 1")
    make_market("cho-vt-1", name="Chợ Phường 1", province="Hậu Giang", ward="Phường 1")
    assert rollup.rollup(session, actor=admin).wards == []
    assert rollup.rollup(session, actor=admin, province="Long An").wards == ["Phường 1"]
    chosen = rollup.rollup(session, actor=admin, province="Hậu Giang", ward="Phường 1")
    assert [r.code for r in chosen.rows] == ["cho-vt-1", "cho-vi-thanh"]
    alone = rollup.rollup(session, actor=admin, ward="Phường 1")
    assert {r.province for r in alone.rows} == {"Hậu Giang", "Cần Thơ", "Long An"}
    assert alone.count == 5, "no province chosen: every market, as the page's choices say"


def test_a_province_written_with_its_tone_on_either_vowel_is_one_province(session, admin,
                                                                          make_market):
    """"Khánh Hoà" and "Khánh Hòa", "Thanh Hoá" and "Thanh Hóa": each province written both
    ways by different markets' creators is one province in the filter and its total."""
    make_market("cho-dam", name="Chợ Đầm", province="Khánh Hoà", ward="Phường Xương Huân")
    make_market("cho-xom-moi", name="Chợ Xóm Mới", province="Khánh Hòa",
                ward="phường xương huân")
    make_market("cho-vinh", name="Chợ Vĩnh", province="Thanh Hoá", ward="Phường 1")
    result = rollup.rollup(session, actor=admin, province="khánh hòa")
    assert sorted(r.code for r in result.rows) == ["cho-dam", "cho-xom-moi"]
    assert [p for p in result.provinces if "kh" in p.casefold()] in (["Khánh Hoà"],
                                                                     ["Khánh Hòa"])
    assert len(result.wards) == 1
    assert [r.code for r in rollup.rollup(session, actor=admin, province="Thanh Hóa").rows] == \
        ["cho-vinh"]


def test_a_province_typed_in_another_case_is_the_same_province(session, markets, admin,
                                                               make_market):
    """A market created as "HẬU GIANG" (caps lock) or "hậu giang" is in Hậu Giang: the
    province's total counts it, and the choices name the province once, as the stall list
    names a zone once however its stalls spell it."""
    make_market("cho-hoa", name="Chợ Hoà", province="HẬU GIANG", ward="phường 1")
    make_market("cho-long-my", name="Chợ Long Mỹ", province="hậu giang", ward="Phường 2")
    result = rollup.rollup(session, actor=admin, province="Hậu Giang")
    assert sorted(r.code for r in result.rows) == ["cho-hoa", "cho-long-my", "cho-vi-thanh"]
    assert (result.totals.census, result.totals.first_paid) == (10, 2)
    assert len(result.provinces) == 2 and "Cần Thơ" in result.provinces
    assert len(result.wards) == 2
    one_ward = rollup.rollup(session, actor=admin, province="hậu giang", ward="PHƯỜNG 1")
    assert sorted(r.code for r in one_ward.rows) == ["cho-hoa", "cho-vi-thanh"]
