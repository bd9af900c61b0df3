"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, g, request
from flask_babel import format_datetime, get_locale
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain import recheck
from merchant_onboard.domain.codes import format_public_code
from merchant_onboard.domain.registration import HOLDER_NAME_MAX
from merchant_onboard.domain.poster.qrmatrix import QUIET_ZONE, qr_matrix
from merchant_onboard.domain.text import group_account, mask, zone_spelling
from merchant_onboard.web.assets import asset_url
from merchant_onboard.web.i18n import thousands
from merchant_onboard.web.labels import TABLES, labels_in
from merchant_onboard.web.offline.strings import offline_strings, offline_strings_json


def vnd(amount: int | None) -> str:
    """``2000`` → ``2.000 ₫``, or ``2,000 ₫`` on an English page: grouped as every other
    figure (``thousands``); the sign stays after the amount, as the owner's banking app
    writes it."""
    if amount is None:
        return ""
    return thousands(amount) + " ₫"


def local_time(moment: datetime | str | None, style: str = "short") -> str:
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, style)


def bank_name(bin_: str | None) -> str:
    bank = default_registry().by_bin(bin_ or "")
    return bank.short_name if bank else (bin_ or "")


def qr_svg(payload: str, label: str) -> Markup:
    """The payload's QR as inline SVG: crisp on any screen, no image request, no JS.

    ``label`` names the image for a screen reader (WCAG 1.1.1: an image has a text alternative).
    """
    matrix = qr_matrix(payload)
    side = matrix.size_with_quiet_zone
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{w}v{h}h-{w}z"
                   for x, y, w, h in matrix.rectangles)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{escape(label)}">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')


#: The template variable holding the page's labels (``labels.labels_in``).
_LABELS = "_labels"


def _page_labels() -> dict[str, Any]:
    """A context processor: the labels in the page's language, looked up once per page."""
    return {_LABELS: labels_in(str(get_locale()))}


def label_filter(table: str) -> Callable[[Context, str], str]:
    """The filter showing ``table``'s label for a key (the key itself when it has none)."""

    @pass_context
    def show(context: Context, key: str) -> str:
        # A macro imported without the page's context looks the labels up itself.
        labels = context.get(_LABELS) or labels_in(str(get_locale()))
        return labels[table].get(key, key)

    return show


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (filters, pages), under the app's
    path prefix if a proxy gives it one (the script root)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return request.script_root + request.path + ("?" + urlencode(args) if args else "")


def back_here() -> str | None:
    """Where a link that leaves this page and comes back (the language switch) returns: this
    page; or, for a form's answer (a POST, which a link cannot repeat: it answered 405), the
    page the form was on when this site sent the browser here; else None (the start page)."""
    if request.method == "GET":
        return request.script_root + request.full_path
    if "back_to" in g:  # a view that knows better (web/team: a reset's answer, to the team)
        return g.back_to
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc != request.host or not came_from.path or \
            not _answers_get(came_from.path):
        # That page was a form's answer too (a reset's confirmation, sent to an address
        # that takes only its POST): a link there answered 405.
        return None
    return came_from.path + (f"?{came_from.query}" if came_from.query else "")


def _answers_get(path: str) -> bool:
    """Whether a link to ``path`` (this site's, under its script root) opens a page."""
    root = request.script_root
    if not path.startswith(root):
        return False
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path[len(root):],
                                                                   method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        vnd=vnd, thousands=thousands, local_time=local_time, mask=mask, group_account=group_account,
        bank_name=bank_name, public_code=format_public_code, qr_svg=qr_svg,
        # A filter's choice is the one asked for when both spell one zone (domain.text).
        zone_spelling=zone_spelling,
        **{f"{table}_label": label_filter(table) for table in TABLES},
    )
    app.context_processor(_page_labels)
    app.jinja_env.globals.update(url_with=url_with, back_here=back_here, asset_url=asset_url,
                                 offline_strings=offline_strings,
                                 offline_strings_json=offline_strings_json,
                                 current_locale=lambda: str(get_locale()), config=app.config,
                                 # The form's bound is the domain's limit, stated once.
                                 HOLDER_NAME_MAX=HOLDER_NAME_MAX,
                                 # Which verdicts warn, and which codes they name.
                                 RECHECK_WARNINGS=[v.value for v in recheck.WARNINGS],
                                 RECHECK_SUSPECTS=[v.value for v in recheck.SUSPECTS])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
