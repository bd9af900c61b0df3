"""A market's team: its managers (and admins) create logins, add existing ones, remove someone
from this market, and reset passwords. Admins alone lock a whole login (web/admin/views.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import DomainError
from merchant_onboard.models import Market, Role
from merchant_onboard.services import access, membership, users
from merchant_onboard.web.errors import field_errors
from merchant_onboard.web.forms import posted
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.resets import confirm_or_reset
from merchant_onboard.web.team import bp


@bp.route("/m/<code>/team", methods=["GET", "POST"])
@enters_market()
@login_required
def team(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    values: dict = {}
    errors: dict[str, list[str]] = {}
    credential = None
    if request.method == "POST":
        values = posted()
        role = values.get("role") if current_user.role == Role.ADMIN else Role.VOLUNTEER
        try:
            made = users.create_login(session, actor=current_user,
                                      username=values.get("username", ""),
                                      role=role or Role.VOLUNTEER,
                                      display_name=values.get("display_name", ""),
                                      password=values.get("password") or None,
                                      market_codes=[market.code])
        except DomainError as exc:
            errors = field_errors(exc)
        else:
            if made.temporary_password is None:
                flash(_("Đã tạo tài khoản %(username)s. Gửi mật khẩu cho người dùng.",
                        username=made.user.username), "success")
                return redirect(url_for("team.team", code=market.code))
            # Shown once, on this page, never stored: not in a flash message either, which
            # would keep it in the session cookie.
            credential = {"username": made.user.username, "password": made.temporary_password}
            values = {}
    return _page(market, values=values, errors=errors, credential=credential)


def _page(market: Market, *, values: dict | None = None, errors: dict | None = None,
          member_errors: dict | None = None, member_typed: str = "",
          credential: dict | None = None):
    session = get_session()
    members = membership.members(session, market)
    return render_template("team/team.html", market=market, members=members,
                           resettable=users.resettable(session, actor=current_user,
                                                       people=[m.user for m in members]),
                           values={k: v for k, v in (values or {}).items() if k != "password"},
                           errors=errors or {}, member_errors=member_errors or {},
                           member_typed=member_typed,
                           credential=credential, is_admin=current_user.role == Role.ADMIN,
                           name_max=users.DISPLAY_NAME_MAX), \
        (422 if errors or member_errors else 200)


@bp.post("/m/<code>/team/members")
@enters_market()
@login_required
def add_member(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    typed = request.form.get("username", "")
    try:
        user, added = membership.add_member(session, actor=current_user, market=market,
                                            username=typed)
    except DomainError as exc:
        errors = field_errors(exc)
        # Nobody found by that name is about the form's one field: said there, it is where
        # the page goes and what a screen reader reads with the field.
        errors.setdefault("username", []).extend(errors.pop("", []))
        return _page(market, member_errors=errors, member_typed=typed)
    flash(_("Đã thêm %(username)s vào chợ.", username=user.username) if added else
          _("%(username)s đã ở trong chợ này.", username=user.username), "success")
    return redirect(url_for("team.team", code=market.code))


@bp.post("/m/<code>/team/<username>/remove")
@enters_market()
@login_required
def remove_member(code: str, username: str):
    """Take someone out of this market only: their other markets stay, their sessions end.

    Only once confirmed: the first post shows who and what (a page, so it works without
    JavaScript), since it logs out someone who may be at work in the market."""
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    if request.form.get("confirm") != "1":
        person = membership.member_to_remove(session, actor=current_user, market=market,
                                             username=username)
        return render_template(
            "confirm.html", title=_("Đưa %(name)s ra khỏi %(market)s?",
                                    name=person.display_name, market=market.name),
            message=_("%(name)s (%(username)s) sẽ bị đăng xuất ngay trên mọi thiết bị và không "
                      "vào được chợ này nữa. Các chợ khác của người này và những gì họ đã ghi "
                      "vẫn giữ nguyên.", name=person.display_name, username=person.username),
            fields={}, confirm_label=_("Đưa ra khỏi chợ"),
            cancel=url_for("team.team", code=market.code))
    user = membership.remove_member(session, actor=current_user, market=market, username=username)
    flash(_("Đã đưa %(username)s ra khỏi chợ này.", username=user.username), "success")
    return redirect(url_for("team.team", code=market.code))


@bp.post("/m/<code>/team/<username>/reset")
@enters_market()
@login_required
def reset_password(code: str, username: str):
    """A temporary password, or a one-time link valid 24 h, shown once on the team page."""
    market = access.require_market(get_session(), current_user, code, manage=True)
    return confirm_or_reset(username, market=market,
                            back=url_for("team.team", code=market.code),
                            show=lambda credential: _page(market, credential=credential))
