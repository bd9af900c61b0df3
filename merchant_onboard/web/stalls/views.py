"""Markets and stalls: the list a volunteer searches, the registration form, the stall page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.errors import (
    ConflictError, DomainError, FormErrors, ValidationError,
)
from merchant_onboard.domain.figures import ageing_rule
from merchant_onboard.domain.funnel import Status, allowed_events
from merchant_onboard.domain.scan import account_from_photo, account_from_text
from merchant_onboard.domain.text import fold_holder_name, one_spelling_each
from merchant_onboard.models import Role, Stall
from merchant_onboard.services import access, markets, posters, stall_lookup, stalls
from merchant_onboard.services.stalls import PhoneInUse
from merchant_onboard.web.errors import field_errors, status_of
from merchant_onboard.web.forms import new_client_id, posted, seen_now, shown_on_page
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.routing import page_number
from merchant_onboard.web.templating import url_with
from merchant_onboard.web.stalls import bp

T = TypeVar("T")

PAGE_SIZE = 50
#: The statuses the list filters by, in the funnel's order (plain strings: a page shows each
#: three times, and an enum member's ``value`` is a property call).
STATUSES = [status.value for status in Status]


@bp.get("/")
@read_only
@login_required
def home():
    visible = markets.list_markets(get_session(), current_user)
    if len(visible) == 1:
        return redirect(url_for("stalls.market", code=visible[0].code))
    return redirect(url_for("stalls.market_list"))


@bp.route("/m/", methods=["GET", "POST"])
@read_only
@login_required
def market_list():
    session = get_session()
    errors: dict[str, list[str]] = {}
    values: dict = {}
    status = 200
    if request.method == "POST":
        if current_user.role != Role.ADMIN:
            abort(403)
        values = posted()
        try:
            market, _created = markets.create_market_once(session, actor=current_user,
                                                          raw=values)
        except DomainError as exc:
            errors, status = field_errors(exc), status_of(exc)
        else:
            flash(_("Đã tạo chợ %(name)s.", name=market.name), "success")
            return redirect(url_for("stalls.market", code=market.code))
    return render_template("stalls/markets.html", markets=markets.list_markets(session, current_user),
                           errors=errors, values=values), status


@bp.get("/m/<code>/")
@enters_market(zones=True)
@read_only
@login_required
def market(code: str):
    session = get_session()
    market, can_manage, zones = access.enter_market(session, current_user, code, zones=True)
    query = request.args.get("q", "").strip()
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    zone = request.args.get("zone") or None
    # The dashboard's "và N gian hàng khác" of a card of stuck stalls lands here.
    stuck = ageing_rule(request.args.get("stuck"))
    page = page_number()
    errors: dict[str, list[str]] = {}
    sees_phones = access.sees_personal_data(current_user, market)
    try:
        rows, total = stall_lookup.search_stalls(
            session, market=market, query=query, status=status, zone=zone, stuck=stuck,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, summary=True,
            phone_tail=sees_phones)
    except ValidationError as exc:  # a search text too long: said next to the box
        rows, total, errors = [], 0, field_errors(exc)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        # A page past the end (an old bookmark, a list that got shorter) showed the count, "no
        # stall found" and "999 / 2" at once: the list's last page is meant.
        return redirect(url_with(page=pages if pages > 1 else None))
    return render_template(
        "stalls/market.html", market=market, can_manage=can_manage, query=query,
        statuses=STATUSES, status=status, zones=one_spelling_each(zones), zone=zone,
        stuck=stuck, stalls=rows, total=total, page=page, pages=pages,
        page_size=PAGE_SIZE, errors=errors, search_max=stall_lookup.SEARCH_MAX,
        # Last digits found nothing for one who may search by the whole number only.
        whole_phone_only=not total and not sees_phones and
        stall_lookup.looks_like_phone_tail(query)), (422 if errors else 200)


@bp.route("/m/<code>/stalls/new", methods=["GET", "POST"])
@enters_market()
@login_required
def register(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code)
    return _registration_form(session, market, stall=None)


@bp.route("/stalls/<int:stall_id>/register", methods=["GET", "POST"])
@login_required
def register_census(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, current_user, stall_id)
    return _registration_form(session, market, stall=stall)


def _registration_form(session, market, *, stall):
    # The stall's phone, kept as it is for someone who may not see it (an admin): the form
    # shows it masked and leaves it out, as the edit form does.
    kept_phone = stall.owner_phone if stall is not None and not access.sees_personal_data(
        current_user, market, access.Surface.FORM) else ""
    # The stall's own fields (a census or refused stall's): the form starts from them, and a
    # form sent without one keeps it. The page the phone keeps for a stall never opened has
    # only the fields the phone knows (static/js/offline.js), never the owner's phone. No
    # form has the coordinates: registration keeps them (registration.clean_details).
    kept = {f: getattr(stall, f) for f in _DETAIL_FIELDS} if stall is not None else {}
    values = {"client_id": new_client_id(), **kept}
    if stall is not None:
        values["holder_name"] = fold_holder_name(stall.owner_name)
    errors: dict[str, list[str]] = {}
    phone_warning = holder = None
    if request.method == "POST" and request.form.get("action") == "carry" and stall is not None:
        typed = posted()
        values.update({name: typed[name] for name in carried_fields(stall) if typed.get(name)})
    elif request.method == "POST" and request.form.get("action") == "scan":
        values, errors = _scan_owner_qr({**kept, **posted()})
    elif request.method == "POST":
        values = {**kept, **posted()}
        raw = {**values, "owner_phone": kept_phone} if kept_phone else values
        result, errors, phone_warning, holder = _attempt(lambda: stalls.register_stall(
            session, actor=current_user, market=market, raw=raw,
            client_id=values.get("client_id", ""), stall=stall,
            confirm_phone=bool(values.get("confirm_phone"))))
        if result is not None:
            if result.created:
                flash(_("Đã đăng ký gian hàng %(code)s.", code=result.stall.stall_code), "success")
            return redirect(url_for("stalls.detail", stall_id=result.stall.id))
    failed = bool(errors or phone_warning)
    # The stall that already has the code typed: a link to it (to register it, if it came
    # from the census) saves searching the list for it.
    code_holder = access.require_stall(session, current_user, holder)[0] if holder else None
    if kept_phone:
        values.pop("owner_phone", None)
    return render_template("stalls/register.html", market=market, stall=stall, values=values,
                           kept_phone=kept_phone,
                           errors=errors, phone_warning=phone_warning, code_holder=code_holder,
                           carried=carried_fields(code_holder) if code_holder else (),
                           banks=list(default_registry()),
                           zones=stall_lookup.market_zones(session, market)), \
        (422 if failed else 200)


#: A stall's fields on the registration form (its account aside).
_DETAIL_FIELDS = ("stall_code", "zone", "shop_name", "owner_name", "owner_phone", "category",
                  "notes")
_CARRIED_ACCOUNT = ("bank", "account_number", "holder_name", "card")
_CARRIED_IF_EMPTY = ("zone", "shop_name", "owner_name", "owner_phone", "category", "notes")


def carried_fields(stall: Stall) -> tuple[str, ...]:
    """What the new-stall form's "already in the census" button takes to that census stall's
    form: the account typed, always, and a stall field only where the census left it empty.
    Consent stays behind: the census form asks it again, for the owner the census names.

    It is posted (``action=carry``), not kept by a script, so a tap before the page's script
    has run carries it too; offline.js carries the same names when there is no signal."""
    return _CARRIED_ACCOUNT + tuple(f for f in _CARRIED_IF_EMPTY if not getattr(stall, f))


@bp.get("/stalls/<int:stall_id>")
@read_only
@login_required
def detail(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, current_user, stall_id)
    view = stall_lookup.stall_view(session, stall, market)
    return render_template(
        "stalls/detail.html", view=view, stall=stall, market=market,
        next_events=allowed_events(Status(stall.status), has_account=view.primary is not None),
        printable=posters.printable(stall),
        full_personal=access.sees_personal_data(current_user, market))


@bp.route("/stalls/<int:stall_id>/edit", methods=["GET", "POST"])
@login_required
def edit(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, current_user, stall_id)
    full_personal = access.sees_personal_data(current_user, market, access.Surface.FORM)
    # Who may not see the phone gets it masked and cannot change it: the form leaves it out.
    fields = ("stall_code", "zone", "shop_name", "owner_name", "owner_phone", "category",
              "notes") if full_personal else _EDIT_FIELDS_WITHOUT_PHONE
    values = {"client_id": new_client_id(), **{f: getattr(stall, f) for f in fields}}
    seen: dict[str, Any] | None = {f: getattr(stall, f) for f in fields}
    errors: dict[str, list[str]] = {}
    phone_warning = None
    if request.method == "POST":
        values = posted()
        seen = shown_on_page(fields)
        # A form rendered before edits had a client id (an outbox item still on a phone)
        # has none: it gets one, and is sent once like any other.
        values["client_id"] = values.get("client_id") or new_client_id()

        def save() -> Stall:
            nonlocal seen
            try:
                return stalls.update_stall(
                    session, actor=current_user, stall=stall, market=market,
                    raw={f: values.get(f, "") for f in fields}, client_id=values["client_id"],
                    confirm_phone=bool(values.get("confirm_phone")), shown=seen)
            except DomainError as exc:
                seen = seen_now(seen, exc)
                raise

        saved, errors, phone_warning, _holder = _attempt(save)
        if saved is not None:
            flash(_("Đã lưu thay đổi."), "success")
            return redirect(url_for("stalls.detail", stall_id=stall.id))
    failed = bool(errors or phone_warning)
    return render_template("stalls/edit.html", stall=stall, values=values, seen=seen or {},
                           errors=errors, phone_warning=phone_warning,
                           full_personal=full_personal,
                           zones=stall_lookup.market_zones(session, market)), \
        (422 if failed else 200)


_EDIT_FIELDS_WITHOUT_PHONE = ("stall_code", "zone", "shop_name", "owner_name", "category",
                              "notes")


@bp.route("/stalls/<int:stall_id>/account", methods=["GET", "POST"])
@login_required
def change_account(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, current_user, stall_id)
    values = {"client_id": new_client_id(), "holder_name": fold_holder_name(stall.owner_name)}
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and request.form.get("action") == "scan":
        values, errors = _scan_owner_qr(posted())
    elif request.method == "POST":
        values = posted()
        try:
            stalls.change_account(session, actor=current_user, stall=stall, market=market,
                                  raw=values, client_id=values.get("client_id", ""))
        except DomainError as exc:
            errors = field_errors(exc)
        else:
            flash(_("Đã đổi tài khoản. Các poster cũ đã bị thu hồi: hãy in poster mới."),
                  "success")
            return redirect(url_for("stalls.detail", stall_id=stall.id))
    return render_template("stalls/account.html", stall=stall, values=values,
                           errors=errors, banks=list(default_registry())), \
        (422 if errors else 200)


def _attempt(call: Callable[[], T]
             ) -> tuple[T | None, dict[str, list[str]], str | None, int | None]:
    """Run a stall form's service call: its result, or the field errors, the phone warning (a
    duplicate phone the volunteer may confirm) and the id of the stall holding the code typed,
    to show on the form again."""
    try:
        return call(), {}, None, None
    except PhoneInUse as exc:
        return None, {}, field_errors(exc)["owner_phone"][0], None
    except DomainError as exc:
        found = exc.errors if isinstance(exc, FormErrors) else [exc]
        holder = next((e.existing_id for e in found if isinstance(e, ConflictError)
                       and e.field == "stall_code"), None)
        # A phone another stall has, found beside the form's mistakes: the warning to
        # confirm, not a mistake of its own.
        shared = next((e for e in found if isinstance(e, PhoneInUse)), None)
        if shared is None:
            return None, field_errors(exc), None, holder
        rest = FormErrors([e for e in found if e is not shared])
        return None, field_errors(rest), field_errors(shared)["owner_phone"][0], holder


def _scan_owner_qr(values: dict) -> tuple[dict, dict[str, list[str]]]:
    """Fill bank and account from the owner's banking-app QR (scan-to-register): its text as
    the phone read it (static/js/scan.js), else a photo of it read here."""
    text = values.pop("qr_text", "")
    photo = request.files.get("qr_photo")
    if not text and (photo is None or not photo.filename):
        return values, {"qr_photo": [_("Chọn hoặc chụp ảnh mã QR trước.")]}
    try:
        scanned = account_from_text(text) if text else account_from_photo(photo.read())
    except DomainError as exc:
        return values, field_errors(exc)
    values.update(bank=scanned.bank_label, account_number=scanned.account_number,
                  card="on" if scanned.card else "")
    if not scanned.bank_label:
        return values, {"bank": [_("Mã BIN %(bin)s chưa có trong danh sách ngân hàng: hãy chọn "
                                   "ngân hàng của tài khoản này.", bin=scanned.bin)]}
    flash(_("Đã đọc mã QR: kiểm tra lại ngân hàng, số tài khoản và tên chủ tài khoản."),
          "success")
    return values, {}
