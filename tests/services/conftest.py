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
    """The apps built for this run, one per configuration (see ``app`` below)."""
    built: dict[str, Flask] = {}
    yield built
    for app in built.values():
        dispose(app)


@pytest.fixture
def app(app_config: dict[str, Any], _apps: dict[str, Flask]) -> Flask:
    """The app of ``tests/conftest.py``, built once per configuration (each database) instead
    of once per test.

    Service tests use it only for its engine, and building it was half the time these tests
    took, and so of every mutation run (bench/mutation.py). Each test still starts from empty
    tables.
    """
    # Keyed by the whole configuration, so a module that overrides ``app_config`` gets its own.
    key = repr(sorted(app_config.items()))
    if key not in _apps:
        _apps[key] = create_app(app_config)
    empty_database(get_engine(_apps[key]))
    return _apps[key]
