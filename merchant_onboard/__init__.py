"""merchant_onboard: register market stalls, print VietQR posters that scan, report adoption."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

#: ``templates/``, ``static/`` and ``migrations/`` sit at the top of the repository (DESIGN §7).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, database, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    if test_config and test_config.get("TESTING"):
        app.testing = True
    register_config(app, test_config)
    register_proxy(app)
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_templating(app)
    register_cli(app)
    return app


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    import csv

    from merchant_onboard.config import ConfigError, load_config
    from merchant_onboard.domain.banks import use_bank_list

    load_config(app, test_config)
    try:
        use_bank_list(app.config["BANKS_CSV"])
    except (OSError, ValueError, csv.Error) as error:
        raise ConfigError(f"MO_BANKS_CSV: {error}") from None


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly the configured number of proxies (never from clients)."""
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_prefix=proxies)


def register_database(app: Flask) -> None:
    from merchant_onboard import db

    db.init_app(app)


def register_extensions(app: Flask) -> None:
    from merchant_onboard.extensions import compress
    from merchant_onboard.web import assets, i18n, request_limits, security

    # First: what no view, user loader or hook may see is refused before they run.
    request_limits.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    compress.init_app(app)


def register_blueprints(app: Flask) -> None:
    from merchant_onboard.web import register_blueprints as register

    register(app)


def register_templating(app: Flask) -> None:
    from merchant_onboard.web import templating

    templating.init_app(app)


def register_cli(app: Flask) -> None:
    from merchant_onboard.cli import register_commands

    register_commands(app.cli)
