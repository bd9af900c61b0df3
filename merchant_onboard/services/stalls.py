"""Registering stalls, editing them and changing their bank account (reading them: stall_lookup)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.codes import new_public_code
from merchant_onboard.domain.edits import changes_made_here, shown_as_stored
from merchant_onboard.domain.errors import (
    N_, ConflictError, FormErrors, PermissionDenied, ValidationError,
)
from merchant_onboard.domain.funnel import EventKind, Status
from merchant_onboard.domain.registration import (
    AccountDetails, clean_account, clean_details, clean_stall_code,
)
from merchant_onboard.domain.text import (
    code_key, fold_search, natural_key, normalize_phone, search_spelling, zone_key,
)
from merchant_onboard.models import Event, Market, PaymentAccount, Poster, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access
from merchant_onboard.services.onboarding import (
    Outcome, check_client_id, commit_once, idempotent, lock_stall, primary_account, replay,
    write_event,
)


class PhoneInUse(ConflictError):
    """The phone already belongs to another stall of the market: a warning the volunteer may
    confirm (one owner often runs two stalls)."""


def label(stall: Stall) -> str:
    """How a stall is named in messages: ``A-12 · Tạp hoá Cô Ba``."""
    return f"{stall.stall_code} · {stall.shop_name}" if stall.shop_name else stall.stall_code


def search_text(details: Mapping[str, Any]) -> str:
    parts = (details.get("stall_code", ""), details.get("shop_name", ""),
             details.get("owner_name", ""))
    return search_spelling(fold_search(" ".join(p for p in parts if p)))[:600]


def register_stall(session: Session, *, actor: User, market: Market, raw: Mapping[str, Any],
                   client_id: str, stall: Stall | None = None, confirm_phone: bool = False,
                   at: datetime | None = None) -> Outcome:
    """Register a new stall, or a census or refused stall, with its primary bank account;
    commits.

    A retried request (same ``client_id``) returns the first result and writes nothing. A
    refused stall registered again with another account has it replaced as an account change
    would: the old one demoted, its posters revoked.
    """
    client_id = check_client_id(client_id)
    own_id = stall.id if stall else None
    if stall is not None:
        raw = _kept_on_registration(actor, market, stall, raw)

    def say_who_holds_it() -> None:
        # A unique index caught a concurrent registration of the same code or account: say
        # which stall holds it, as the check before the write would have.
        details, account = _clean_registration(raw)
        _check_duplicates(session, market=market, details=details, account=account,
                          own_id=own_id, confirm_phone=True)

    return idempotent(
        session, client_id, kind=EventKind.REGISTERED.value, stall_id=own_id,
        market_id=market.id, on_integrity_error=say_who_holds_it,
        operation=lambda: _register(session, actor=actor, market=market, raw=raw,
                                    client_id=client_id, stall=stall,
                                    confirm_phone=confirm_phone, at=at or utcnow()))


#: A census or refused stall's own fields a registration that leaves them out keeps: the
#: census form does not send what its page does not offer (the page a phone keeps for a stall
#: never opened has no phone, trade or notes), nor does an API client that sends only the
#: account; what the commune's sheet said stays.
_KEPT_ON_REGISTRATION = ("zone", "shop_name", "owner_name", "owner_phone", "category", "notes")


def _kept_on_registration(actor: User, market: Market, stall: Stall,
                          raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """``raw`` with the stall's own value of each field it leaves out. Who sees the stall's
    phone masked (an admin) leaves it as it is: sending another is refused, as the edit's."""
    if ("owner_phone" in raw and stall.owner_phone
            and not access.sees_personal_data(actor, market, access.Surface.FORM)
            and not _same_phone(raw["owner_phone"], stall.owner_phone)):
        raise PermissionDenied(N_("Chỉ thành viên của chợ xem và sửa được số điện thoại."),
                               field="owner_phone")
    return {**{field: getattr(stall, field) for field in _KEPT_ON_REGISTRATION
               if field not in raw}, **raw}


def _same_phone(typed: Any, stored: str) -> bool:
    try:
        return normalize_phone(str(typed or "")) == stored
    except ValidationError:
        return False


