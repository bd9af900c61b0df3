"""Markets: create and edit pilot sites, list those a user works in."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.edits import changes_made_here, shown_as_stored
from merchant_onboard.domain.errors import (
    N_, ConflictError, FormErrors, NotFoundError, PermissionDenied, ValidationError,
)
from merchant_onboard.domain.poster.design import fits_market_name, fits_title
from merchant_onboard.domain.poster.fonts import require_printable
from merchant_onboard.domain.poster.second_line import FIELD as SECOND_LINE
from merchant_onboard.domain.poster.second_line import clean_second_line
from merchant_onboard.domain.text import clean_text, name_key, whole_number
from merchant_onboard.models import AuditEntry, Market, MarketFormerCode, MarketKind, Role, User
from merchant_onboard.services import access
from merchant_onboard.services.access import scope_markets

MARKET_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
#: A market code as it may be typed (it is lower-cased): the API document's pattern.
MARKET_CODE_PATTERN = MARKET_CODE_RE.pattern.replace("a-z", "a-zA-Z")
#: Field → (maximum length, required): the columns' sizes.
TEXT_FIELDS = {"name": (200, True), "province": (100, False), "ward": (100, False),
               "address": (300, False), "campaign_title": (200, False)}
#: Fields every poster of the market prints: a character no poster face has is refused.
PRINTED_FIELDS = frozenset({"name", "campaign_title"})
#: Field → (lowest, highest, default) of the market's whole numbers.
NUMBER_FIELDS = {"census_size": (0, 1_000_000, 0), "target_pct": (1, 100, 80)}
#: The numbers whose default an edit may not fall back to: the target's 80 is for a market
#: created without one, and a manager who empties the field has not asked for 80. (An emptied
#: census size still declares none, as its field says.)
_KEPT_UNLESS_TYPED = frozenset({"target_pct"})
_KINDS = frozenset(kind.value for kind in MarketKind)


def clean_market(raw: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Cleaned market fields, or FormErrors naming each wrong one; with ``partial`` (an edit)
    only the fields present are checked and returned."""
    out: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for field, clean in (_EDIT_RULES if partial else _RULES).items():
        if partial and field not in raw:
            continue
        try:
            out[field] = clean(raw.get(field))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise FormErrors(errors)
    return out


def clean_market_code(value: Any) -> str:
    """The code in the market's URLs, typed in any case."""
    code = str(value or "").strip().lower()
    if not MARKET_CODE_RE.match(code):
        raise ValidationError(
            N_("Mã chợ gồm 2–32 chữ thường không dấu, số và gạch ngang, ví dụ cho-vi-thanh."),
            field="code")
    return code


def _clean_text(value: Any, *, field: str, **rules: Any) -> str:
    # Whatever is falsy (0, false, an empty list) counts as the empty field it stands for.
    text = clean_text(value or "", field=field, **rules)
    return require_printable(text, field=field) if field in PRINTED_FIELDS else text


def clean_campaign_title(value: Any) -> str:
    """The title every poster of the market prints in its header: refused when it would not
    fit there in two lines on A6, the smallest standee (about 120 letters of Vietnamese)."""
    limit, required = TEXT_FIELDS["campaign_title"]
    text = _clean_text(value, field="campaign_title", max_length=limit, required=required)
    if text and not fits_title(text):
        raise ValidationError(N_("Tiêu đề này quá dài để in trên poster A6, khổ nhỏ nhất: hãy "
                                 "viết ngắn hơn."), field="campaign_title")
    return text


def clean_market_name(value: Any) -> str:
    """The name every poster of the market prints: refused, as a title is, when it would not
    print whole under the title on A6 or alone atop a sticker, each in two lines (about 105
    letters of Vietnamese)."""
    limit, required = TEXT_FIELDS["name"]
    text = _clean_text(value, field="name", max_length=limit, required=required)
    if not fits_market_name(text):
        raise ValidationError(N_("Tên chợ này quá dài để in trọn trên poster và tem dán: hãy "
                                 "viết ngắn hơn."), field="name")
    return text


