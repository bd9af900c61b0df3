"""Logins: usernames, creating logins, passwords and sessions, and the admins' changes.

Who may change whom:
- an admin creates managers and volunteers, resets anyone's password, and alone locks or
  unlocks a whole login, corrects its display name or moves it between manager and volunteer;
- a manager creates volunteers for the markets they manage and resets the passwords of
  volunteers who work only in markets they manage (a reset is a way in as that person).
Every such change is audited with its actor (``audit``), and every change that takes a right
away raises the login's session generation (``revoke_sessions``), which ends its sessions and
tokens. Signing in is ``authentication``; who works in which market, ``membership``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from merchant_onboard.domain.edits import changes_made_here
from merchant_onboard.domain.errors import (
    N_, ConflictError, DomainError, FormErrors, NotFoundError, PermissionDenied, ValidationError,
)
from merchant_onboard.domain.passwords import password_problem, temporary_password
from merchant_onboard.domain.text import clean_text, name_key
from merchant_onboard.models import AuditEntry, Market, Membership, Role, User
from merchant_onboard.services import access, authentication
from merchant_onboard.services import markets as markets_service

#: werkzeug's default (scrypt); the test suite lowers it, since hashing cost is not under test.
PASSWORD_METHOD = "scrypt"

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: A username as it may be typed (it is lower-cased): the API document's pattern.
USERNAME_PATTERN = USERNAME_RE.pattern.replace("a-z", "a-zA-Z")
DISPLAY_NAME_MAX = 120


def clean_username(value: str) -> str:
    """``value`` as a username is stored (lower-cased), or a ValidationError."""
    username = value.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            N_("Tên đăng nhập gồm 2–64 chữ thường không dấu, số, dấu chấm, gạch ngang, "
               "gạch dưới."),
            field="username")
    return username


def clean_display_name(value: str) -> str:
    """A person's name as shown: one line, single spaces ("Quản   lý Hai" is "Quản lý Hai")."""
    name = clean_text(value, field="display_name", max_length=DISPLAY_NAME_MAX)
    return re.sub(r"\s+", " ", name)


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str = "", market_codes: tuple[str, ...] | list[str] = (),
                actor: User | None = None, must_change_password: bool = False) -> User:
    """Create a login, optionally a member of some markets; commits.

    Whether ``actor`` may is checked by the caller (``create_login`` for people; the CLI and
    the demo act as the operator). A market may be named by a former code: the login works
    in the market that had it.
    """
    username = username.strip().lower()
    market_codes = _each_once(market_codes)
    errors: list[DomainError] = []
    try:
        clean_username(username)
    except ValidationError as error:
        errors.append(error)
    try:
        display_name = clean_display_name(display_name)
    except ValidationError as error:
        errors.append(error)
    problem = password_problem(password, username=username, market_codes=market_codes)
    if problem is not None:
        errors.append(problem)
    if role not in {r.value for r in Role}:
        errors.append(ValidationError(N_("Vai trò không hợp lệ."), field="role"))
    markets = []
    for code in market_codes:
        market = markets_service.market_by_code(session, code)
        if market is None:
            errors.append(ValidationError(N_("Không tìm thấy chợ “%(code)s”."),
                                          field="markets", code=code))
        elif all(market.id != found.id for found in markets):
            # A market named by its code and by a former one is one membership.
            markets.append(market)
    taken = None
    if session.exec(select(User.id).where(User.username == username)).first():
        taken = ConflictError(N_("Tên đăng nhập “%(username)s” đã có."), field="username",
                              username=username)
    if errors:
        # A name taken is said with the other mistakes, not in a second round once they are
        # fixed (the password typed is gone by then).
        raise FormErrors([taken, *errors] if taken else errors)
    if taken:
        raise taken
    user = User(username=username, display_name=display_name or username,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                role=role, must_change_password=must_change_password)
    session.add(user)
    try:
        session.flush()
        for market in markets:
            session.add(Membership(user_id=user.id, market_id=market.id))
        # Made for one market (its team page), the log's market column names it.
        audit(session, actor, "user.create", user, markets[0] if len(markets) == 1 else None,
              data={"role": role, "markets": [market.code for market in markets]})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("Tên đăng nhập “%(username)s” đã có."), field="username",
                            username=username) from None
    return user


