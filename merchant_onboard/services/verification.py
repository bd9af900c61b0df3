"""What the public verification page may say about a poster: no more than a customer needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.codes import normalize_public_code
from merchant_onboard.models import Market, PaymentAccount, Poster, Stall


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
