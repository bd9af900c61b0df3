"""Every market in one table with the same headline figures: the administrators' roll-up.

One ``GROUP BY market_id, status`` over the stall index gives at most eight small rows per
market; the headline of each market is then computed by the same pure function the dashboard
uses, so the two can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, PermissionDenied
from merchant_onboard.domain.figures import Headline, headline, sum_headlines
from merchant_onboard.domain.text import name_key, one_spelling_each, spellings_of
from merchant_onboard.models import Market, Role, Stall, User


@dataclass(frozen=True)
class RollupRow:
    """One market's line of the roll-up."""

    code: str
    name: str
    province: str
    ward: str
    headline: Headline


#: Sortable columns: name → key of a row (text sorts ignore accents and case).
SORT_KEYS: dict[str, Callable[[RollupRow], Any]] = {
    "name": lambda r: name_key(r.name),
    "province": lambda r: (name_key(r.province), name_key(r.ward), name_key(r.name)),
    "census": lambda r: r.headline.census,
    "registered": lambda r: r.headline.registered,
    "installed": lambda r: r.headline.installed,
    "test_verified": lambda r: r.headline.test_verified,
    "first_paid": lambda r: r.headline.first_paid,
    "adoption": lambda r: r.headline.adoption if r.headline.adoption is not None else -1.0,
}


@dataclass(frozen=True)
class Rollup:
    """A page of the roll-up, its totals over every filtered market, and the filter choices."""

    rows: list[RollupRow]
    count: int
    totals: Headline
    page: int
    pages: int
    provinces: list[str]
    wards: list[str]


def require_admin(user: User) -> None:
    """The roll-up shows every market: administrators only."""
    if user.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới xem được báo cáo tổng hợp."))


def place_filter(province: str, ward: str) -> tuple[str, str]:
    """The province and ward a roll-up filters by. A ward is chosen within a province, never
    alone: "Phường 1" names a ward in many towns, and alone would total them all as one."""
    return province, ward if province else ""


def _places(session: Session, province: str) -> tuple[list[str], list[str]]:
    """Every stored spelling of the provinces, and of the wards of ``province`` (each however
    it is spelled: "HẬU GIANG" is Hậu Giang). Markets are few: compared in Python, as
    ``zone_key`` does, rather than in SQL, where SQLite's lower() folds ASCII only; and in
    Vietnamese alphabetical order, which neither database's collation gives."""
    provinces = _in_order(session.exec(select(Market.province).distinct()))
    chosen = spellings_of(province, provinces) if province else []
    wards = _in_order(session.exec(select(Market.ward).distinct()
                                  .where(Market.province.in_(chosen)))) if chosen else []
    return provinces, wards


def _in_order(names: Iterable[str]) -> list[str]:
    return sorted((name for name in names if name), key=lambda name: (name_key(name), name))


def rollup_rows(session: Session, *, province: str = "", ward: str = "", sort: str = "name",
                descending: bool = False) -> list[RollupRow]:
    """Every market matching the filters (``place_filter``, each name however it is
    spelled), with its headline figures, sorted."""
    province, ward = place_filter(province, ward)
    markets = select(Market.id, Market.code, Market.name, Market.province, Market.ward,
                     Market.census_size, Market.target_pct)
    counted = select(Stall.market_id, Stall.status, sa.func.count())
    if province:
        provinces, wards = _places(session, province)
        chosen = select(Market.id).where(Market.province.in_(spellings_of(province, provinces)))
        if ward:
            chosen = chosen.where(Market.ward.in_(spellings_of(ward, wards)))
        markets = markets.where(Market.id.in_(chosen))
        counted = counted.where(Stall.market_id.in_(chosen))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for market_id, status, n in session.exec(counted.group_by(Stall.market_id, Stall.status)):
        counts[market_id][status] = n
    rows = [RollupRow(code, name, prov, wd, headline(counts.get(id_, {}), declared=declared,
                                                      target_pct=target))
            for id_, code, name, prov, wd, declared, target in session.exec(markets)]
    key = SORT_KEYS.get(sort, SORT_KEYS["name"])
    # Ties (markets at 0 %, of one size) by name either way, not in the database's order: a
    # sort keeps the order of equal rows, even reversed.
    by_name = sorted(rows, key=lambda r: (name_key(r.name), r.code))
    return sorted(by_name, key=key, reverse=descending)


def rollup(session: Session, *, actor: User, province: str = "", ward: str = "",
           sort: str = "name", descending: bool = False, page: int = 1,
           per_page: int = 100) -> Rollup:
    """One page of the roll-up for an administrator, with totals over all filtered markets."""
    require_admin(actor)
    rows = rollup_rows(session, province=province, ward=ward, sort=sort, descending=descending)
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    # The wards of the chosen province only (see place_filter).
    provinces, wards = _places(session, province)
    return Rollup(rows=rows[(page - 1) * per_page: page * per_page], count=len(rows),
                  totals=sum_headlines(r.headline for r in rows), page=page, pages=pages,
                  provinces=one_spelling_each(provinces), wards=one_spelling_each(wards))
