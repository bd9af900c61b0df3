"""Admins' pages: every login (correct its name and role, lock or unlock it) and the audit log."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import ConflictError, FormErrors, ValidationError
from merchant_onboard.models import Role
from merchant_onboard.services import audit, markets, users
from merchant_onboard.web.admin import bp
from merchant_onboard.web.admin.presenters import action_groups, audit_details
from merchant_onboard.web.errors import field_errors, status_of
from merchant_onboard.web.forms import seen_now, shown_on_page
from merchant_onboard.web.resets import confirm_or_reset


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@bp.get("/people")
@read_only
@login_required
@admin_only
def people():
    return render_template("admin/people.html", people=users.all_logins(get_session()))


@bp.get("/people/<username>")
@read_only
@login_required
@admin_only
def person(username: str):
    """A login's display name and role, as an admin corrects them."""
    session = get_session()
    user = users.login_to_change(session, actor=current_user, username=username)
    values = {"display_name": user.display_name, "role": user.role}
    return _person_page(user, values, values, {})


_PERSON_FIELDS = ("display_name", "role")


@bp.post("/people/<username>")
@login_required
@admin_only
def person_save(username: str):
    session = get_session()
    values = {field: request.form.get(field, "") for field in _PERSON_FIELDS}
    seen = shown_on_page(_PERSON_FIELDS)
    try:
        user = users.change_login(session, actor=current_user, username=username, **values,
                                  shown=seen)
    except (ValidationError, FormErrors, ConflictError) as exc:
        session.rollback()
        user = users.login_to_change(session, actor=current_user, username=username)
        return _person_page(user, values, seen_now(seen, exc), field_errors(exc),
                            status_of(exc))
    flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.people"))


def _person_page(user, values: dict, seen: dict | None, errors: dict, status: int = 200,
                 credential: dict | None = None):
    return render_template("admin/person.html", person=user, values=values, seen=seen or {},
                           errors=errors, codes=users.market_codes(get_session(), user),
                           name_max=users.DISPLAY_NAME_MAX, credential=credential), status


@bp.post("/people/<username>/reset")
@login_required
@admin_only
def reset_password(username: str):
    """Any login's password but an admin's, from its page: one in no market has no team page
    to reset it from, and needed the command line."""
    user = users.login_to_change(get_session(), actor=current_user, username=username)
    values = {"display_name": user.display_name, "role": user.role}

    def show(credential: dict[str, str]):
        person = users.login_to_change(get_session(), actor=current_user, username=username)
        return _person_page(person, values, values, {}, credential=credential)

    return confirm_or_reset(user.username, market=None,
                            back=url_for("admin.person", username=user.username), show=show)


@bp.post("/people/<username>/active")
@login_required
@admin_only
def set_active(username: str):
    """Lock a whole login (every market; its sessions end) or unlock it (they stay ended).

    A lock only once confirmed, on a page naming the person (it works without JavaScript):
    it logs out someone who may be at work in a market. An unlock harms no one."""
    active = request.form.get("active") == "1"
    if not active and request.form.get("confirm") != "1":
        person = users.login_to_lock(get_session(), actor=current_user, username=username)
        return render_template(
            "confirm.html", title=_("Khoá tài khoản %(name)s?", name=person.display_name),
            message=_("%(name)s (%(username)s) sẽ bị đăng xuất ngay trên mọi thiết bị và không "
                      "đăng nhập được vào chợ nào cho đến khi được mở khoá.",
                      name=person.display_name, username=person.username),
            fields={"active": "0"}, confirm_label=_("Khoá tài khoản"),
            cancel=url_for("admin.people"))
    user = users.set_login_active(get_session(), actor=current_user, username=username,
                                  active=active)
    flash(_("Đã mở khoá tài khoản %(username)s.", username=user.username) if active else
          _("Đã khoá tài khoản %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.people"))


@bp.get("/audit")
@read_only
@login_required
@admin_only
def audit_log():
    before = request.args.get("before", type=int)
    market = request.args.get("market", "").strip()
    session = get_session()
    lines, more = audit.recent(session, before_id=before, market_code=market,
                               action_prefix=request.args.get("action", "").strip())
    return render_template("admin/audit.html", lines=lines, more=more,
                           action=request.args.get("action", ""), groups=action_groups(),
                           market=market, markets=markets.list_markets(session, current_user),
                           details=audit_details)
