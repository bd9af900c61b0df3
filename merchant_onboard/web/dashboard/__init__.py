"""The manager's view: adoption dashboard, census import, exports and the roll-up."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.dashboard import census, exports, settings, views  # noqa: E402, F401
