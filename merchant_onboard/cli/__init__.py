"""The ``merchant-onboard`` console script: one click group, one module per command family."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from merchant_onboard import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, set_debug_flag=False)
def main() -> None:
    """Onboard market stalls to VietQR payments."""


def register_commands(group: click.Group) -> None:
    """Attach every command family to ``group`` (the console script and ``app.cli`` share them)."""
    from merchant_onboard.cli import app, poster, qr, scale

    for command in (app.serve, app.db, app.create_user, app.seed_demo, poster.poster, qr.qr,
                    scale.seed_scale):
        group.add_command(command)


register_commands(main)
