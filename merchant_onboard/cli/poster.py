"""``merchant-onboard poster``: render a stall's poster or a market's batch to a file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from merchant_onboard.cli.common import Command, CommandError

#: The values of merchant_onboard.domain.poster.PosterFormat, spelled here so that loading
#: the CLI does not load the renderers (a test checks the two agree).
FORMATS = ("a6", "a5", "a4", "sticker", "png")


@click.command("poster", cls=Command)
@click.option("--market", "market_code", required=True, help="Market code.")
@click.option("--stall", "stall_code", default=None, help="One stall (default: the batch).")
@click.option("--format", "fmt", default="a6", show_default=True,
              type=click.Choice(FORMATS))
@click.option("--status", default=None, help="Batch only: stalls at this status.")
@click.option("--zone", default=None, help="Batch only: stalls of this zone.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--check", is_flag=True, help="Decode what was rendered; fail if a QR does not "
                                             "read back as its stall's payload.")
@with_appcontext
def poster(market_code: str, stall_code: str | None, fmt: str, status: str | None,
           zone: str | None, output: Path, check: bool) -> None:
    """Render posters to FILE (PDF, or PNG for one stall)."""
    from merchant_onboard.db import get_session
    from merchant_onboard.domain.decode import decode_bytes
    from merchant_onboard.domain.poster import PosterFormat, render
    from merchant_onboard.services import markets, posters, stall_lookup

    session = get_session()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:8000/"
    market = markets.get_market(session, market_code)
    if market.code != market_code.strip().lower():
        click.echo(f"market {market_code.strip()} is now {market.code}", err=True)
    chosen = PosterFormat(fmt)
    if stall_code:
        stall = stall_lookup.get_stall_by_code(session, market, stall_code)
        data = posters.stall_poster(session, stall=stall, market=market, fmt=chosen,
                                    verify_base=base)
        expected = [posters.primary_account(session, stall.id).payload]
    else:
        selection = posters.BatchFilter.parse(status, zone)
        rows = list(posters.batch_rows(session, market, selection))
        if chosen is PosterFormat.PNG:
            raise click.UsageError("PNG holds one poster: add --stall")
        specs = [posters.spec_for(s, market, a, verify_base=base) for s, a in rows]
        data = render(specs, chosen) if specs else b""
        expected = [a.payload for _, a in rows]
    if not expected:
        raise CommandError("no stall with a bank account matches")
    output.write_bytes(data)
    click.echo(f"wrote {len(expected)} poster(s) to {output}")
    if check:
        # A batch has a page per few stalls: all of them are read back.
        found = [d.payload for d in decode_bytes(data, max_pages=None)]
        if Counter(found) != Counter(expected):
            missing = len(Counter(expected) - Counter(found))
            click.echo(f"check FAILED: {missing} QR code(s) did not read back", err=True)
            raise SystemExit(1)
        click.echo(f"check passed: {len(found)} QR code(s) read back")
