"""``seed-scale``: fill a database with many synthetic markets for load tests and benchmarks."""

from __future__ import annotations

import os
import secrets

import click
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from merchant_onboard.cli.common import Command
from merchant_onboard.db import get_engine, get_session


def _market_prefix(_ctx: click.Context, _param: click.Parameter, prefix: str) -> str:
    """A prefix that makes market codes: ``<prefix>-00042`` must obey the market code rule, as
    the app checks it (a 100-character prefix overflowed the column)."""
    from merchant_onboard.domain.errors import ValidationError
    from merchant_onboard.services.markets import clean_market_code

    sample = f"{prefix}-{99_999:05d}"
    try:
        valid = clean_market_code(sample) == sample
    except ValidationError:
        valid = False
    if not valid:
        raise click.BadParameter(
            "a market code starts with it: lower-case letters a-z, digits and dashes, "
            f"at most {32 - len('-00000')} characters")
    return prefix


@click.command("seed-scale", cls=Command)
@click.option("--markets", type=click.IntRange(1, 100_000), default=10, show_default=True)
@click.option("--stalls-per-market", type=click.IntRange(1, 100_000), default=1000,
              show_default=True)
@click.option("--days", type=click.IntRange(7, 3650), default=180, show_default=True,
              help="How far back the synthetic histories go.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--prefix", default="scale", show_default=True, callback=_market_prefix,
              help="Market code prefix.")
@with_appcontext
def seed_scale(markets: int, stalls_per_market: int, days: int, seed: int, prefix: str) -> None:
    """Add synthetic markets, stalls and months of events (bulk inserts; COPY on PostgreSQL).

    Each market gets a manager (<code>-0) and volunteers (<code>-1…3) sharing one password,
    taken from MO_SCALE_PASSWORD or printed at the end.
    """
    from merchant_onboard.migrate import upgrade
    from merchant_onboard.services.scale import analyze
    from merchant_onboard.services.scale import seed_scale as seed_rows

    engine = get_engine()
    upgrade(engine)
    password = os.environ.get("MO_SCALE_PASSWORD") or secrets.token_urlsafe(9)
    result = seed_rows(get_session(), markets=markets, stalls_per_market=stalls_per_market,
                       days=days, seed=seed, prefix=prefix,
                       password_hash=generate_password_hash(password),
                       progress=lambda line: click.echo(line, err=True))
    analyze(engine)
    click.echo(f"added {result.markets} markets, {result.stalls} stalls, {result.events} events "
               f"in {result.seconds:.0f} s; users <market code>-0 (manager), -1..-3 "
               f"(volunteers), password: {password}")
