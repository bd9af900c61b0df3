"""Pages anyone may open without logging in: poster verification, health check."""

from flask import Blueprint

bp = Blueprint("public", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.public import views  # noqa: E402, F401
