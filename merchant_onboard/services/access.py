"""Who may see and change which market: every read and write goes through these checks.

A stall of another market is reported as *not found*, not *forbidden*, so a guessed id
tells nothing about what exists (DESIGN §9).
"""

from __future__ import annotations

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


def require_market(session: Session, user: User, code: str, *, manage: bool = False) -> Market:
    """The market with ``code`` if ``user`` may see it (and manage it, when asked)."""
    market = session.exec(select(Market).where(Market.code == code)).first()
    ids = market_ids(session, user)
    if market is None or (ids is not None and market.id not in ids):
        raise NotFoundError(N_("Không tìm thấy chợ “%(code)s”."), code=code)
    if manage and not can_manage(session, user, market):
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    return market


def require_stall(session: Session, user: User, stall_id: int, *,
                  for_update: bool = False) -> tuple[Stall, Market]:
    """The stall ``stall_id`` and its market, if ``user`` may see that market."""
    query = select(Stall).where(Stall.id == stall_id)
    if for_update:
        query = query.with_for_update()
    stall = session.exec(query).first()
    ids = market_ids(session, user)
    if stall is None or (ids is not None and stall.market_id not in ids):
        raise NotFoundError(N_("Không tìm thấy gian hàng."))
    market = session.get(Market, stall.market_id)
    assert market is not None
    return stall, market