def clean_kind(value: Any) -> str:
    """A market or a street; a market unless said."""
    kind = str(value or MarketKind.MARKET)
    if kind not in _KINDS:
        raise ValidationError(N_("Loại điểm không hợp lệ."), field="kind")
    return kind


def clean_whole_number(value: Any, *, field: str, low: int, high: int,
                       default: int | None) -> int:
    """A whole number from ``low`` to ``high``, typed (thousands grouped as people write them:
    "1.433") or sent as a number; empty or blank: ``default``, refused if there is none."""
    blank = value is None or (isinstance(value, str) and not value.strip())
    if blank and default is not None:
        return default
    number = None if blank else whole_number(value)
    if number is None or not low <= number <= high:
        raise ValidationError(N_("Nhập số nguyên từ %(low)s đến %(high)s."), field=field,
                              low=low, high=high)
    return number


#: Field → its rule, in the order a form shows the fields (and their errors).
_RULES: dict[str, Callable[[Any], Any]] = {
    "code": clean_market_code,
    **{field: functools.partial(_clean_text, field=field, max_length=limit,
                                required=required)
       for field, (limit, required) in TEXT_FIELDS.items()},
    "name": clean_market_name,
    "campaign_title": clean_campaign_title,
    SECOND_LINE: lambda value: clean_second_line(value or ""),
    "kind": clean_kind,
    **{field: functools.partial(clean_whole_number, field=field, low=low, high=high,
                                default=default)
       for field, (low, high, default) in NUMBER_FIELDS.items()},
}
#: The rules of an edit: the same, but a number kept unless typed has no default.
_EDIT_RULES: dict[str, Callable[[Any], Any]] = {
    **_RULES,
    **{field: functools.partial(clean_whole_number, field=field, low=low, high=high,
                                default=None)
       for field, (low, high, _default) in NUMBER_FIELDS.items() if field in _KEPT_UNLESS_TYPED},
}


#: What a market's managers may change once it exists (its settings page, and
#: ``PATCH /api/v1/markets/{code}``).
SETTINGS = ("census_size", "target_pct", "campaign_title", "poster_second_line")
#: What the market is: the administrators who create markets correct it (a typo in a name
#: that every poster prints, a code outdated by a ward merger); its managers do not. A
#: corrected code keeps leading to the market (``MarketFormerCode``).
IDENTITY = ("code", "name", "kind", "province", "ward", "address")


def editable_fields(user: User) -> tuple[str, ...]:
    """The fields of a market ``user`` may change, once allowed to manage it: an
    administrator's what the market is and its settings, a manager's its settings."""
    return (*IDENTITY, *SETTINGS) if user.role == Role.ADMIN else SETTINGS


def create_market(session: Session, *, actor: User | None, raw: Mapping[str, Any]) -> Market:
    """Create a market; commits."""
    fields = clean_market(raw)
    _check_code_free(session, fields["code"])
    market = Market(**fields)
    session.add(market)
    try:
        session.flush()
        session.add(AuditEntry(actor_id=actor.id if actor else None, action="market.create",
                               target=market.code, market_id=market.id))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("Mã chợ “%(code)s” đã có."), field="code",
                            code=fields["code"]) from None
    return market


def create_market_once(session: Session, *, actor: User, raw: Mapping[str, Any]
                       ) -> tuple[Market, bool]:
    """Create a market, or find the one an identical earlier request created; commits.

    The code is the market's natural idempotency key: a double tap, or Back and send again on
    a slow line, is answered with the market the first send made (``created`` False), not
    "code taken" about the sender's own market. Another market under a taken code stays a
    conflict."""
    try:
        return create_market(session, actor=actor, raw=raw), True
    except ConflictError as conflict:
        fields = clean_market(raw)
        try:
            market = access.require_market(session, actor, fields["code"])
        except NotFoundError:
            # A former code of another market (its pages lead there): the conflict it is,
            # not "not found" about the market being created.
            raise conflict from None
        if any(getattr(market, name) != value for name, value in fields.items()):
            raise
        return market, False