def _register(session: Session, *, actor: User, market: Market, raw: Mapping[str, Any],
              client_id: str, stall: Stall | None, confirm_phone: bool,
              at: datetime) -> Outcome:
    own_id = stall.id if stall else None
    try:
        details, account = _clean_registration(raw)
    except FormErrors as error:
        # A code already taken, and a phone another stall has, are said with the other
        # mistakes, not in a second round once they are fixed.
        taken = _code_taken(session, market=market, raw=raw, own_id=own_id)
        if taken is not None:
            error.errors.insert(0, taken)
        shared = None if confirm_phone else _phone_in_use(session, market=market, raw=raw,
                                                           own_id=own_id)
        if shared is not None:
            error.errors.append(shared)
        raise
    if stall is not None and stall.status not in (Status.CENSUS, Status.REFUSED):
        raise ConflictError(N_("Gian hàng %(stall)s đã đăng ký rồi."), existing_id=stall.id,
                            stall=label(stall))
    _check_duplicates(session, market=market, details=details, account=account,
                      own_id=own_id, confirm_phone=confirm_phone)

    def write() -> tuple[Event, Stall]:
        row = stall or Stall(market_id=market.id, public_code=unused_public_code(session),
                             created_at=at, status=Status.CENSUS.value)
        data = _account_data(account)
        if stall is not None:
            lock_stall(session, row)
            data.update(_set_primary(session, stall=row, account=account, at=at))
        apply_details(row, details)
        row.consent, row.consent_at = True, at
        row.registered_by_id = actor.id
        session.add(row)
        session.flush()
        if stall is None:
            _add_account(session, stall=row, account=account, at=at)
        event = write_event(session, stall=row, kind=EventKind.REGISTERED, actor=actor,
                            client_id=client_id, data=data, at=at, has_account=True)
        return event, row

    return commit_once(session, write)


def update_stall(session: Session, *, actor: User, stall: Stall, market: Market,
                 raw: Mapping[str, Any], client_id: str, confirm_phone: bool = False,
                 shown: Mapping[str, Any] | None = None, at: datetime | None = None) -> Stall:
    """Edit a stall's own fields (not its bank account), recorded as an ``edited`` event
    naming the fields changed; commits.

    A retry (same ``client_id``) writes nothing: an edit replayed after someone else's later
    one (an outbox resending a write whose answer was lost) would undo theirs. ``shown``: the
    values the edit form showed; a field sent as shown is left as it is now, and one changed
    here that someone else changed meanwhile is a conflict (``domain.edits``). An edit that
    changes nothing writes nothing. Who sees the phone masked (an admin) does not change it:
    the edit form leaves it out, and the API refuses it.
    """
    if "owner_phone" in raw and not access.sees_personal_data(actor, market,
                                                               access.Surface.FORM):
        raise PermissionDenied(N_("Chỉ thành viên của chợ xem và sửa được số điện thoại."),
                               field="owner_phone")
    client_id = check_client_id(client_id)
    details = clean_details(raw, partial=True)
    # A retry of an edit taken before someone else's is answered as taken, not as a conflict.
    if (first := replay(session, client_id, kind=EventKind.EDITED.value,
                        stall_id=stall.id)) is not None:
        return first.stall
    seen = shown_as_stored(shown, lambda raw: clean_details(raw, partial=True))
    details = changes_made_here(details, seen, _details_of(stall))
    changed = sorted(details)
    if not changed:
        return stall

    def say_who_holds_it() -> None:
        # A unique index caught another stall taking the code meanwhile: name it, as the
        # check before the write would have.
        _check_duplicates(session, market=market, details={**_details_of(stall), **details},
                          account=None, own_id=stall.id, confirm_phone=True)

    return idempotent(
        session, client_id, kind=EventKind.EDITED.value, stall_id=stall.id,
        on_integrity_error=say_who_holds_it,
        operation=lambda: _update(session, actor=actor, stall=stall, market=market,
                                  details=details, changed=changed, client_id=client_id,
                                  confirm_phone=confirm_phone, at=at or utcnow())).stall


def _update(session: Session, *, actor: User, stall: Stall, market: Market,
            details: Mapping[str, Any], changed: list[str], client_id: str,
            confirm_phone: bool, at: datetime) -> Outcome:
    merged = {**_details_of(stall), **details}
    _check_duplicates(session, market=market, details=merged, account=None, own_id=stall.id,
                      confirm_phone=confirm_phone or details.get("owner_phone") in
                      (None, stall.owner_phone))

    def write() -> tuple[Event, Stall]:
        apply_details(stall, merged)
        session.add(stall)
        # Field names only: the values (a phone) are the stall's, not the history's.
        event = write_event(session, stall=stall, kind=EventKind.EDITED, actor=actor,
                            client_id=client_id, data={"fields": changed}, at=at,
                            has_account=primary_account(session, stall.id) is not None)
        return event, stall

    return commit_once(session, write)


def change_account(session: Session, *, actor: User, stall: Stall, market: Market,
                   raw: Mapping[str, Any], client_id: str,
                   at: datetime | None = None) -> Outcome:
    """Give the stall a new primary account: earlier posters are revoked and the stall goes
    back to ``registered`` (DESIGN §3); commits."""
    client_id = check_client_id(client_id)
    return idempotent(
        session, client_id, kind=EventKind.ACCOUNT_CHANGED.value, stall_id=stall.id,
        operation=lambda: _change_account(session, actor=actor, stall=stall, market=market,
                                          raw=raw, client_id=client_id, at=at or utcnow()),
        on_integrity_error=lambda: _check_account_duplicate(
            session, market=market, account=_account_of(raw, stall), own_id=stall.id))


