"""What the public verification page may say about a poster: no more than a customer needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.codes import PUBLIC_CODE_LENGTH, normalize_public_code
from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.errors import N_, NotFoundError, ThrottledError
from merchant_onboard.domain.funnel import Status
from merchant_onboard.domain.recheck import Recheck, judge
from merchant_onboard.domain.vietqr import ParsedQR
from merchant_onboard.models import Market, PaymentAccount, Poster, Stall
from merchant_onboard.services import throttle


class CardState(StrEnum):
    """What the public page may say about a stall, most serious first."""

    CLOSED = "closed"  # the stall stopped trading: no code of it takes money for it now
    REVOKED = "revoked"  # its poster was revoked: the bank account changed since
    REFUSED = "refused"  # the owner declined: no poster of it should hang anywhere
    UNREGISTERED = "unregistered"  # census only, or no consent: nothing personal is shown
    FLAGGED = "flagged"  # the last re-check found a QR at the stall that is not its account
    VALID = "valid"


@dataclass(frozen=True)
class PublicCard:
    """The stall behind a verification code, with the account masked to its last 4.

    For a stall whose owner never consented the personal fields are empty: the census row
    exists, but nobody agreed to show it to the public.
    """

    state: CardState
    market_name: str
    stall_code: str
    shop_name: str
    bank_short_name: str
    holder_name: str
    account_last4: str
    poster_version: int | None
    poster_printed_at: datetime | None
    status: str
    public_code: str
    #: When the stall's bank account last changed (a poster revoked), or None: a poster of
    #: the account before is an old one, whatever the state of the newest.
    account_changed_at: datetime | None = None


def _stall(session: Session, code: str) -> Stall | None:
    code = normalize_public_code(code)
    if not code or len(code) > PUBLIC_CODE_LENGTH:
        return None
    return session.exec(select(Stall).where(Stall.public_code == code)).first()


def look_up(session: Session, code: str, *, address: str, limit: int,
            window: int) -> PublicCard | None:
    """The card for ``code``, counted against ``address``'s lookups (commits the count).

    40-bit codes cannot be walked, but a per-address limit keeps anyone from trying.
    """
    if throttle.hit(session, f"lookup:{address}", window=window) > limit:
        session.commit()
        raise ThrottledError(N_("Bạn đã tra cứu quá nhiều mã. Vui lòng thử lại sau ít phút."))
    session.commit()
    return public_card(session, code)


def public_card(session: Session, code: str) -> PublicCard | None:
    """The card for ``code`` as typed from a poster, or None when unknown."""
    stall = _stall(session, code)
    if stall is None:
        return None
    market = session.get(Market, stall.market_id)
    state = _state(session, stall)
    # An owner who refused, or a stall closed, has no account to pay: nothing to show of it.
    shown = stall.consent and stall.status not in _NOTHING_TO_PAY
    account = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).first()
    if not shown:
        account = None
    poster = session.exec(select(Poster).where(Poster.stall_id == stall.id)
                          .order_by(sa.desc(Poster.version))).first() if shown else None
    bank = default_registry().by_bin(account.bank_bin) if account else None
    return PublicCard(
        state=state, market_name=market.name if market else "", stall_code=stall.stall_code,
        shop_name=stall.shop_name if shown else "",
        bank_short_name=bank.short_name if bank else (account.bank_bin if account else ""),
        holder_name=account.holder_name if account else "",
        account_last4=account.account_number[-4:] if account else "",
        poster_version=poster.version if poster else None,
        poster_printed_at=poster.printed_at if poster else None,
        status=stall.status, public_code=stall.public_code,
        account_changed_at=_last_revoked_at(session, stall) if shown else None)


#: Statuses of a stall whose account is shown to nobody: never agreed to (the census's),
#: refused, or closed.
_NOTHING_TO_PAY = (Status.CENSUS, Status.REFUSED, Status.INACTIVE)


def _state(session: Session, stall: Stall) -> CardState:
    if stall.status == Status.INACTIVE:
        return CardState.CLOSED
    if _poster_revoked(session, stall):
        return CardState.REVOKED
    if stall.status == Status.REFUSED:
        return CardState.REFUSED
    if not stall.consent or stall.status == Status.CENSUS:
        return CardState.UNREGISTERED
    if stall.recheck_mismatch:
        return CardState.FLAGGED
    return CardState.VALID


def check_photo(session: Session, *, code: str, image: bytes, address: str, limit: int,
                window: int) -> Recheck:
    """Decode a customer's photo and judge every QR in it against the stall behind ``code``."""
    stall = _stall(session, code)
    if stall is None:
        raise NotFoundError(N_("Không tìm thấy mã xác minh."))
    # Decoding costs CPU: limit it per address, shared by every worker through the database.
    if throttle.hit(session, f"verify:{address}", window=window) > limit:
        session.commit()
        raise ThrottledError(N_("Bạn đã kiểm tra quá nhiều ảnh. Vui lòng thử lại sau ít phút."))
    session.commit()
    return judge_at_stall(session, stall, [d.parsed for d in decode_bytes(image)])


def judge_at_stall(session: Session, stall: Stall, found: Sequence[ParsedQR]) -> Recheck:
    """Judge every code read at ``stall`` against its current and earlier accounts."""
    accounts = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id)).all()
    current = next(((a.bank_bin, a.account_number) for a in accounts if a.is_primary), None)
    old = {(a.bank_bin, a.account_number) for a in accounts if not a.is_primary} - {current}
    # The registry vouches for no poster of a stall closed or refused: its own code there is
    # a poster that should not hang ("đúng tài khoản" beside "do not pay" confused a payer).
    unvouched = stall.status in (Status.INACTIVE, Status.REFUSED) or \
        _poster_revoked(session, stall)
    return judge(found, current=current, old=old, poster_revoked=unvouched)


def _last_revoked_at(session: Session, stall: Stall) -> datetime | None:
    """When a poster of the stall was last revoked (its bank account changed), or None."""
    return session.exec(select(sa.func.max(Poster.revoked_at))
                        .where(Poster.stall_id == stall.id)).one()


def _poster_revoked(session: Session, stall: Stall) -> bool:
    """True when the stall's latest poster was revoked (its account changed since)."""
    # The latest poster's revoked_at: None both when there is no poster and when it stands.
    revoked_at = session.exec(select(Poster.revoked_at).where(Poster.stall_id == stall.id)
                              .order_by(sa.desc(Poster.version)).limit(1)).first()
    return revoked_at is not None
