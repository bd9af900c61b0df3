"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request
from flask_babel import format_datetime, get_locale
from markupsafe import Markup

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.codes import format_public_code
from merchant_onboard.domain.registration import HOLDER_NAME_MAX
from merchant_onboard.domain.poster.qrmatrix import QUIET_ZONE, qr_matrix
from merchant_onboard.domain.text import group_account
from merchant_onboard.web.assets import asset_url
from merchant_onboard.web.labels import EVENT_LABELS, REASON_LABELS, ROLE_LABELS, STATUS_LABELS
from merchant_onboard.web.offline.strings import offline_strings


def vnd(amount: int | None) -> str:
    """``2000`` → ``2.000 ₫`` (Vietnamese groups thousands with dots)."""
    if amount is None:
        return ""
    return f"{amount:,}".replace(",", ".") + " ₫"


def local_time(moment: datetime | str | None, style: str = "short") -> str:
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, style)


def mask(value: str | None, keep: int = 4) -> str:
    """Hide all but the last ``keep`` characters: ``•••• 5678``."""
    if not value:
        return ""
    return "•••• " + value[-keep:]


def bank_name(bin_: str | None) -> str:
    bank = default_registry().by_bin(bin_ or "")
    return bank.short_name if bank else (bin_ or "")


def qr_svg(payload: str) -> Markup:
    """The payload's QR as inline SVG: crisp on any screen, no image request, no JS."""
    matrix = qr_matrix(payload)
    side = matrix.size_with_quiet_zone
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{w}v{h}h-{w}z"
                   for x, y, w, h in matrix.rectangles)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges" role="img"><rect width="{side}" height="{side}" '
        f'fill="#fff"/><path d="{path}" fill="#000"/></svg>')


def label(table: Mapping[str, Any], key: str) -> str:
    """``table[key]`` translated, once per request: a list page shows the same few labels on
    every row, and each lazy translation costs a catalogue lookup."""
    cache: dict[tuple[int, str], str] = g.setdefault("label_cache", {})
    found = cache.get((id(table), key))
    if found is None:
        found = cache[(id(table), key)] = str(table.get(key, key))
    return found


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (filters, pages)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return request.path + ("?" + urlencode(args) if args else "")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        vnd=vnd, local_time=local_time, mask=mask, group_account=group_account,
        bank_name=bank_name, public_code=format_public_code, qr_svg=qr_svg,
        status_label=lambda s: label(STATUS_LABELS, s),
        event_label=lambda s: label(EVENT_LABELS, s),
        reason_label=lambda s: label(REASON_LABELS, s),
        role_label=lambda s: label(ROLE_LABELS, s),
    )
    app.jinja_env.globals.update(url_with=url_with, asset_url=asset_url,
                                 offline_strings=offline_strings,
                                 current_locale=lambda: str(get_locale()), config=app.config,
                                 # The form's bound is the domain's limit, stated once.
                                 HOLDER_NAME_MAX=HOLDER_NAME_MAX)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