def _each_once(market_codes: tuple[str, ...] | list[str]) -> list[str]:
    """Market codes as typed around spaces, each once: a market named twice is one
    membership (its primary key would refuse the second)."""
    return list(dict.fromkeys(code.strip() for code in market_codes))


@dataclass(frozen=True)
class NewLogin:
    user: User
    #: Shown once when no password was given: it must be changed at the first login.
    temporary_password: str | None
    #: The codes of the markets it works in, each once.
    market_codes: list[str]


def create_login(session: Session, *, actor: User, username: str, role: str,
                 display_name: str = "", password: str | None = None,
                 market_codes: list[str] | tuple[str, ...] = ()) -> NewLogin:
    """``actor`` creates a manager or volunteer login for some markets; commits.

    Without ``password`` a temporary one is made, returned once, and must be changed at the
    first login.
    """
    market_codes = _each_once(market_codes)
    _check_may_create(session, actor, role, market_codes)
    temporary = temporary_password() if password is None else None
    user = create_user(session, username=username, password=password or temporary or "",
                       role=role, display_name=display_name, market_codes=market_codes,
                       actor=actor, must_change_password=temporary is not None)
    return NewLogin(user, temporary, market_codes)


def _check_may_create(session: Session, actor: User, role: str, codes: list[str]) -> None:
    if role not in (Role.MANAGER, Role.VOLUNTEER):
        raise ValidationError(N_("Chỉ tạo được tài khoản quản lý chợ hoặc tình nguyện viên."),
                              field="role")
    if actor.role == Role.ADMIN:
        return
    if actor.role != Role.MANAGER or role != Role.VOLUNTEER:
        raise PermissionDenied(N_("Chỉ quản trị viên mới tạo được tài khoản quản lý chợ."))
    if not codes:
        raise ValidationError(N_("Chọn ít nhất một chợ."), field="markets")
    for code in codes:
        access.require_market(session, actor, code, manage=True)


_CURRENT_PASSWORD_REFUSALS = (
    N_("Vui lòng đợi %(seconds)s giây rồi nhập lại mật khẩu hiện tại."),
    N_("Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút."))


def revoke_sessions(session: Session, user: User) -> None:
    """Raise the session generation: every cookie and token issued before stops working."""
    session.execute(sa.update(User).where(User.id == user.id)
                    .values(session_epoch=User.session_epoch + 1))
    session.refresh(user)


def audit(session: Session, actor: User | None, action: str, target: User,
           market: Market | None = None, data: dict | None = None) -> None:
    session.add(AuditEntry(actor_id=actor.id if actor else None, action=action,
                           target=target.username, market_id=market.id if market else None,
                           data=data or {}))


def end_all_sessions(session: Session, *, user: User) -> User:
    """Log ``user`` out everywhere (logout): every session, remember cookie and token; commits."""
    revoke_sessions(session, user)
    audit(session, user, "sessions.end", user)
    session.commit()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """The operator sets a password (demo, command line); ends the user's sessions; commits.

    Audited without an actor: whoever runs the server's command line is no login."""
    _store_password(session, user, password, must_change=False)
    audit(session, None, "password.reset", user, data={"by": "operator"})
    session.commit()


def _store_password(session: Session, user: User, password: str, *, must_change: bool) -> None:
    problem = password_problem(password, username=user.username,
                               market_codes=market_codes(session, user))
    if problem is not None:
        raise problem
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.must_change_password = must_change
    session.add(user)
    session.flush()
    revoke_sessions(session, user)