def _change_account(session: Session, *, actor: User, stall: Stall, market: Market,
                    raw: Mapping[str, Any], client_id: str, at: datetime) -> Outcome:
    account = _account_of(raw, stall)
    current = primary_account(session, stall.id)
    if current is None:
        raise ValidationError(N_("Gian hàng chưa đăng ký: hãy đăng ký trước."), field="bank")
    if _same_as(current, account):
        raise ValidationError(N_("Tài khoản này đang là tài khoản chính của gian hàng."),
                              field="account_number")
    _check_account_duplicate(session, market=market, account=account, own_id=stall.id)

    def write() -> tuple[Event, Stall]:
        lock_stall(session, stall)
        data = {**_account_data(account),
                **_set_primary(session, stall=stall, account=account, at=at)}
        event = write_event(session, stall=stall, kind=EventKind.ACCOUNT_CHANGED, actor=actor,
                            client_id=client_id, data=data, at=at, has_account=True)
        return event, stall

    return commit_once(session, write)


def _account_of(raw: Mapping[str, Any], stall: Stall) -> AccountDetails:
    return clean_account(bank=raw.get("bank"), account_number=raw.get("account_number"),
                         holder_name=raw.get("holder_name"), owner_name=stall.owner_name,
                         card=_truthy(raw.get("card")))


def _same_as(current: PaymentAccount, account: AccountDetails) -> bool:
    return (current.bank_bin, current.account_number, current.holder_name, current.service) == (
        account.bank.bin, account.account_number, account.holder_name, account.service)


def _set_primary(session: Session, *, stall: Stall, account: AccountDetails,
                 at: datetime) -> dict[str, Any]:
    """Make ``account`` the stall's primary (call under ``lock_stall``): the current one, if
    another, is demoted and every poster printed with it revoked. Returns what the event
    records of the old account."""
    current = primary_account(session, stall.id)
    if current is not None and _same_as(current, account):
        return {}
    if current is not None:
        current.is_primary, current.replaced_at = False, at
        session.add(current)
        session.execute(sa.update(Poster).where(Poster.stall_id == stall.id,
                                                Poster.revoked_at.is_(None))
                        .values(revoked_at=at))
        # The demotion reaches the database before the new primary: one primary at a time.
        session.flush()
    _add_account(session, stall=stall, account=account, at=at)
    if current is None:
        return {}
    return {"old_bin": current.bank_bin, "old_account_last4": current.account_number[-4:]}


def _clean_registration(raw: Mapping[str, Any]) -> tuple[dict[str, Any], AccountDetails]:
    errors: list[ValidationError] = []
    details: dict[str, Any] = {}
    account: AccountDetails | None = None
    try:
        details = clean_details(raw)
    except FormErrors as error:
        errors.extend(error.errors)
    try:
        account = clean_account(bank=raw.get("bank"), account_number=raw.get("account_number"),
                                holder_name=raw.get("holder_name"),
                                owner_name=str(raw.get("owner_name") or ""),
                                card=_truthy(raw.get("card")))
    except FormErrors as error:
        errors.extend(error.errors)
    if not _truthy(raw.get("consent")):
        errors.append(ValidationError(
            N_("Cần chủ gian hàng đồng ý lưu thông tin trước khi đăng ký."), field="consent"))
    if errors:
        raise FormErrors(errors)
    assert account is not None
    return details, account


def _check_duplicates(session: Session, *, market: Market, details: Mapping[str, Any],
                      account: AccountDetails | None, own_id: int | None,
                      confirm_phone: bool) -> None:
    """Refuse a stall code or primary account another stall of the market has, and warn of a
    phone it uses (unless confirmed): one query answers the three, reported in that order."""
    code, phone = details["stall_code"], details.get("owner_phone")
    same = {"stall_code": _same_code(code),
            "account_number": _same_account(market, account) if account else sa.false(),
            "owner_phone": Stall.owner_phone == phone if phone and not confirm_phone
            else sa.false()}
    query = (select(Stall, *(condition.label(field) for field, condition in same.items()))
             .where(Stall.market_id == market.id, sa.or_(*same.values()),
                    _other_than(own_id))
             .order_by(Stall.id))
    rows = session.execute(query).all()
    for field in same:
        holder = next((row.Stall for row in rows if getattr(row, field)), None)
        if holder is not None:
            raise _DUPLICATE[field](holder, code)


