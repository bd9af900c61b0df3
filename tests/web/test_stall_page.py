"""What the stall page shows: personal data by role, the poster's version, an edited zone."""

from __future__ import annotations

import re
import uuid

import pytest

PHONE, ACCOUNT = "0912345678", "0011012345678"


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def stall(make_user, make_stall, market):
    lan = make_user("lan", markets=[market])
    return make_stall(market, lan, owner_phone=PHONE, account_number=ACCOUNT)


def digits_shown(page: str) -> str:
    """The page's text with spaces and dots removed, so "0011 0123 4567 8" is found too."""
    return re.sub(r"[\s.]", "", page)


def test_admins_see_phone_and_account_masked_on_the_stall_page(client, auth, make_user, stall):
    """Issue 15 behaviour 7: an admin (district or province) sees the stall's phone and
    account number masked; the market's own volunteer sees them in full (DESIGN §9)."""
    auth.login("lan")
    member_page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert f'href="tel:{PHONE}"' in member_page
    assert "0011 0123 4567 8" in member_page  # grouped in fours for reading aloud
    auth.logout()
    make_user("admin", role="admin")
    auth.login("admin")
    response = client.get(f"/stalls/{stall.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert PHONE not in digits_shown(page) and ACCOUNT not in digits_shown(page)
    assert "tel:" not in page
    # What is left of them: enough to tell two stalls apart.
    assert "678" in page and "5678" in page


def print_poster(client, stall) -> None:
    response = client.post(f"/stalls/{stall.id}/events/poster_printed",
                           data={"client_id": str(uuid.uuid4()), "format": "a6"})
    assert response.status_code == 302


def test_each_print_of_a_stall_poster_gets_the_next_version(client, auth, stall):
    """Issue 15 behaviour 10: a reprint is "version 2", on the stall page and on the public
    page the poster's verification code leads to."""
    auth.login("lan")
    print_poster(client, stall)
    assert "Poster bản 1," in client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    print_poster(client, stall)
    print_poster(client, stall)
    assert "Poster bản 3," in client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    public = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert "Bản 3," in public


def edit_form_values(client, stall) -> dict[str, str]:
    """The values the edit form is filled with (its text inputs), as a volunteer sees them."""
    form = client.get(f"/stalls/{stall.id}/edit").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]* name="(\w+)"[^>]* value="([^"]*)"', form))
    values.pop("csrf_token", None)
    values.pop("client_id", None)  # a fresh one each time the form opens
    return values


def test_a_changed_zone_is_saved_by_the_edit_form(client, auth, stall):
    """Issue 15 behaviour 11: the edit form saves a changed zone, and only that changes."""
    auth.login("lan")
    fields = edit_form_values(client, stall)
    assert fields["zone"] == "Khu A"
    fields["zone"] = "Khu chợ cá"
    response = client.post(f"/stalls/{stall.id}/edit", data=fields)
    assert response.status_code == 302
    page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert "Khu chợ cá" in page and "Khu A" not in page
    assert edit_form_values(client, stall) == fields
