"""Web entry points: one blueprint package per feature, thin views over the services.

Each feature is a package whose ``__init__.py`` makes its blueprint, ``bp``, then imports the
modules that add routes to it (``views.py``, or several for the dashboard and the API).
"""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from merchant_onboard.web import errors, routing
    from merchant_onboard.web.admin import bp as admin_bp
    from merchant_onboard.web.api import bp as api_bp
    from merchant_onboard.web.auth import bp as auth_bp
    from merchant_onboard.web.dashboard import bp as dashboard_bp
    from merchant_onboard.web.offline import bp as offline_bp
    from merchant_onboard.web.onboarding import bp as onboarding_bp
    from merchant_onboard.web.posters import bp as posters_bp
    from merchant_onboard.web.public import bp as public_bp
    from merchant_onboard.web.stalls import bp as stalls_bp
    from merchant_onboard.web.team import bp as team_bp

    routing.init_app(app)
    for blueprint in (auth_bp, stalls_bp, onboarding_bp, posters_bp, public_bp, api_bp, team_bp,
                      dashboard_bp, offline_bp, admin_bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
