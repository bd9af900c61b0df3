"""Markets and stalls: the list, registration, the stall page."""

from flask import Blueprint

bp = Blueprint("stalls", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.stalls import views  # noqa: E402, F401
