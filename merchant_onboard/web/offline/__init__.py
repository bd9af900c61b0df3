"""The installable, offline-first volunteer app: manifest, service worker, outbox page, stall list for the device."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.offline import views  # noqa: E402, F401
