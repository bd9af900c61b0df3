"""Posters: the spec of a stall's poster, a market's batch (streamed), and recording prints."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.errors import N_, ConflictError, DomainError, ValidationError
from merchant_onboard.domain.funnel import EventKind, Status
from merchant_onboard.domain.poster import (
    PosterFormat, PosterSpec, check_skip_slots, iter_pdf, render,
)
# The format rule is the domain's, shared with a print's event data; the views and the API's
# models of a poster's query arguments read it here.
from merchant_onboard.domain.poster import UNKNOWN_FORMAT, parse_format  # noqa: F401
from merchant_onboard.domain.text import zone_key
from merchant_onboard.models import AuditEntry, Event, Market, PaymentAccount, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access
from merchant_onboard.services.onboarding import (
    issue_posters, primary_account, step_many,
)

#: Statuses a batch may print by default: stalls that have an account and still hang a poster.
PRINTABLE = (Status.REGISTERED, Status.POSTER_PRINTED, Status.POSTER_INSTALLED,
             Status.TEST_PAYMENT_VERIFIED, Status.FIRST_PAYMENT_CONFIRMED)


NOT_PRINTABLE_STALL = N_("Gian hàng đã từ chối hoặc ngừng kinh doanh: không in poster cho "
                         "gian hàng này.")


def printable(stall: Stall) -> bool:
    """Whether a poster of ``stall`` may be printed: one with an account that still takes
    payments through the programme's QR (not refused, not closed)."""
    return stall.status in _PRINTABLE_VALUES


_PRINTABLE_VALUES = frozenset(s.value for s in PRINTABLE)


#: The refusals of a poster's query arguments, also said by the API's models of them.
BATCH_NOT_PDF = N_("In hàng loạt chỉ có dạng PDF.")
NOT_PRINTABLE = N_("Trạng thái không in được poster.")
STALE_BATCH = N_("Danh sách poster đã thay đổi từ khi mở trang (có gian hàng hoặc tài khoản "
                 "mới). Hãy tải lại tệp PDF, in lại, rồi ghi nhận.")


@dataclass(frozen=True)
class BatchFilter:
    """Which stalls of a market a batch prints: by status and zone (both optional)."""

    status: str | None = None
    zone: str | None = None

    @classmethod
    def parse(cls, status: str | None, zone: str | None) -> BatchFilter:
        if status and status not in {s.value for s in PRINTABLE}:
            raise ValidationError(NOT_PRINTABLE, field="status")
        return cls(status=status or None, zone=zone or None)


def spec_for(stall: Stall, market: Market, account: PaymentAccount, *,
             verify_base: str) -> PosterSpec:
    """The poster of ``stall`` with ``account``; ``verify_base`` is the site's public address."""
    bank = default_registry().by_bin(account.bank_bin)
    return PosterSpec(
        campaign_title=market.campaign_title or "Thanh toán không dùng tiền mặt",
        market_name=market.name, shop_name=stall.shop_name or stall.owner_name,
        stall_code=stall.stall_code, bank_short_name=bank.short_name if bank else account.bank_bin,
        holder_name=account.holder_name, account_number=account.account_number,
        payload=account.payload, verify_code=stall.public_code,
        verify_url=f"{verify_base.rstrip('/')}/v/{stall.public_code}",
        second_line=market.poster_second_line)


def stall_poster(session: Session, *, stall: Stall, market: Market, fmt: PosterFormat,
                 verify_base: str, viewer: User | None = None) -> bytes:
    """One stall's poster in ``fmt`` (reading only: printing is recorded separately).

    The poster spells the account out: when ``viewer`` is one whose downloads are audited
    (``access.audits_personal_data``), who saw it is written down; commits then.
    """
    account = primary_account(session, stall.id)
    if account is None:
        raise ValidationError(N_("Gian hàng chưa có tài khoản ngân hàng: chưa in được poster."),
                              field="format")
    if not printable(stall):
        # The public page of a refused or closed stall tells customers not to pay: a poster
        # of it would send them the other way.
        raise ValidationError(NOT_PRINTABLE_STALL, field="format")
    data = render(spec_for(stall, market, account, verify_base=verify_base), fmt)
    _audit_download(session, viewer, "poster.download", market,
                    f"{market.code}/{stall.stall_code}", {"format": fmt.value})
    return data


def _audit_download(session: Session, viewer: User | None, action: str, market: Market,
                    target: str, data: dict) -> None:
    if viewer is not None and access.audits_personal_data(viewer, access.Surface.POSTER):
        session.add(AuditEntry(actor_id=viewer.id, action=action, target=target,
                               market_id=market.id, data=data))
        session.commit()


def _batch_query(market: Market, selection: BatchFilter):
    query = (select(Stall, PaymentAccount)
             .join(PaymentAccount, PaymentAccount.stall_id == Stall.id)
             .where(Stall.market_id == market.id, PaymentAccount.is_primary.is_(True),
                    Stall.status.in_([s.value for s in PRINTABLE])))
    if selection.status:
        query = query.where(Stall.status == selection.status)
    if selection.zone:
        # As the stall list matches it: "khu b" or a decomposed "Khu B" is the zone "Khu B".
        query = query.where(Stall.zone_key == zone_key(selection.zone))
    return query


def batch_rows(session: Session, market: Market, selection: BatchFilter,
               ) -> Iterator[tuple[Stall, PaymentAccount]]:
    """Stalls with a primary account, by zone (however each stall spells it) then natural
    stall code, fetched in chunks."""
    query = (_batch_query(market, selection)
             .order_by(Stall.zone_key, Stall.sort_key, Stall.id).execution_options(yield_per=200))
    yield from session.exec(query)


