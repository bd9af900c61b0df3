"""Poster downloads and a market's batch print."""

from flask import Blueprint

bp = Blueprint("posters", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.posters import views  # noqa: E402, F401