def _same_code(code: str) -> sa.ColumnElement[bool]:
    # "a1" is A-1: the same key, as the database's unique constraint sees it.
    return Stall.code_key == code_key(code)


def _same_account(market: Market, account: AccountDetails) -> sa.ColumnElement[bool]:
    return Stall.id.in_(select(PaymentAccount.stall_id).where(
        PaymentAccount.market_id == market.id, PaymentAccount.bank_bin == account.bank.bin,
        PaymentAccount.account_number == account.account_number,
        PaymentAccount.is_primary.is_(True)))


def _other_than(own_id: int | None) -> sa.ColumnElement[bool]:
    return sa.true() if own_id is None else Stall.id != own_id


#: What each duplicate found says, given the stall that holds the value and the code typed.
_DUPLICATE: dict[str, Callable[[Stall, str], ConflictError]] = {
    "stall_code": lambda holder, code: ConflictError(
        N_("Mã %(code)s đã có trong chợ: %(stall)s."), field="stall_code",
        existing_id=holder.id, code=code, stall=label(holder)),
    "account_number": lambda holder, _code: ConflictError(
        N_("Tài khoản này đã đăng ký cho gian hàng %(stall)s."), field="account_number",
        existing_id=holder.id, stall=label(holder)),
    "owner_phone": lambda holder, _code: PhoneInUse(
        N_("Số điện thoại này đã dùng cho gian hàng %(stall)s. Xác nhận nếu cùng một chủ."),
        field="owner_phone", existing_id=holder.id, stall=label(holder)),
}


def _code_taken(session: Session, *, market: Market, raw: Mapping[str, Any],
                own_id: int | None) -> ConflictError | None:
    """The conflict of ``raw``'s stall code with another stall of the market, if any (and if
    the code itself is well formed)."""
    try:
        code = clean_stall_code(raw.get("stall_code"))
    except ValidationError:
        return None
    holder = session.exec(select(Stall).where(
        Stall.market_id == market.id, _same_code(code), _other_than(own_id))
        .order_by(Stall.id)).first()
    return _DUPLICATE["stall_code"](holder, code) if holder else None


def _phone_in_use(session: Session, *, market: Market, raw: Mapping[str, Any],
                  own_id: int | None) -> ConflictError | None:
    """The warning of ``raw``'s phone belonging to another stall of the market, if any (and
    if the phone itself is well formed)."""
    try:
        phone = normalize_phone(str(raw.get("owner_phone") or "").strip())
    except ValidationError:
        return None
    holder = session.exec(select(Stall).where(
        Stall.market_id == market.id, Stall.owner_phone == phone, _other_than(own_id))
        .order_by(Stall.id)).first() if phone else None
    return _DUPLICATE["owner_phone"](holder, "") if holder else None


def _check_account_duplicate(session: Session, *, market: Market, account: AccountDetails,
                             own_id: int | None) -> None:
    holder = session.exec(select(Stall).where(
        Stall.market_id == market.id, _same_account(market, account), _other_than(own_id))
        .order_by(Stall.id)).first()
    if holder:
        raise _DUPLICATE["account_number"](holder, "")


def apply_details(stall: Stall, details: Mapping[str, Any]) -> None:
    """Set cleaned details on ``stall`` with its natural sort key and folded search text."""
    for field, value in details.items():
        setattr(stall, field, value)
    stall.sort_key = natural_key(stall.stall_code)
    stall.code_key = code_key(stall.stall_code)
    stall.zone_key = zone_key(stall.zone)
    stall.search_text = search_text(details)


def _details_of(stall: Stall) -> dict[str, Any]:
    fields = ("stall_code", "zone", "shop_name", "owner_name", "owner_phone", "category",
              "notes", "latitude", "longitude")
    return {field: getattr(stall, field) for field in fields}


def _add_account(session: Session, *, stall: Stall, account: AccountDetails,
                 at: datetime) -> PaymentAccount:
    row = PaymentAccount(stall_id=stall.id, market_id=stall.market_id,
                         bank_bin=account.bank.bin, account_number=account.account_number,
                         holder_name=account.holder_name, service=account.service,
                         is_primary=True, payload=account.payload,
                         payload_hash=account.payload_hash, created_at=at)
    session.add(row)
    session.flush()
    return row


def _account_data(account: AccountDetails) -> dict[str, Any]:
    # The event keeps what is needed to read the history, not the full account number.
    return {"bin": account.bank.bin, "bank": account.bank.short_name,
            "account_last4": account.account_number[-4:], "service": account.service}


def unused_public_code(session: Session) -> str:
    """A verification code no stall has yet (also used by the census import)."""
    while True:
        code = new_public_code()
        if session.exec(select(Stall.id).where(Stall.public_code == code)).first() is None:
            return code


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "on", "yes", "y")
