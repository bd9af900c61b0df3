"""Two people editing the same thing: a page opened before someone else saved leaves their
change be, unless it changes the same field, which is then said, never overwritten unseen.
(A browser pass found an admin's older tab making a manager again of someone another admin
had just made a volunteer, with "Đã lưu" and nothing else.)"""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from merchant_onboard.models import Stall

_INPUT = re.compile(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"')
_TEXTAREA = re.compile(r'<textarea[^>]*\bname="([^"]+)"[^>]*>([^<]*)</textarea>')
_SELECTED = re.compile(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)


def form_of(client: FlaskClient, url: str) -> dict[str, str]:
    """Every field a browser would send from the page's form, as the page fills it."""
    page = client.get(url)
    assert page.status_code == 200
    return form_of_answer(page.get_data(as_text=True))


def form_of_answer(text: str) -> dict[str, str]:
    """The fields of a page already answered (a form sent back with its messages)."""
    fields = {name: html.unescape(value) for name, value in _INPUT.findall(text)}
    fields.update({name: html.unescape(value) for name, value in _TEXTAREA.findall(text)})
    for name, options in _SELECTED.findall(text):
        chosen = re.search(r'<option value="([^"]*)"\s+selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def opened_before_anothers_save(client, auth, url: str, *, reader: str, writer: str,
                                changes: dict[str, str]) -> dict[str, str]:
    """The form ``reader`` opened at ``url`` before ``writer`` saved ``changes`` from the
    same page; ``reader`` is signed in again, their older page in hand."""
    auth.login(reader)
    older = form_of(client, url)
    auth.logout()
    auth.login(writer)
    assert client.post(url, data=form_of(client, url) | changes).status_code == 302
    auth.logout()
    auth.login(reader)
    return older


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def stall(make_user, make_stall, market):
    make_user("lan", markets=[market])
    make_user("minh", markets=[market])
    return make_stall(market, make_user("tam", markets=[market]), owner_name="Nguyễn Văn Ba")


def edit_url(stall: Stall) -> str:
    return f"/stalls/{stall.id}/edit"


def test_a_stall_page_opened_before_anothers_save_keeps_that_save(client, auth, session, stall):
    lan_form = opened_before_anothers_save(client, auth, edit_url(stall), reader="lan",
                                           writer="minh", changes={"owner_name": "Trần Thị Hai"})
    # Lan's page, opened earlier, still shows the old owner; she changes the zone only.
    lan_form["zone"] = "Dãy cá"
    assert client.post(edit_url(stall), data=lan_form).status_code == 302
    session.refresh(stall)
    assert (stall.zone, stall.owner_name) == ("Dãy cá", "Trần Thị Hai")


def test_the_same_field_changed_by_two_is_said_and_taken_when_sent_again(
        client, auth, session, stall):
    lan_form = opened_before_anothers_save(client, auth, edit_url(stall), reader="lan",
                                           writer="minh", changes={"owner_name": "Trần Thị Hai"})
    lan_form["owner_name"] = "Lê Văn Bốn"
    lan_form["zone"] = "Dãy cá"
    answer = client.post(edit_url(stall), data=lan_form)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Người khác vừa sửa mục này sau khi bạn mở trang, thành “Trần Thị Hai”" in page
    assert 'value="Lê Văn Bốn"' in page  # what she typed stays in the field
    session.refresh(stall)
    assert (stall.zone, stall.owner_name) == ("Khu A", "Trần Thị Hai")  # nothing written

    # Sent again from the page that said it: her value is taken, knowingly.
    again = form_of_answer(page)
    assert again["owner_name"] == "Lê Văn Bốn"
    assert client.post(edit_url(stall), data=again).status_code == 302
    session.refresh(stall)
    assert (stall.zone, stall.owner_name) == ("Dãy cá", "Lê Văn Bốn")


def test_a_form_without_what_it_showed_is_judged_as_before(client, auth, session, stall):
    # A page kept on a phone from before this change sends no "shown." fields: every field
    # that differs is written, as the API's PATCH is.
    auth.login("lan")
    form = {k: v for k, v in form_of(client, edit_url(stall)).items()
            if not k.startswith("shown.")}
    form["zone"] = "Dãy rau"
    assert client.post(edit_url(stall), data=form).status_code == 302
    session.refresh(stall)
    assert stall.zone == "Dãy rau"


def test_an_edit_sent_again_after_anothers_change_is_answered_as_taken(
        client, auth, session, stall):
    # The outbox resending an edit whose answer was lost: taken the first time, so neither a
    # conflict nor a second write over what was saved since.
    auth.login("lan")
    lan_form = form_of(client, edit_url(stall))
    lan_form["owner_name"] = "Lê Văn Bốn"
    assert client.post(edit_url(stall), data=lan_form).status_code == 302
    auth.logout()
    auth.login("minh")
    minh_form = form_of(client, edit_url(stall))
    minh_form["owner_name"] = "Trần Thị Hai"
    assert client.post(edit_url(stall), data=minh_form).status_code == 302
    auth.logout()
    auth.login("lan")
    assert client.post(edit_url(stall), data=lan_form).status_code == 302
    session.refresh(stall)
    assert stall.owner_name == "Trần Thị Hai"


@pytest.fixture
def manager(make_user, market):
    make_user("root", role="admin")
    make_user("root2", role="admin")
    return make_user("hung", display_name="Anh Hùng", role="manager", markets=[market])


def test_an_admins_older_page_does_not_make_a_manager_again(client, auth, session, manager):
    url = f"/admin/people/{manager.username}"
    older = opened_before_anothers_save(client, auth, url, reader="root", writer="root2",
                                        changes={"role": "volunteer"})
    older["display_name"] = "Nguyễn Hùng"  # the older tab still shows "Quản lý chợ"
    assert client.post(url, data=older).status_code == 302
    session.refresh(manager)
    assert (manager.role, manager.display_name) == ("volunteer", "Nguyễn Hùng")


def test_two_admins_renaming_one_login_see_each_others_name(client, auth, session, manager):
    url = f"/admin/people/{manager.username}"
    older = opened_before_anothers_save(client, auth, url, reader="root", writer="root2",
                                        changes={"display_name": "Hùng chợ cá"})
    older["display_name"] = "Nguyễn Hùng"
    answer = client.post(url, data=older)
    assert answer.status_code == 422
    assert "thành “Hùng chợ cá”" in answer.get_data(as_text=True)
    session.refresh(manager)
    assert manager.display_name == "Hùng chợ cá"
    assert client.post(url, data=form_of_answer(answer.get_data(as_text=True))
                       ).status_code == 302
    session.refresh(manager)
    assert manager.display_name == "Nguyễn Hùng"


def test_a_managers_older_settings_page_keeps_the_others_target(
        client, auth, session, make_user, market):
    make_user("thu", role="manager", markets=[market])
    make_user("hoa", role="manager", markets=[market])
    url = f"/m/{market.code}/settings"
    older = opened_before_anothers_save(client, auth, url, reader="thu", writer="hoa",
                                        changes={"target_pct": "90", "census_size": "120"})
    older["campaign_title"] = "Chợ 4.0 Vị Thanh"
    assert client.post(url, data=older).status_code == 302
    session.refresh(market)
    assert (market.target_pct, market.census_size, market.campaign_title) == (
        90, 120, "Chợ 4.0 Vị Thanh")

    older["census_size"] = "150"  # Hoa's 120 came after Thu's page was shown
    answer = client.post(url, data=older)
    assert answer.status_code == 422
    assert "thành “120”" in answer.get_data(as_text=True)
    session.refresh(market)
    assert market.census_size == 120


def test_an_admin_renames_a_volunteer_from_the_page(client, auth, session, make_user, market):
    """Renaming a volunteer answered 500: the role, sent as shown, was left out of the change,
    and the check for a manager made a volunteer read it anyway."""
    make_user("root", role="admin")
    lan = make_user("lan", display_name="Lan", markets=[market])
    auth.login("root")
    url = f"/admin/people/{lan.username}"
    form = form_of(client, url)
    form["display_name"] = "Nguyễn Thị Lan"
    assert client.post(url, data=form).status_code == 302
    session.refresh(lan)
    assert (lan.display_name, lan.role) == ("Nguyễn Thị Lan", "volunteer")
