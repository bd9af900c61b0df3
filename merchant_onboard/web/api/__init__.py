"""JSON API v1: the same services as the web UI, bearer tokens, problem details.

One module per feature adds its routes to ``bp`` and its part of the OpenAPI document's route
table (``OPENAPI_PATHS``); its bodies and answers are models of ``schemas.py``, from which
the document's schemas are generated. A new module is imported below and listed in
``MODULES``, and the test of the document fails until its routes are described.
"""

from flask import Blueprint

from merchant_onboard.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# The modules register their routes on ``bp`` when imported, so they come after it.
from merchant_onboard.web.api import (  # noqa: E402
    events, markets, openapi, people, posters, qr, rechecks, stalls, stats, tokens,
)

#: The modules whose parts make up the OpenAPI document, in the document's order.
MODULES = (openapi, tokens, people, markets, stalls, events, rechecks, posters, qr, stats)
