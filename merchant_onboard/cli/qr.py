"""``merchant-onboard qr``: build, parse and decode VietQR payloads (no Flask app needed)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NoReturn

import click

from merchant_onboard.cli.common import Group
from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.errors import DomainError, ValidationError
from merchant_onboard.domain.vietqr import build_reporting, parse

# One encoder for every line: json.dumps with options builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False)
_OPTION_OF_FIELD = {"bank": "--bank", "account_number": "--account", "amount": "--amount",
                    "purpose": "--purpose"}


def _message(error: DomainError) -> str:
    """The error's text in the source language (Vietnamese); the CLI has no request locale."""
    return error.message % error.params if error.params else error.message


def _write_lines(out: BinaryIO, objects: Iterable[dict]) -> None:
    # Encode with backslashreplace: a lone surrogate from undecodable input must not raise.
    for obj in objects:
        out.write(_JSON.encode(obj).encode("utf-8", "backslashreplace") + b"\n")


def _exit_quietly_on_broken_pipe() -> NoReturn:
    """``qr parse - | head`` closes our stdout early: stop without a traceback.

    Exit status 1, as Python's own recipe does: not every payload was checked.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


@click.group(cls=Group)
def qr() -> None:
    """Build, parse and decode VietQR payloads."""


@qr.command("build")
@click.option("--bank", required=True,
              help="BIN, NAPAS code or short name: 970403, STB, Sacombank.")
@click.option("--account", required=True, help="Account number (or card number with --card).")
@click.option("--amount", help="Amount in VND, a whole number; makes the QR dynamic.")
@click.option("--purpose", help="Transfer memo; folded to A–Z, 0–9 and spaces, at most 25.")
@click.option("--card", is_flag=True, help="The account is a card number (service QRIBFTTC).")
def build_command(bank: str, account: str, amount: str | None, purpose: str | None,
                  card: bool) -> None:
    """Print the VietQR payload of a bank account or card.

    Without --amount and --purpose it is the static payload a stall poster carries.
    """
    try:
        built = build_reporting(bank=bank, account=account, card=card, amount=amount,
                                purpose=purpose)
    except ValidationError as error:
        raise click.BadParameter(_message(error),
                                 param_hint=_OPTION_OF_FIELD.get(error.field or "")) from None
    # What was changed goes to stderr: stdout stays the payload alone, for scripts.
    for change in built.changes:
        click.echo(f"warning: {_OPTION_OF_FIELD.get(change.field or '', '')}: "
                   f"{_message(change)}", err=True)
    click.echo(built.payload)


def _stdin_lines() -> Iterator[str]:
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", "replace")


@qr.command("parse")
@click.argument("payloads", nargs=-1, required=True)
@click.pass_context
def parse_command(ctx: click.Context, payloads: tuple[str, ...]) -> None:
    """Print one JSON line per PAYLOAD; "-" reads one payload per line from stdin.

    Each line holds valid, kind, bin, bank, bank_name, account, service, amount, purpose,
    initiation and errors. Exit status 0 when every payload is valid, 1 otherwise.
    """
    registry = default_registry()
    all_valid = True

    def results() -> Iterator[dict]:
        nonlocal all_valid
        for argument in payloads:
            for text in (_stdin_lines() if argument == "-" else (argument,)):
                # Line-oriented input: the surrounding whitespace is the line's, not the QR's.
                result = parse(text.strip(), registry)
                all_valid = all_valid and result.valid
                yield result.to_dict()

    out = sys.stdout.buffer
    try:
        _write_lines(out, results())
        out.flush()
    except BrokenPipeError:
        _exit_quietly_on_broken_pipe()
    ctx.exit(0 if all_valid else 1)


@qr.command("decode")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def decode_command(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Print a JSON line per QR code found in each FILE (PNG, JPEG, PDF…; "-" for stdin).

    Each line holds file, page (PDF only), payload and its parse. Exit status 0 when every
    file holds a QR code, 1 when some hold none, 2 when some cannot be read.
    """
    # Imported here: Pillow, zxing-cpp and PDFium add a quarter second to every other command.
    from merchant_onboard.domain.decode import decode_bytes

    registry = default_registry()
    status = 0
    out = sys.stdout.buffer
    for name in files:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            # The operator's own files: every page, unlike an upload.
            found = decode_bytes(data, registry, max_pages=None)
        except OSError as error:
            click.echo(f"{name}: không mở được tệp ({error.strerror or error})", err=True)
            status = 2
            continue
        except ValidationError as error:
            click.echo(f"{name}: {_message(error)}", err=True)
            status = 2
            continue
        if not found:
            click.echo(f"{name}: không tìm thấy mã QR", err=True)
            status = max(status, 1)
        _write_lines(out, ({"file": name, "page": d.page, "payload": d.payload,
                            "parse": d.parsed.to_dict()} for d in found))
    out.flush()
    ctx.exit(status)
