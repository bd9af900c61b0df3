"""The world most service tests start from: one market, its volunteer, one registered stall.
A module that needs another world defines its own fixture of the same name, which wins."""

from __future__ import annotations

import pytest


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def stall(make_stall, market, volunteer):
    return make_stall(market, volunteer)
