"""Market membership: who works in a market, adding an existing login and taking one out.

A manager adds and removes the volunteers of the markets they manage; an admin anyone but
themselves. Taking someone out ends their sessions and tokens (``users.revoke_sessions``),
so a page or offline copy of that market stops at once; their other markets stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, NotFoundError, ValidationError
from merchant_onboard.domain.text import name_key
from merchant_onboard.models import Event, Market, Membership, Role, User
from merchant_onboard.services import users


class MemberAdded(NamedTuple):
    """Who ``add_member`` found, and whether they were added (False: already a member)."""

    user: User
    added: bool


def add_member(session: Session, *, actor: User, market: Market,
               username: str) -> MemberAdded:
    """Add an existing login to ``market`` (access to manage it already checked); commits.

    A manager adds volunteers whose every market they manage (or who have none yet); an admin
    also adds managers, and anyone from any market. A manager who pulled in another market's
    volunteer could then take them out again, which logs them out everywhere, and would leave
    that market's manager unable to reset their password: the other market's people are
    theirs. Such a volunteer and one with no login are refused alike, so the answer does not
    tell which usernames exist. Adding a member twice is a no-op, which the result says: the
    page must not tell a manager someone was added.
    """
    typed = username.strip().lower()
    if not typed:
        raise ValidationError(N_("Nhập tên đăng nhập của người cần thêm."), field="username")
    user = session.exec(select(User).where(User.username == typed)).first()
    if actor.role != Role.ADMIN and (
            user is None or user.role != Role.VOLUNTEER
            or users.works_where_not_managed(session, actor=actor, user=user)):
        raise NotFoundError(N_("Không thêm được “%(username)s”: không có tình nguyện viên nào "
                               "có tên đăng nhập này, hoặc người này đang làm ở chợ bạn không "
                               "quản lý (nhờ quản trị viên thêm)."), username=username)
    if user is None or user.role == Role.ADMIN:
        raise NotFoundError(N_("Không tìm thấy người dùng “%(username)s”."), username=username)
    if session.get(Membership, (user.id, market.id)) is not None:
        return MemberAdded(user, added=False)
    session.add(Membership(user_id=user.id, market_id=market.id))
    users.audit(session, actor, "membership.add", user, market)
    try:
        session.commit()
    except IntegrityError:
        # Added meanwhile by another request (another manager, a double tap): the
        # membership's primary key kept one, and this add is the no-op it would have been.
        session.rollback()
        if session.get(Membership, (user.id, market.id)) is None:
            raise
        return MemberAdded(user, added=False)
    return MemberAdded(user, added=True)


def member_to_remove(session: Session, *, actor: User, market: Market, username: str) -> User:
    """The member of ``market`` whom ``actor`` may take out of it (what a confirmation names):
    a volunteer for a manager, anyone but themselves for an admin. Others are *not found*."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    membership = session.get(Membership, (user.id, market.id)) if user else None
    if membership is None or user is None or user.id == actor.id or \
            (actor.role != Role.ADMIN and user.role != Role.VOLUNTEER):
        raise NotFoundError(_NOT_A_MEMBER)
    return user


_NOT_A_MEMBER = N_("Không tìm thấy người này trong chợ.")


def remove_member(session: Session, *, actor: User, market: Market, username: str) -> User:
    """Take ``username`` out of ``market`` only (the market-scoped lock); commits.

    A manager removes volunteers, an admin anyone. Their sessions and tokens end, so a page
    or offline copy of this market stops at once; their other markets stay.
    """
    user = member_to_remove(session, actor=actor, market=market, username=username)
    removed = session.execute(sa.delete(Membership).where(Membership.user_id == user.id,
                                                          Membership.market_id == market.id))
    if removed.rowcount != 1:
        # Removed meanwhile by another request: this one finds no one, as if it came after,
        # and neither logs a second removal nor ends the sessions again.
        session.rollback()
        raise NotFoundError(_NOT_A_MEMBER)
    users.revoke_sessions(session, user)
    users.audit(session, actor, "membership.remove", user, market)
    session.commit()
    return user


@dataclass(frozen=True)
class Member:
    user: User
    #: The later of the last login and the last onboarding step recorded (None: never).
    last_activity: datetime | None


def members(session: Session, market: Market) -> list[Member]:
    """The people working in ``market``, by name (Vietnamese alphabetical order, ``name_key``),
    with their last activity there."""
    last_step = (select(sa.func.max(Event.created_at))
                 .where(Event.actor_id == User.id, Event.market_id == market.id)
                 .scalar_subquery())
    query = (select(User, last_step).join(Membership, Membership.user_id == User.id)
             .where(Membership.market_id == market.id))
    out = []
    for user, last in session.execute(query):
        times = [t for t in (user.last_login_at, last) if t is not None]
        out.append(Member(user, max(times) if times else None))
    return sorted(out, key=lambda m: (name_key(m.user.display_name), m.user.username))