def _check_code_free(session: Session, code: str, *, market: Market | None = None) -> None:
    """Refuse ``code`` for a new market, or for ``market``, when another market has it or
    was known by it (its pages there lead to that market)."""
    if session.exec(select(Market.id).where(Market.code == code)).first() is not None:
        raise ConflictError(N_("Mã chợ “%(code)s” đã có."), field="code", code=code)
    holder = session.exec(select(Market).join(MarketFormerCode).where(
        MarketFormerCode.code == code)).first()
    if holder is not None and (market is None or holder.id != market.id):
        raise ConflictError(N_("Mã “%(code)s” là mã cũ của %(name)s, và vẫn dẫn tới chợ đó."),
                            field="code", code=code, name=holder.name)


def _move_code(session: Session, market: Market, old: str, new: str) -> None:
    """Give ``market`` the code ``new``; ``old`` leads to it from now on."""
    _check_code_free(session, new, market=market)
    own = session.get(MarketFormerCode, new)
    if own is not None:  # back to a code it had: the code is its own again
        session.delete(own)
        session.flush()
    session.add(MarketFormerCode(code=old, market_id=market.id))


def update_market(session: Session, *, actor: User, market: Market,
                  raw: Mapping[str, Any], shown: Mapping[str, Any] | None = None) -> Market:
    """Edit a market's fields; commits. The audit log keeps each changed field's old and new
    values: a declared size moved from 66 to 80 moves the reported rate, and who reads the log
    must see from what to what. Nothing changed, nothing is written. ``shown``: what the
    settings page showed; a field left as shown stays as another manager may have set it
    meanwhile, and one both changed is a conflict (``domain.edits``).

    A new code (administrators) leaves the old one leading to the market: its pages, API and
    the phones' copies answer there with a redirect (``access.enter_market``)."""
    if "code" in raw and _same_code(raw["code"], market.code):
        # Sent back as it was read (an API client's whole object): nothing to change.
        raw = {k: v for k, v in raw.items() if k != "code"}
    if not set(raw) <= set(editable_fields(actor)):
        raise PermissionDenied(N_("Chỉ quản trị viên mới sửa được tên, loại và địa điểm "
                                  "của chợ."))
    fields = clean_market(raw, partial=True)
    seen = shown_as_stored(shown, lambda raw: clean_market(raw, partial=True))
    fields = changes_made_here(fields, seen, {field: getattr(market, field) for field in fields})
    changes = {field: [getattr(market, field), value] for field, value in sorted(fields.items())}
    if not changes:
        return market
    if "code" in changes:
        _move_code(session, market, *changes["code"])
    for field, (_old, new) in changes.items():
        setattr(market, field, new)
    session.add(market)
    session.add(AuditEntry(actor_id=actor.id, action="market.update", target=market.code,
                           market_id=market.id, data={"changes": changes}))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if "code" not in changes:
            raise
        # Another market took the code meanwhile (the only unique field).
        raise ConflictError(N_("Mã chợ “%(code)s” đã có."), field="code",
                            code=changes["code"][1]) from None
    return market


def _same_code(typed: Any, code: str) -> bool:
    try:
        return clean_market_code(typed) == code
    except ValidationError:
        return False


def list_markets(session: Session, user: User) -> list[Market]:
    """The markets ``user`` may see, by province then name, in Vietnamese alphabetical order
    (``name_key``; no database collation gives it)."""
    return sorted(session.exec(scope_markets(select(Market), session, user)),
                  key=lambda m: (name_key(m.province), name_key(m.name), m.code))


def market_by_code(session: Session, code: str) -> Market | None:
    """The market with ``code``, or the one that had it before its code was corrected: for
    the machine's operator (the CLI, a login made there), to whom every market is shown."""
    code = code.strip().lower()
    market = session.exec(select(Market).where(Market.code == code)).first()
    if market is None:
        market = session.exec(select(Market).join(MarketFormerCode).where(
            MarketFormerCode.code == code)).first()
    return market


def get_market(session: Session, code: str) -> Market:
    """The market with ``code`` (or that had it), for the machine's operator (CLI): no
    membership applies."""
    market = market_by_code(session, code)
    if market is None:
        raise NotFoundError(N_("Không tìm thấy chợ “%(code)s”."), code=code)
    return market
