"""Who may see and change which market: every read and write goes through these checks.

A stall of another market is reported as *not found*, not *forbidden*, so a guessed id
tells nothing about what exists (DESIGN §9).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, MarketMoved, NotFoundError, PermissionDenied
from merchant_onboard.models import Market, MarketFormerCode, Membership, Role, Stall, User
from merchant_onboard.services import stall_lookup


def market_ids(session: Session, user: User) -> set[int] | None:
    """The markets ``user`` works in, or None for an admin (every market)."""
    if user.role == Role.ADMIN:
        return None
    rows = session.exec(select(Membership.market_id).where(Membership.user_id == user.id))
    return set(rows)


def scope_markets(query: sa.Select, session: Session, user: User) -> sa.Select:
    """Restrict a query over Market to those ``user`` may see."""
    ids = market_ids(session, user)
    return query if ids is None else query.where(Market.id.in_(ids or [-1]))


def can_manage(session: Session, user: User, market: Market) -> bool:
    """Managers of the market and admins set it up, import its census and print batches."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.MANAGER and market.id in (market_ids(session, user) or set())


class Surface(StrEnum):
    """Where a stall's personal data (owner's phone, account number) would be shown."""

    PAGE = "page"  # stall pages and lists, the API's JSON
    FORM = "form"  # the stall edit form
    EXPORT = "export"  # CSV and XLSX downloads
    POSTER = "poster"  # poster files: the QR spells the account out, it cannot be masked


def sees_personal_data(user: User, market: Market, surface: Surface = Surface.PAGE) -> bool:
    """The one rule (DESIGN §9) for who sees phones and account numbers in full, and where.

    Members of the market do the work with them: in full everywhere. Admins work at district
    or province level and report figures: masked on pages, forms and exports; a poster they
    download carries the account in its QR, as it must, and that download is audited
    (``audits_personal_data``). Access to the market is checked before this is asked.
    """
    if user.role != Role.ADMIN:
        return True
    return surface is Surface.POSTER


def audits_personal_data(user: User, surface: Surface) -> bool:
    """Whether showing ``surface`` to ``user`` writes a "who saw what" audit line: admins'
    exports and poster downloads (exports are audited for everyone, by their service)."""
    return user.role == Role.ADMIN and surface in (Surface.EXPORT, Surface.POSTER)


class MarketAccess(NamedTuple):
    """A market a user may see, and whether they may manage it."""

    market: Market
    can_manage: bool
    #: The zones of its stalls, when asked for (``stall_lookup.zones_from``: each as spelled).
    zones: list[str] | None = None


class StallAccess(NamedTuple):
    """A stall a user may see, its market, and whether they may manage that market."""

    stall: Stall
    market: Market
    can_manage: bool


def _manages(user: User) -> bool:
    # Asked only once membership is known: a member manager, or any admin.
    return user.role in (Role.ADMIN, Role.MANAGER)


def enter_market(session: Session, user: User, code: str, *,
                 manage: bool = False, zones: bool = False) -> MarketAccess:
    """The market with ``code`` if ``user`` may see it (and manage it, when asked).

    One query answers both "does it exist" and "is the user a member": every market page
    asks this first, so it is worth not asking twice. With ``zones`` the same query also
    reads the market's zones (``MarketAccess.zones``), which a list page offers as a filter:
    on PostgreSQL each statement is a round trip, which costs more than the query itself.
    """
    row = _take_prefetched(session, user, code, zones)
    if row is None:
        row = session.execute(_MARKET_ACCESS[user.role == Role.ADMIN, zones],
                              {"code": code, "user_id": user.id}).first()
    if row is None or row.Market is None:
        _follow_former_code(session, user, code)
    if row is None or row.Market is None or not row.member:
        raise NotFoundError(N_("Không tìm thấy chợ “%(code)s”."), code=code)
    if manage and not _manages(user):
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    return MarketAccess(row.Market, _manages(user),
                        stall_lookup.zones_from(row.zones) if zones else None)


def _follow_former_code(session: Session, user: User, code: str) -> None:
    """Raise ``MarketMoved`` when ``code`` is a former code of a market ``user`` may see.

    Asked only once no market has the code: the pages of a market found cost nothing more.
    Whoever may not see the market is told it is not found, as under its own code."""
    row = session.execute(_FORMER_CODE_ACCESS[user.role == Role.ADMIN],
                          {"code": code, "user_id": user.id}).first()
    if row is not None and row.member:
        raise MarketMoved(former=code, current=row.code)


