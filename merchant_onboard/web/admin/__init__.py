"""Admins' pages: every login and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.admin import views  # noqa: E402, F401
