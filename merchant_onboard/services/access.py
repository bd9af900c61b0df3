"""Who may see and change which market: every read and write goes through these checks.

A stall of another market is reported as *not found*, not *forbidden*, so a guessed id
tells nothing about what exists (DESIGN §9).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, NotFoundError, PermissionDenied
from merchant_onboard.models import Market, Membership, Role, Stall, User


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


def sees_personal_data(user: User, market: Market) -> bool:
    """Members of the market see phones and account numbers in full.

    Admins work at district or province level and report figures: they see masked values
    (DESIGN §9: personal data only for roles that need it). Access to the market is checked
    before this is asked.
    """
    return user.role != Role.ADMIN


class MarketAccess(NamedTuple):
    """A market a user may see, and whether they may manage it."""

    market: Market
    can_manage: bool
    #: When asked for: a pair that changes whenever any stall of the market is added or
    #: changed (count of stalls, sum of their versions), for pages that remember renderings.
    stalls_version: tuple[int, int] | None = None


class StallAccess(NamedTuple):
    """A stall a user may see, its market, and whether they may manage that market."""

    stall: Stall
    market: Market
    can_manage: bool


def _manages(user: User) -> bool:
    # Asked only once membership is known: a member manager, or any admin.
    return user.role in (Role.ADMIN, Role.MANAGER)


def enter_market(session: Session, user: User, code: str, *, manage: bool = False,
                 stalls_version: bool = False) -> MarketAccess:
    """The market with ``code`` if ``user`` may see it (and manage it, when asked).

    One query answers both "does it exist" and "is the user a member": every market page
    asks this first, so it is worth not asking twice. With ``stalls_version`` it also
    answers whether the market's stalls changed (``MarketAccess.stalls_version``).
    """
    row = _take_prefetched(session, user, code, stalls_version)
    if row is None:
        queries = _VERSIONED_MARKET_ACCESS if stalls_version else _MARKET_ACCESS
        row = session.execute(queries[user.role == Role.ADMIN],
                              {"code": code, "user_id": user.id}).first()
    if row is None or row.Market is None or not row.member:
        raise NotFoundError(N_("Không tìm thấy chợ “%(code)s”."), code=code)
    if manage and not _manages(user):
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    return MarketAccess(row.Market, _manages(user),
                        (row.stall_count, row.version_sum) if stalls_version else None)


def load_user_entering_market(session: Session, user_id: int, code: str, *,
                              stalls_version: bool = False) -> User | None:
    """The active user ``user_id`` (as ``users.get_active_user``), asked in the same statement
    as the market ``code`` and the user's membership of it.

    For pages whose first step is ``enter_market(…, code)``: the login already costs a query on
    every request, and this one also answers the next, saving a round trip per page. The answer
    is kept in the session and used once, by the first ``enter_market`` for this user and code;
    access is decided there, exactly as without it.
    """
    row = session.execute(_USER_ENTERING_MARKET[stalls_version],
                          {"user_id": user_id, "code": code}).first()
    if row is None:
        return None
    session.info[_PREFETCHED] = (row.User.id, code, stalls_version, row)
    return row.User


def _take_prefetched(session: Session, user: User, code: str, stalls_version: bool) -> Any:
    found = session.info.pop(_PREFETCHED, None)
    if found is not None and found[:3] == (user.id, code, stalls_version):
        return found[3]
    return None


def require_market(session: Session, user: User, code: str, *, manage: bool = False) -> Market:
    """The market with ``code`` if ``user`` may see it (and manage it, when asked)."""
    return enter_market(session, user, code, manage=manage).market


def enter_stall(session: Session, user: User, stall_id: int, *,
                for_update: bool = False) -> StallAccess:
    """The stall ``stall_id``, its market and the user's rights there, in one query."""
    query = _STALL_ACCESS[user.role == Role.ADMIN]
    if for_update:
        # Lock the stall row only: markets and memberships are read, not written.
        query = query.with_for_update(of=Stall)
    row = session.execute(query, {"stall_id": stall_id, "user_id": user.id}).first()
    if row is None or not row.member:
        raise NotFoundError(N_("Không tìm thấy gian hàng."))
    return StallAccess(row.Stall, row.Market, _manages(user))


def require_stall(session: Session, user: User, stall_id: int, *,
                  for_update: bool = False) -> tuple[Stall, Market]:
    """The stall ``stall_id`` and its market, if ``user`` may see that market."""
    stall, market, _ = enter_stall(session, user, stall_id, for_update=for_update)
    return stall, market


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


_MARKET_ACCESS = _access_queries(Market, from_=Market.__table__,
                                 where=Market.code == sa.bindparam("code"))
# Every UPDATE of a stall raises its version by one and an INSERT adds a row (stalls are never
# deleted), so the pair only grows, whatever order concurrent writers commit in.
_STALLS_OF_MARKET = Stall.market_id == Market.id
_VERSION_COLUMNS = (
    sa.select(sa.func.count()).where(_STALLS_OF_MARKET).scalar_subquery().label("stall_count"),
    sa.select(sa.func.coalesce(sa.func.sum(Stall.version), 0)).where(_STALLS_OF_MARKET)
    .scalar_subquery().label("version_sum"),
)
_VERSIONED_MARKET_ACCESS = _access_queries(
    Market, *_VERSION_COLUMNS, from_=Market.__table__, where=Market.code == sa.bindparam("code"))

#: Where load_user_entering_market leaves its answer for enter_market (``Session.info``).
_PREFETCHED = "merchant_onboard.market_access"
# The user row, with the market named in the URL when there is one (left joins: an unknown
# market still loads the user, and enter_market then answers "not found").
_USER_MARKET = sa.outerjoin(
    sa.outerjoin(User, Market, Market.code == sa.bindparam("code")), Membership,
    sa.and_(Membership.market_id == Market.id, Membership.user_id == User.id))
_USER_ENTERING_MARKET = {
    versioned: sa.select(
        User, Market,
        sa.case((User.role == Role.ADMIN.value, sa.true()),
                else_=Membership.user_id.is_not(None)).label("member"),
        *(_VERSION_COLUMNS if versioned else ()),
    ).select_from(_USER_MARKET).where(User.id == sa.bindparam("user_id"), User.active.is_(True))
    for versioned in (False, True)
}
_STALL_ACCESS = _access_queries(Stall, Market,
                                from_=sa.join(Stall, Market, Market.id == Stall.market_id),
                                where=Stall.id == sa.bindparam("stall_id"))
