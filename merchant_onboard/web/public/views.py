"""Pages anyone may open without logging in: the poster verification page and the health check."""

from __future__ import annotations

import fontpkg_be_vietnam_pro
from flask import Blueprint, abort, jsonify, render_template, send_from_directory
from sqlalchemy import text

from merchant_onboard.db import get_session
from merchant_onboard.services import verification

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return jsonify(status="ok")


#: The page font, served from the installed font package (OFL) instead of a font CDN.
WEB_FONTS = {"BeVietnamPro-Regular.ttf", "BeVietnamPro-SemiBold.ttf"}


@bp.get("/fonts/<name>")
def font(name: str):
    if name not in WEB_FONTS:
        abort(404)
    return send_from_directory(fontpkg_be_vietnam_pro.ROOT / "files", name, max_age=31536000)


@bp.get("/v/<code>")
def verify(code: str):
    card = verification.public_card(get_session(), code)
    if card is None:
        abort(404)
    return render_template("public/verify.html", card=card)
