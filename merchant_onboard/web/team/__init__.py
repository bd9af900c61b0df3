"""A market's team of volunteers."""

from flask import Blueprint

bp = Blueprint("team", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.team import views  # noqa: E402, F401