def market_codes(session: Session, user: User) -> list[str]:
    """The codes of the markets ``user`` works in, in order."""
    return list(session.exec(select(Market.code).join(Membership)
                             .where(Membership.user_id == user.id).order_by(Market.code)))


def change_password(session: Session, *, user: User, current_password: str,
                    new_password: str, address: str,
                    limits: authentication.LoginLimits) -> User:
    """``user`` changes their own password, knowing the current one; commits.

    The current password is a guess like a login's, counted under the same throttle.
    Every session and token of the user ends, this one included: the caller logs the user in
    again under the new generation.
    """
    keys = authentication.reserve_guess(session, limits, user.username, address,
                                        _CURRENT_PASSWORD_REFUSALS)
    if not check_password_hash(user.password_hash, current_password):
        raise ValidationError(N_("Mật khẩu hiện tại không đúng."), field="current_password")
    authentication.forgive_guess(session, keys)
    session.commit()
    if check_password_hash(user.password_hash, new_password):
        raise ValidationError(N_("Mật khẩu mới phải khác mật khẩu hiện tại."),
                              field="new_password")
    # Chosen in place of a reset's temporary password (the first login after it): the log
    # says so, as it says a reset link's ("by": "link").
    after_reset = user.must_change_password
    try:
        _store_password(session, user, new_password, must_change=False)
    except ValidationError as error:
        raise ValidationError(error.message, field="new_password", **error.params) from None
    audit(session, user, "password.change", user,
          data={"by": "temporary"} if after_reset else None)
    session.commit()
    return user


def reset_link_owner(session: Session, *, user_id: int, epoch: int) -> User:
    """The login a reset link issued under generation ``epoch`` is for, while it is unused."""
    user = session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.must_change_password:
        raise NotFoundError(N_("Liên kết đặt lại mật khẩu đã hết hạn hoặc đã được dùng."))
    if not user.active:
        # Said as it is: "expired or used" sent the person back for another link, which
        # would not have worked either.
        raise PermissionDenied(N_("Tài khoản này đang bị khoá: liên kết dùng được khi quản "
                                  "trị viên mở khoá tài khoản."))
    return user


def set_password_from_link(session: Session, *, user_id: int, epoch: int,
                           new_password: str) -> User:
    """Choose a new password through a reset link issued under generation ``epoch``; commits.

    The link works once: choosing the password raises the generation past it.
    """
    user = reset_link_owner(session, user_id=user_id, epoch=epoch)
    try:
        _store_password(session, user, new_password, must_change=False)
    except ValidationError as error:
        raise ValidationError(error.message, field="new_password", **error.params) from None
    audit(session, user, "password.change", user, data={"by": "link"})
    session.commit()
    return user


class AlreadyReset(ConflictError):
    """The same reset sent again (the answer's page reloaded): it was done, and its password
    or link was shown once; doing it again would end the one just given."""


def reset_password(session: Session, *, actor: User, username: str,
                   market: Market | None = None, by: str = "temporary",
                   request_id: str | None = None) -> tuple[User, str]:
    """``actor`` resets the password of ``username``: a temporary one, to be changed at the
    first login, returned once; every session and token of that user ends; commits.

    ``by``: how the person gets in ("temporary" password or reset "link"), and ``market``
    the team it was done from, both for the audit log. ``request_id``: the confirmation's
    own id; the same one sent again raises :class:`AlreadyReset` and changes nothing."""
    user = _user_managed_by(session, actor, username)
    if request_id and request_id in _recent_reset_requests(session, actor, user):
        raise AlreadyReset(N_("Mật khẩu của %(username)s đã được đặt lại bằng lần gửi này. "
                              "Mật khẩu tạm hoặc liên kết chỉ hiện một lần: nếu chưa ghi lại, "
                              "hãy đặt lại lần nữa."), username=user.username)
    temporary = temporary_password()
    user.password_hash = generate_password_hash(temporary, method=PASSWORD_METHOD)
    user.must_change_password = True
    session.add(user)
    session.flush()
    revoke_sessions(session, user)
    data = {"by": by, **({"request": request_id} if request_id else {})}
    audit(session, actor, "password.reset", user, market, data=data)
    session.commit()
    return user, temporary


