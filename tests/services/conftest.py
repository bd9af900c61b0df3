"""The world most service tests start from: one market, its volunteer, one registered stall.
A module that needs another world defines its own fixture of the same name, which wins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from merchant_onboard import create_app
from merchant_onboard.db import dispose, get_engine
from tests.conftest import empty_database


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def stall(make_stall, market, volunteer):
    return make_stall(market, volunteer)


@pytest.fixture(scope="session")
def _apps() -> Iterator[dict[str, Flask]]:
    """The apps built for this run, one per database (see ``app`` below)."""
    built: dict[str, Flask] = {}
    yield built
    for app in built.values():
        dispose(app)


@pytest.fixture
def app(app_config: dict[str, Any], _apps: dict[str, Flask]) -> Flask:
    """The app of ``tests/conftest.py``, built once per database instead of once per test.

    Service tests use it only for its engine, and building it was half the time these tests
    took, and so of every mutation run (bench/mutation.py). Each test still starts from empty
    tables; a test that needs another configuration builds its own app.
    """
    url = app_config["DATABASE_URL"]
    if url not in _apps:
        _apps[url] = create_app(app_config)
    empty_database(get_engine(_apps[url]))
    return _apps[url]
