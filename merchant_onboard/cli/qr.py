"""``merchant-onboard qr``: build, parse and decode VietQR payloads."""

from __future__ import annotations

import click


@click.group()
def qr() -> None:
    """Build, parse and decode VietQR payloads."""