def count_batch(session: Session, market: Market, selection: BatchFilter) -> int:
    """How many posters the batch holds (one aggregate query)."""
    query = _batch_query(market, selection).with_only_columns(sa.func.count(Stall.id))
    return session.scalar(query) or 0


def batch_id_of(session: Session, market: Market, selection: BatchFilter,
                fmt: PosterFormat) -> str:
    """The id of the batch as it stands: a hash of its format and of each stall with the
    account its poster shows.

    Recording is idempotent by this id, so it must not change with the page: a manager who
    records, goes Back (the page reloads) and taps again sends the same id for the same
    posters. A batch that gained a stall or an account since is another batch, which
    ``record_batch`` refuses under the old id.
    """
    rows = session.execute(_batch_query(market, selection)
                           .with_only_columns(Stall.id, PaymentAccount.id).order_by(Stall.id))
    return _content_id(fmt, rows)


#: A batch's id: the start of a SHA-256 of its content, in lowercase hexadecimal.
_BATCH_ID_LENGTH = 16
_BATCH_ID = re.compile(f"[0-9a-f]{{{_BATCH_ID_LENGTH}}}")


def _content_id(fmt: PosterFormat, pairs: Iterable[tuple[int, int]]) -> str:
    content = ",".join(f"{stall_id}:{account_id}" for stall_id, account_id in sorted(pairs))
    return hashlib.sha256(f"{fmt.value}|{content}".encode()).hexdigest()[:_BATCH_ID_LENGTH]


def check_batch(session: Session, *, market: Market, selection: BatchFilter,
                fmt: PosterFormat, skip_slots: int = 0, viewer: User | None = None) -> int:
    """Refuse a batch that cannot be printed, before any byte is streamed; return its size.

    A batch about to be sent to a ``viewer`` whose downloads are audited is written down
    (as ``stall_poster``).
    """
    if not fmt.is_pdf:
        raise ValidationError(BATCH_NOT_PDF, field="format")
    check_skip_slots(fmt, skip_slots)
    count = count_batch(session, market, selection)
    if not count:
        # Said under the filter that emptied it: the zone when one was chosen.
        raise ValidationError(N_("Không có gian hàng nào phù hợp để in."),
                              field="zone" if selection.zone else "status")
    _audit_download(session, viewer, "poster.batch_download", market, market.code,
                    {"format": fmt.value, "stalls": count, "status": selection.status or "",
                     "zone": selection.zone or ""})
    return count


def iter_batch_pdf(session: Session, *, market: Market, selection: BatchFilter,
                   fmt: PosterFormat, verify_base: str, skip_slots: int = 0) -> Iterator[bytes]:
    """The batch as PDF chunks, page by page, so a whole market streams in flat memory.

    Call ``check_batch`` first: this is meant to run while the response streams, when an
    error can no longer become a clean 4xx.
    """
    specs = (spec_for(stall, market, account, verify_base=verify_base)
             for stall, account in batch_rows(session, market, selection))
    return iter_pdf(specs, fmt, skip_slots=skip_slots)


def record_batch(session: Session, *, actor: User, market: Market, selection: BatchFilter,
                 fmt: PosterFormat, batch_id: str, at: datetime | None = None) -> int:
    """Record that the batch was printed: a ``poster_printed`` event and a Poster per stall.

    ``batch_id`` is the id the page showed with the PDF (``batch_id_of``): a batch that has
    gained a stall or an account since is refused, since those posters were not printed.
    One transaction; idempotent by ``batch_id``: a retry, even one racing the first request,
    records nothing new. Returns how many stalls were recorded by this call.
    """
    batch_id = (batch_id or "").strip()
    # Of any other shape, it was never shown with a PDF: invalid, not a batch that changed.
    if not _BATCH_ID.fullmatch(batch_id):
        raise ValidationError(N_("Mã lô in không hợp lệ."), field="batch_id")
    if _batch_recorded(session, market, batch_id):
        return 0
    rows = list(batch_rows(session, market, selection))
    if _content_id(fmt, ((stall.id, account.id) for stall, account in rows)) != batch_id:
        session.rollback()
        raise ConflictError(STALE_BATCH, field="batch_id")
    at = at or utcnow()
    try:
        # Each stall's version is checked as it is taken: one changed since it was read
        # above makes the whole batch a conflict.
        step_many(session, [stall for stall, _ in rows], EventKind.POSTER_PRINTED, at=at)
        versions = issue_posters(session, rows, fmt=fmt.value, actor=actor, at=at,
                                 batch_id=batch_id)
        if rows:
            session.execute(sa.insert(Event), [
                {"stall_id": stall.id, "market_id": stall.market_id,
                 "kind": EventKind.POSTER_PRINTED.value, "actor_id": actor.id,
                 "created_at": at, "device_time": None,
                 "client_id": f"batch:{batch_id}:{stall.id}",
                 "data": {"format": fmt.value, "batch_id": batch_id,
                          "poster_version": versions[stall.id]}}
                for stall, _ in rows])
        session.commit()
    except (DomainError, IntegrityError):
        # A second tap raced the first: once the first has committed, this is its retry.
        session.rollback()
        if _batch_recorded(session, market, batch_id):
            return 0
        raise
    except Exception:
        session.rollback()
        raise
    # The stalls read above are stale now (their rows were updated by statement).
    session.expire_all()
    return len(rows)


def _batch_recorded(session: Session, market: Market, batch_id: str) -> bool:
    # The id comes from the client: its % and _ are letters here, not LIKE wildcards.
    prefix = Event.client_id.startswith(f"batch:{batch_id}:", autoescape=True)
    query = select(Event.id).where(prefix, Event.market_id == market.id)
    return session.exec(query).first() is not None
