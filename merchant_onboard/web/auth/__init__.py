"""Logging in and out, and choosing the language."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.auth import views  # noqa: E402, F401
