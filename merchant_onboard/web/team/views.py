"""The market's team: the manager adds volunteers and switches their logins off and on."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import DomainError
from merchant_onboard.services import access, users
from merchant_onboard.web.errors import field_errors
from merchant_onboard.web.forms import posted

bp = Blueprint("team", __name__)


@bp.route("/m/<code>/team", methods=["GET", "POST"])
@login_required
def team(code: str):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    values: dict = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = posted()
        try:
            user = users.add_volunteer(session, actor=current_user, market=market,
                                       username=values.get("username", ""),
                                       password=values.get("password", ""),
                                       display_name=values.get("display_name", ""))
        except DomainError as exc:
            errors = field_errors(exc)
        else:
            flash(_("Đã tạo tài khoản %(username)s. Gửi mật khẩu cho tình nguyện viên.",
                    username=user.username), "success")
            return redirect(url_for("team.team", code=market.code))
    return render_template("team/team.html", market=market, members=users.members(session, market),
                           values={k: v for k, v in values.items() if k != "password"},
                           errors=errors), (422 if errors else 200)


@bp.post("/m/<code>/team/<int:user_id>/active")
@login_required
def set_active(code: str, user_id: int):
    session = get_session()
    market = access.require_market(session, current_user, code, manage=True)
    active = request.form.get("active") == "1"
    user = users.set_volunteer_active(session, actor=current_user, market=market,
                                      user_id=user_id, active=active)
    flash(_("Đã mở lại tài khoản %(username)s.", username=user.username) if active else
          _("Đã khoá tài khoản %(username)s.", username=user.username), "success")
    return redirect(url_for("team.team", code=market.code))
