"""Numbers read from URLs, kept within what the database can hold.

A number a database column cannot hold is not a database error but a page that does not
exist: ``/stalls/4294967296`` is a 404 and ``?page=99999999999999999999`` the last page that
can be asked for, on PostgreSQL (32-bit ids, 64-bit offsets) as on SQLite.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

#: The largest id a PostgreSQL INTEGER primary key holds.
MAX_ROW_ID = 2**31 - 1
#: The largest page number a list answers; past it a page would start beyond any market.
MAX_PAGE = 100_000


class RowId(IntegerConverter):
    """``<int:…>`` in every route: a row id from 1 to ``MAX_ROW_ID``, else no match (404)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = MAX_ROW_ID, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed,
                         **kwargs)


def page_number(name: str = "page") -> int:
    """The 1-based page asked for by the query argument ``name``, within 1..``MAX_PAGE``."""
    return min(MAX_PAGE, max(1, request.args.get(name, 1, type=int) or 1))


def init_app(app: Flask) -> None:
    """Install the converters; before any blueprint adds its rules."""
    app.url_map.converters["int"] = RowId
