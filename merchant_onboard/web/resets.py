"""A password reset as the pages do it: asked first, then a temporary password or a one-time
link shown once. The team page resets its market's people, the admins' person page anyone's
(a login in no market has no team page)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from merchant_onboard.db import get_session
from merchant_onboard.models import Market
from merchant_onboard.services import users
from merchant_onboard.web.forms import new_client_id
from merchant_onboard.web.i18n import translate_error
from merchant_onboard.web.security import reset_link_token

#: How a reset lets the person in: the choices the pages offer.
METHODS = ("temporary", "link")


def confirm_or_reset(username: str, *, market: Market | None, back: str,
                     show: Callable[[dict[str, str]], object]) -> object:
    """The confirmation page, or, once confirmed, the reset and ``show(credential)``.

    Only once confirmed: the old password stops working and the person is logged out on
    every device, which a mis-tap did to someone at work. ``back``: the page the reset was
    asked from, where a reload of the answer (the same confirmation again) is told that
    nothing more was done, and where the answer's language switch leads.
    """
    method = request.form.get("method", "temporary")
    if method not in METHODS:  # the pages offer only these: a forged request
        abort(400)
    session = get_session()
    if request.form.get("confirm") != "1":
        person = users.login_to_reset(session, actor=current_user, username=username)
        return render_template(
            "confirm.html", title=_("Đặt lại mật khẩu của %(name)s?", name=person.display_name),
            message=_("Mật khẩu đang dùng của %(name)s (%(username)s) sẽ thôi dùng được và người "
                      "này bị đăng xuất ngay trên mọi thiết bị. Trang sau hiện một lần mật "
                      "khẩu tạm hoặc liên kết để gửi cho họ.", name=person.display_name,
                      username=person.username),
            fields={"method": method, "request": new_client_id()},
            confirm_label=_("Đặt lại mật khẩu"), cancel=back)
    try:
        user, temporary = users.reset_password(session, actor=current_user, username=username,
                                               market=market, by=method,
                                               request_id=request.form.get("request") or None)
    except users.AlreadyReset as done:
        # The answer's page reloaded: said on the page it was asked from, whose reload
        # repeats nothing.
        flash(translate_error(done), "warning")
        return redirect(back, 303)
    # The answer's address takes only posts, and the credential is shown once, in whichever
    # language: the language switch goes back.
    g.back_to = back
    if method == "link":
        return show({"username": user.username,
                     "link": url_for("auth.reset_link", token=reset_link_token(user),
                                     _external=True)})
    return show({"username": user.username, "password": temporary})