def _recent_reset_requests(session: Session, actor: User, user: User) -> set[str]:
    """The confirmation ids of ``actor``'s last resets of ``user`` (a reload comes soon)."""
    rows = session.exec(select(AuditEntry.data).where(
        AuditEntry.action == "password.reset", AuditEntry.target == user.username,
        AuditEntry.actor_id == actor.id).order_by(AuditEntry.id.desc()).limit(20))
    return {data.get("request") for data in rows if data.get("request")}


def login_to_reset(session: Session, *, actor: User, username: str) -> User:
    """The login whose password ``actor`` may reset (what a confirmation names), by
    ``_user_managed_by``'s rule; others are *not found*."""
    return _user_managed_by(session, actor, username)


def _user_managed_by(session: Session, actor: User, username: str) -> User:
    """The login ``username`` if ``actor`` may reset or lock it: anyone but themselves for
    an admin, for a manager a volunteer whose every market they manage. Someone the actor
    may not know of is *not found*.

    A reset shows its author a way in as that person: a volunteer who also works in a market
    the manager does not manage (one added from another market, say) would open that market
    to the manager, so only an admin resets them.
    """
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is not None and user.id != actor.id:
        if actor.role == Role.ADMIN:
            return user
        if actor.role == Role.MANAGER and user.role == Role.VOLUNTEER:
            shared = session.exec(select(Membership.market_id).where(
                Membership.user_id == user.id,
                Membership.market_id.in_(_managed_market_ids(session, actor)))).first()
            if shared is not None and not user.active:
                # An admin locked the login: its password is the admin's to reset, once
                # they unlock it (a manager's reset gave a link that could not be used).
                raise PermissionDenied(
                    N_("%(username)s đang bị khoá: chỉ quản trị viên mới đặt lại được mật "
                       "khẩu của người này."), username=user.username)
            if shared is not None and not _working_elsewhere(session, actor, [user.id]):
                return user
            if shared is not None:
                raise PermissionDenied(
                    N_("%(username)s còn làm ở chợ bạn không quản lý: chỉ quản trị viên mới "
                       "đặt lại được mật khẩu của người này."), username=user.username)
    raise NotFoundError(N_("Không tìm thấy người dùng “%(username)s”."), username=username)


def _managed_market_ids(session: Session, actor: User) -> sa.Select:
    return select(Membership.market_id).where(Membership.user_id == actor.id)


def _working_elsewhere(session: Session, actor: User, user_ids: Sequence[int]) -> set[int]:
    """Those of ``user_ids`` who work in a market ``actor`` does not manage."""
    return set(session.exec(
        select(Membership.user_id).distinct().where(
            Membership.user_id.in_(user_ids),
            Membership.market_id.not_in(_managed_market_ids(session, actor)))))


def works_where_not_managed(session: Session, *, actor: User, user: User) -> bool:
    """Whether ``user`` works in a market ``actor`` does not manage."""
    return bool(_working_elsewhere(session, actor, [user.id]))


def resettable(session: Session, *, actor: User, people: Sequence[User]) -> set[int]:
    """The ids of those among ``people`` (a market's team) whose password ``actor`` may
    reset, by ``_user_managed_by``'s rule, so that the team page offers the reset to them
    only."""
    if actor.role == Role.ADMIN:
        return {person.id for person in people if person.id != actor.id}
    if actor.role != Role.MANAGER:
        return set()
    volunteers = [person.id for person in people
                  if person.role == Role.VOLUNTEER and person.active]
    return set(volunteers) - _working_elsewhere(session, actor, volunteers)


#: The actor's own row, beside the row a lock changes (``set_login_active``).
_actor_row = aliased(User, name="actor")