def load_user_entering_market(session: Session, user_id: int, code: str, *,
                              zones: bool = False) -> User | None:
    """The active user ``user_id`` (as ``authentication.get_active_user``), read in the same
    statement as what ``enter_market(…, code, zones=zones)`` reads for them.

    For a request whose first step is to enter the market ``code``: loading the signed-in user
    already costs a statement, and this one answers both. The answer stays in the session for
    the first ``enter_market`` of this user, code and ``zones`` to use, once; it decides
    access from it exactly as from its own query.
    """
    row = session.execute(_USER_ENTERING_MARKET[zones], {"user_id": user_id, "code": code}).first()
    if row is None:
        return None
    session.info[_PREFETCHED] = (row.User.id, code, zones, row)
    return row.User


def _take_prefetched(session: Session, user: User, code: str, zones: bool) -> Any:
    found = session.info.pop(_PREFETCHED, None)
    if found is not None and found[:3] == (user.id, code, zones):
        return found[3]
    return None


def require_market(session: Session, user: User, code: str, *, manage: bool = False) -> Market:
    """The market with ``code`` if ``user`` may see it (and manage it, when asked)."""
    return enter_market(session, user, code, manage=manage).market


def enter_stall(session: Session, user: User, stall_id: int) -> StallAccess:
    """The stall ``stall_id``, its market and the user's rights there, in one query.

    It takes no lock: the services that write a stall lock its row themselves
    (``onboarding.lock_stall``, on its version) after access was decided from this answer."""
    query = _STALL_ACCESS[user.role == Role.ADMIN]
    row = session.execute(query, {"stall_id": stall_id, "user_id": user.id}).first()
    if row is None or not row.member:
        raise NotFoundError(N_("Không tìm thấy gian hàng."))
    return StallAccess(row.Stall, row.Market, _manages(user))


def require_stall(session: Session, user: User, stall_id: int) -> tuple[Stall, Market]:
    """The stall ``stall_id`` and its market, if ``user`` may see that market."""
    stall, market, _ = enter_stall(session, user, stall_id)
    return stall, market


# Built once, at import: before a mutation run (bench/mutation.py) can switch a mutant on, so
# no test could notice a change made here, and mutmut is told to make none. The queries
# themselves run in every test of tests/services/test_access.py, for every role.
# pragma: no mutate start
def _access_queries(*entities: Any, from_: sa.FromClause, where: sa.ColumnElement[bool]
                    ) -> dict[bool, sa.Select]:
    """``entities`` with a ``member`` column: for admins (key True) always true, for others
    whether they belong to the market. Built once: market and stall pages ask on every
    request."""
    membership = sa.and_(Membership.market_id == Market.id,
                         Membership.user_id == sa.bindparam("user_id"))
    return {
        True: sa.select(*entities, sa.literal(True).label("member")).select_from(from_)
        .where(where),
        False: sa.select(*entities, Membership.user_id.is_not(None).label("member"))
        .select_from(sa.outerjoin(from_, Membership, membership)).where(where),
    }


_MARKET_ACCESS = {
    (admin, with_zones): query
    for with_zones in (False, True)
    for admin, query in _access_queries(
        Market, *([stall_lookup.market_zones_column()] if with_zones else []),
        from_=Market.__table__, where=Market.code == sa.bindparam("code")).items()
}
_FORMER_CODE_ACCESS = _access_queries(
    Market.code, from_=sa.join(MarketFormerCode, Market, Market.id == MarketFormerCode.market_id),
    where=MarketFormerCode.code == sa.bindparam("code"))
#: Where load_user_entering_market leaves its answer for enter_market (``Session.info``).
_PREFETCHED = "merchant_onboard.market_access"
# The user's row with the market of the code and the user's membership of it: left joins, so
# an unknown market still loads the user (and enter_market answers "not found").
_USER_ENTERING_MARKET = {
    with_zones: sa.select(
        User, Market,
        sa.case((User.role == Role.ADMIN.value, sa.true()),
                else_=Membership.user_id.is_not(None)).label("member"),
        *([stall_lookup.market_zones_column()] if with_zones else []),
    ).select_from(sa.outerjoin(
        sa.outerjoin(User, Market, Market.code == sa.bindparam("code")), Membership,
        sa.and_(Membership.market_id == Market.id, Membership.user_id == User.id)),
    ).where(User.id == sa.bindparam("user_id"), User.active.is_(True))
    for with_zones in (False, True)
}
_STALL_ACCESS = _access_queries(Stall, Market,
                                from_=sa.join(Stall, Market, Market.id == Stall.market_id),
                                where=Stall.id == sa.bindparam("stall_id"))
# pragma: no mutate end
