"""What the command families share: reporting a domain error without a traceback."""

from __future__ import annotations

import click

from merchant_onboard.domain.errors import DomainError, FormErrors


def fail(error: DomainError) -> None:
    """Report a domain error on stderr and exit 2, without a traceback."""
    lines = [str(e) for e in error.errors] if isinstance(error, FormErrors) else [str(error)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    raise SystemExit(2)