def _active_admin(user_id: int) -> sa.ColumnElement[bool]:
    """Whether ``user_id`` is an active admin, as the database has it now."""
    return sa.exists().where(_actor_row.id == user_id, _actor_row.active.is_(True),
                             _actor_row.role == Role.ADMIN)


def login_to_lock(session: Session, *, actor: User, username: str) -> User:
    """The login an admin ``actor`` may lock or unlock (what a confirmation names): anyone's
    but their own."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới khoá được cả tài khoản."))
    user = require_user(session, username)
    if user.id == actor.id:
        # Said plainly rather than "not found": the list of logins shows one's own.
        raise PermissionDenied(N_("Không thể tự khoá tài khoản của chính mình."))
    return user


def set_login_active(session: Session, *, actor: User, username: str, active: bool) -> User:
    """An admin locks a whole login (every market, every session) or unlocks it; commits.

    Unlocking does not bring back the sessions that locking ended: their generation is past.
    A login already as asked (another admin locked it meanwhile, say) is left as it is, and
    the log does not say this admin changed it. (``update_login`` holds the rules.)
    """
    return update_login(session, actor=actor, username=username, active=active)


#: The roles an admin moves a login between; admins are made on the command line.
_MOVABLE_ROLES = (Role.MANAGER, Role.VOLUNTEER)


def login_to_change(session: Session, *, actor: User, username: str) -> User:
    """The login whose name and role an admin ``actor`` may change (what its page shows):
    not an admin's (one's own included)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới sửa được tài khoản."))
    user = require_user(session, username)
    if user.role == Role.ADMIN:
        raise PermissionDenied(N_("Tài khoản quản trị chỉ sửa được bằng dòng lệnh."))
    return user


def change_login(session: Session, *, actor: User, username: str, display_name: str,
                 role: str, shown: Mapping[str, Any] | None = None) -> User:
    """An admin corrects a login's display name or moves it between manager and volunteer
    (a volunteer who becomes the market's manager); commits.

    Its markets stay: a volunteer made a manager manages the markets they worked in. A manager
    made a volunteer loses rights, so their sessions and tokens end, as with any change that
    takes a right away. An admin's login (and one's own) is not changed here. Nothing
    changed, nothing is written. ``shown``: what the admin's page showed; a field left as
    shown stays as another admin may have set it meanwhile (``domain.edits``). (``update_login``
    holds the rules.)
    """
    return update_login(session, actor=actor, username=username, display_name=display_name,
                        role=role, shown=shown)


