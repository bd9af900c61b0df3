"""Poster downloads for one stall, and a market's batch: preview, streamed PDF, record printed."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import Session

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import ConflictError, DomainError
from merchant_onboard.domain.funnel import Status
from merchant_onboard.domain.poster import PosterFormat, check_skip_slots
from merchant_onboard.domain.text import one_spelling_each
from merchant_onboard.models import Market, Stall, User
from merchant_onboard.services import access, posters
from merchant_onboard.web.errors import field_errors
from merchant_onboard.web.i18n import ngettext, translate_error
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.posters import bp
from merchant_onboard.web.streaming import streamed_attachment


def verify_base() -> str:
    """The public address printed under the QR: the configured one, else this site's own when
    its host is one of ``PUBLIC_HOSTS`` (never a Host header a client made up)."""
    config = current_app.config
    if config.get("PUBLIC_BASE_URL"):
        return config["PUBLIC_BASE_URL"]
    hosts = config["PUBLIC_HOSTS"]
    if request.host.rsplit(":", 1)[0] in hosts or request.host in hosts:
        return request.url_root
    return f"http://{hosts[0]}/"


def poster_filename(name: str, fmt: PosterFormat) -> str:
    """"poster-A-12-a6.pdf"; a format that is its file's kind once: "poster-A-12.png"."""
    kind = "" if fmt.value == fmt.extension else f"-{fmt.value}"
    return f"poster-{name}{kind}.{fmt.extension}"


@bp.get("/stalls/<int:stall_id>/poster")
@login_required
def stall_poster(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, current_user, stall_id)
    return stall_poster_response(session, stall, market, current_user)


def stall_poster_response(session: Session, stall: Stall, market: Market,
                          viewer: User) -> Response:
    """One stall's poster in the request's ``format``, as a download (web page and API)."""
    fmt = posters.parse_format(request.args.get("format"))
    data = posters.stall_poster(session, stall=stall, market=market, fmt=fmt,
                                verify_base=verify_base(), viewer=viewer)
    return Response(data, mimetype=fmt.media_type, headers={
        "Content-Disposition":
            f'attachment; filename="{poster_filename(stall.stall_code, fmt)}"'})


def _managed_market(code: str) -> tuple[Session, Market]:
    session = get_session()
    return session, access.require_market(session, current_user, code, manage=True)


@bp.get("/m/<code>/posters")
@enters_market(zones=True)
@login_required
def batch(code: str):
    session = get_session()
    market, _, zones = access.enter_market(session, current_user, code, manage=True, zones=True)
    errors: dict[str, list[str]] = {}
    fmt = PosterFormat.A6
    selection = posters.BatchFilter()
    try:
        fmt = posters.parse_format(request.args.get("format"))
        # Opened afresh, the page offers what is left to print; "every registered stall" is an
        # explicit choice (status="").
        status = request.args.get("status", Status.REGISTERED.value)
        selection = posters.BatchFilter.parse(status, request.args.get("zone"))
    except DomainError as exc:
        errors = field_errors(exc)
    # Slots to skip are a part-used sticker sheet's: another format has none to skip, and its
    # download refused any (a dead end after switching from the sticker sheet).
    skip = max(0, request.args.get("skip", 0, type=int)) if fmt is PosterFormat.STICKER else 0
    try:
        check_skip_slots(fmt, skip)
    except DomainError as exc:
        errors.update(field_errors(exc))
    count = posters.count_batch(session, market, selection)
    # Nothing left to print: is it because every poster is printed (then say so), or because
    # no stall has an account yet?
    all_printed = not count and selection.status == Status.REGISTERED.value and bool(
        posters.count_batch(session, market, posters.BatchFilter(zone=selection.zone)))
    return render_template(
        "posters/batch.html", market=market, fmt=fmt, selection=selection, errors=errors,
        count=count, all_printed=all_printed,
        zones=one_spelling_each(zones), statuses=posters.PRINTABLE,
        skip=skip,
        batch_id=posters.batch_id_of(session, market, selection, fmt),
        formats=[f for f in PosterFormat if f is not PosterFormat.PNG])


@bp.get("/m/<code>/posters.pdf")
@enters_market()
@login_required
def batch_pdf(code: str):
    session, market = _managed_market(code)
    # The page's link names the batch it showed: one that has changed since (a stall or an
    # account more) would print posters its "record" button does not record.
    shown = request.args.get("batch")
    if shown:
        fmt = posters.parse_format(request.args.get("format"))
        selection = posters.BatchFilter.parse(request.args.get("status"),
                                              request.args.get("zone"))
        if posters.batch_id_of(session, market, selection, fmt) != shown:
            flash(_(posters.STALE_BATCH), "error")
            return _back_to_batch(market, request.args)
    return batch_response(session, market, current_user)


def _back_to_batch(market: Market, args: Mapping[str, str]) -> Response:
    """The batch page with the same choices: it shows the batch as it stands now."""
    return redirect(url_for("posters.batch", code=market.code,
                            **{k: args.get(k, "") for k in ("format", "status", "zone", "skip")}))


def batch_response(session: Session, market: Market, viewer: User) -> Response:
    """The market's batch from the request's format/status/zone/skip, as a streamed PDF.

    Everything that can be refused is checked before the first byte, so it is still a 4xx;
    the pages are drawn while the response streams (web/streaming.py; the web page and the
    API share this).
    """
    fmt = posters.parse_format(request.args.get("format"))
    selection = posters.BatchFilter.parse(request.args.get("status"), request.args.get("zone"))
    skip = request.args.get("skip", 0, type=int)
    posters.check_batch(session, market=market, selection=selection, fmt=fmt, skip_slots=skip,
                        viewer=viewer)
    base = verify_base()
    return streamed_attachment(
        lambda: posters.iter_batch_pdf(session, market=market, selection=selection, fmt=fmt,
                                       verify_base=base, skip_slots=skip),
        session=session, mimetype=fmt.media_type, filename=poster_filename(market.code, fmt))


@bp.post("/m/<code>/posters/printed")
@enters_market()
@login_required
def batch_record(code: str):
    session, market = _managed_market(code)
    fmt = posters.parse_format(request.form.get("format"))
    selection = posters.BatchFilter.parse(request.form.get("status"), request.form.get("zone"))
    try:
        recorded = posters.record_batch(session, actor=current_user, market=market,
                                        selection=selection, fmt=fmt,
                                        batch_id=request.form.get("batch_id", ""))
    except ConflictError as exc:
        # Changed since the page was opened (posters.STALE_BATCH), or meanwhile.
        flash(translate_error(exc), "error")
        return _back_to_batch(market, request.form)
    if recorded:
        flash(ngettext("Đã ghi nhận in poster cho %(num)s gian hàng.",
                       "Đã ghi nhận in poster cho %(num)s gian hàng.", recorded), "success")
    else:
        flash(_("Lô in này đã được ghi nhận trước đó."), "success")
    return redirect(url_for("stalls.market", code=market.code))
