"""JSON API v1: the same services as the web UI, bearer tokens, problem details."""

from flask import Blueprint

from merchant_onboard.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
