"""Recording a stall's next funnel step."""

from flask import Blueprint

bp = Blueprint("onboarding", __name__)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.onboarding import views  # noqa: E402, F401
