"""A form's ``maxlength`` is the limit the domain enforces, read from the domain (issue 14:
each limit lives once). A smaller bound would cut what the server accepts; a larger one lets
a volunteer type what is then refused."""

from __future__ import annotations

import re

import pytest

from merchant_onboard.models import Role

# The standard numbers, hard-coded: NAPAS shows a holder name of at most 50 characters, and a
# market's campaign title column holds 200.
HOLDER_NAME = 50
CAMPAIGN_TITLE = 200


def maxlength(html: str, name: str) -> int:
    tag = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), html)
    assert tag, f"no input named {name}"
    found = re.search(r'\bmaxlength="(\d+)"', tag.group(0))
    assert found, f"{name} has no maxlength"
    return int(found.group(1))


@pytest.fixture
def market(make_market):
    return make_market("cho-gioi-han")


def test_the_registration_forms_holder_name_is_bounded_by_the_domain(client, market,
                                                                    make_user, auth):
    make_user("lan", markets=[market])
    auth.login("lan")
    page = client.get(f"/m/{market.code}/stalls/new")
    assert page.status_code == 200
    assert maxlength(page.get_data(as_text=True), "holder_name") == HOLDER_NAME


def test_the_settings_forms_campaign_title_is_bounded_by_the_domain(client, market,
                                                                   make_user, auth):
    make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    page = client.get(f"/m/{market.code}/settings")
    assert page.status_code == 200
    assert maxlength(page.get_data(as_text=True), "campaign_title") == CAMPAIGN_TITLE
