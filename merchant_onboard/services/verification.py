"""What the public verification page may say about a poster: no more than a customer needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.codes import normalize_public_code
from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.errors import N_, NotFoundError, ThrottledError
from merchant_onboard.domain.vietqr import is_transfer
from merchant_onboard.models import Market, PaymentAccount, Poster, Stall
from merchant_onboard.services import throttle


@dataclass(frozen=True)
class PublicCard:
    """The stall behind a verification code, with the account masked to its last 4."""

    market_name: str
    stall_code: str
    shop_name: str
    bank_short_name: str
    holder_name: str
    account_last4: str
    poster_version: int | None
    poster_printed_at: datetime | None
    poster_revoked: bool
    status: str
    public_code: str


def public_card(session: Session, code: str) -> PublicCard | None:
    """The card for ``code`` as typed from a poster, or None when unknown."""
    stall = session.exec(select(Stall).where(
        Stall.public_code == normalize_public_code(code))).first()
    if stall is None:
        return None
    market = session.get(Market, stall.market_id)
    account = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).first()
    poster = session.exec(select(Poster).where(Poster.stall_id == stall.id)
                          .order_by(sa.desc(Poster.version))).first()
    bank = default_registry().by_bin(account.bank_bin) if account else None
    return PublicCard(
        market_name=market.name if market else "", stall_code=stall.stall_code,
        shop_name=stall.shop_name,
        bank_short_name=bank.short_name if bank else (account.bank_bin if account else ""),
        holder_name=account.holder_name if account else "",
        account_last4=account.account_number[-4:] if account else "",
        poster_version=poster.version if poster else None,
        poster_printed_at=poster.printed_at if poster else None,
        poster_revoked=bool(poster and poster.revoked_at is not None),
        status=stall.status, public_code=stall.public_code)


@dataclass(frozen=True)
class PhotoCheck:
    """What a photo of a QR says against the registry, in words a customer can act on.

    ``outcome`` is one of: ``this_stall`` (the QR is the stall's registered account),
    ``old_account`` (an account this stall no longer uses), ``other_account`` (a VietQR
    transfer to any other account: not the stall's), ``not_transfer`` (a QR but not a bank
    transfer), ``no_qr`` (nothing readable). Only masked details are returned.
    """

    outcome: str
    bank_short_name: str = ""
    account_last4: str = ""
    kind: str = ""


def check_photo(session: Session, *, code: str, image: bytes, address: str, limit: int,
                window: int) -> PhotoCheck:
    """Decode a customer's photo and compare its QR with the stall behind ``code``."""
    stall = session.exec(select(Stall).where(
        Stall.public_code == normalize_public_code(code))).first()
    if stall is None:
        raise NotFoundError(N_("Không tìm thấy mã xác minh."))
    # Decoding costs CPU: limit it per address, shared by every worker through the database.
    if throttle.hit(session, f"verify:{address}", window=window) > limit:
        session.commit()
        raise ThrottledError(N_("Bạn đã kiểm tra quá nhiều ảnh. Vui lòng thử lại sau ít phút."))
    session.commit()
    decoded = decode_bytes(image)
    transfers = [d.parsed for d in decoded if is_transfer(d.parsed)]
    if not transfers:
        if decoded:
            return PhotoCheck(outcome="not_transfer", kind=decoded[0].parsed.kind)
        return PhotoCheck(outcome="no_qr")
    parsed = transfers[0]
    bank = parsed.bank.short_name if parsed.bank else (parsed.bin or "")
    last4 = (parsed.account or "")[-4:]
    accounts = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.bank_bin == parsed.bin,
        PaymentAccount.account_number == parsed.account)).all()
    if any(a.is_primary for a in accounts):
        outcome = "this_stall"
    elif accounts:
        outcome = "old_account"
    else:
        outcome = "other_account"
    return PhotoCheck(outcome=outcome, bank_short_name=bank, account_last4=last4,
                      kind=parsed.kind)