def update_login(session: Session, *, actor: User, username: str,
                 display_name: str | None = None, role: str | None = None,
                 active: bool | None = None, shown: Mapping[str, Any] | None = None) -> User:
    """An admin changes what is given (None: left as it is) of a login: its display name
    (empty: the username) and role, on an admin's login never (``login_to_change``), and
    whether it is active (``login_to_lock``); commits once, or writes nothing when nothing
    given differs from what is stored. The web's pages give a name and role, or a lock; the
    API any of them, all or nothing.

    A lock, or a manager made a volunteer, ends the login's sessions and tokens. Each kind of
    change is logged as its page logs it: ``user.update`` with the changes, ``user.lock`` or
    ``user.unlock``.

    An admin locked meanwhile changes nothing. Two admins locking each other at once were
    both let in while both were active, and each locked the other: no admin was left. So the
    actor's own login is part of the change: on PostgreSQL both rows are locked first, in id
    order (the second request waits for the first, without a deadlock, and then sees what it
    did), and the update itself requires the actor to be an active admin still, which on
    SQLite (one writer at a time, reading the latest data) is the whole guard. A login that
    became meanwhile what was asked (another admin locked it, say) is left as it is, and the
    log does not say this admin changed it; one changed otherwise meanwhile is a conflict.
    """
    editing = display_name is not None or role is not None
    user = (login_to_change if editing else login_to_lock)(session, actor=actor,
                                                           username=username)
    errors: list[DomainError] = []
    if display_name is not None:
        try:
            display_name = clean_display_name(display_name) or user.username
        except ValidationError as error:
            errors.append(error)
    if role is not None and role not in {r.value for r in _MOVABLE_ROLES}:
        errors.append(ValidationError(N_("Chọn vai trò quản lý chợ hoặc tình nguyện viên."),
                                      field="role"))
    if errors:
        raise FormErrors(errors)
    wanted = {field: value for field, value in
              (("display_name", display_name), ("role", role), ("active", active))
              if value is not None}
    if not wanted:
        return user
    session.execute(select(User.id).where(User.id.in_([actor.id, user.id]))
                    .order_by(User.id).with_for_update())
    session.refresh(user)
    if shown is not None:
        # Read under the lock: what another admin saved since this page was shown stands.
        try:
            made_here = changes_made_here(wanted, shown, {f: getattr(user, f) for f in wanted})
        except FormErrors:
            session.rollback()
            raise
        wanted = {field: value for field, value in wanted.items()
                  if field not in shown or field in made_here}
    was = {field: getattr(user, field) for field in wanted}
    changes = {field: [was[field], new] for field, new in wanted.items() if was[field] != new}
    if not changes:
        session.rollback()
        return user
    values: dict = {field: new for field, (_old, new) in changes.items()}
    if active is False or changes.get("role") == [Role.MANAGER, Role.VOLUNTEER]:
        values["session_epoch"] = User.session_epoch + 1
    updated = session.execute(sa.update(User).where(
        User.id == user.id, _active_admin(actor.id),
        *(getattr(User, field) == old for field, old in was.items())).values(**values))
    if updated.rowcount != 1:
        session.rollback()
        if not session.scalar(sa.select(_active_admin(actor.id))):
            raise PermissionDenied(N_("Tài khoản của bạn vừa bị khoá."))
        session.refresh(user)
        if all(getattr(user, field) == new for field, new in wanted.items()):
            return user
        raise ConflictError(N_("Tài khoản này vừa được thay đổi. Hãy tải lại trang."))
    session.refresh(user)
    if "active" in changes:
        audit(session, actor, "user.unlock" if active else "user.lock", user)
    edits = {field: change for field, change in changes.items() if field != "active"}
    if edits:
        audit(session, actor, "user.update", user, data={"changes": edits})
    session.commit()
    return user


def list_logins(session: Session, *, actor: User) -> list[tuple[User, list[str]]]:
    """Every login with the codes of its markets (``all_logins``), for an admin ``actor``."""
    _require_admin_reader(actor)
    return all_logins(session)


def login_of(session: Session, *, actor: User, username: str) -> tuple[User, list[str]]:
    """One login with the codes of its markets, for an admin ``actor``."""
    _require_admin_reader(actor)
    user = require_user(session, username)
    return user, market_codes(session, user)


def _require_admin_reader(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Chỉ quản trị viên mới xem được các tài khoản."))


def all_logins(session: Session) -> list[tuple[User, list[str]]]:
    """Every login with the codes of its markets, admins first, then managers, then
    volunteers, each by name in Vietnamese alphabetical order (``name_key``: no database
    collation gives it), as the admins' page lists them."""
    # Market codes are [a-z0-9-]: a comma cannot be part of one.
    codes = (select(sa.func.aggregate_strings(Market.code, ","))
             .join(Membership, Membership.market_id == Market.id)
             .where(Membership.user_id == User.id).scalar_subquery())
    rows = [(user, sorted((joined or "").split(",")) if joined else [])
            for user, joined in session.execute(select(User, codes))]
    return sorted(rows, key=lambda row: (_ROLE_ORDER.get(row[0].role, len(_ROLE_ORDER)),
                                         name_key(row[0].display_name), row[0].username))


#: How the logins page groups logins.
_ROLE_ORDER = {Role.ADMIN.value: 0, Role.MANAGER.value: 1, Role.VOLUNTEER.value: 2}


def require_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFoundError(N_("Không tìm thấy người dùng “%(username)s”."), username=username)
    return user
