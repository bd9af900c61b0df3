"""domain.edits: which fields an edit form changed, judged against what it showed."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.edits import ChangedMeanwhile, changes_made_here
from merchant_onboard.domain.errors import FormErrors

STORED = {"zone": "Khu A", "owner_name": "Hai", "notes": None}


def test_a_field_sent_as_shown_is_left_as_it_is_now():
    shown = {"zone": "Khu A", "owner_name": "Ba", "notes": ""}  # "Ba" was renamed "Hai" since
    sent = {"zone": "Khu B", "owner_name": "Ba", "notes": ""}
    assert changes_made_here(sent, shown, STORED) == {"zone": "Khu B"}


def test_a_field_changed_here_and_meanwhile_is_a_conflict_naming_its_value_now():
    shown = {"zone": "Khu A", "owner_name": "Ba"}
    with pytest.raises(FormErrors) as raised:
        changes_made_here({"zone": "Khu B", "owner_name": "Bốn"}, shown, STORED)
    [conflict] = raised.value.errors
    assert isinstance(conflict, ChangedMeanwhile)
    assert (conflict.field, conflict.params["now"]) == ("owner_name", "Hai")


def test_the_same_change_made_twice_is_no_conflict_and_no_change():
    assert changes_made_here({"owner_name": "Hai"}, {"owner_name": "Ba"}, STORED) == {}


def test_without_what_was_shown_every_difference_is_a_change():
    sent = {"zone": "Khu A", "owner_name": "Bốn", "notes": ""}
    assert changes_made_here(sent, None, STORED) == {"owner_name": "Bốn"}
    # A field the page did not say it showed is judged the same way.
    assert changes_made_here(sent, {"zone": "Khu A"}, STORED) == {"owner_name": "Bốn"}


def test_empty_and_none_are_the_same_empty_field():
    assert changes_made_here({"notes": ""}, {"notes": ""}, {"notes": None}) == {}
    assert changes_made_here({"notes": "x"}, {"notes": None}, {"notes": ""}) == {"notes": "x"}


def test_a_field_emptied_meanwhile_is_said_as_emptied():
    with pytest.raises(FormErrors) as caught:
        changes_made_here({"zone": "Khu B"}, {"zone": "Khu A"}, {"zone": ""})
    [conflict] = caught.value.errors
    assert str(conflict) == ("zone: Người khác vừa xoá nội dung mục này sau khi bạn mở trang. "
                             "Kiểm tra rồi lưu lại nếu vẫn muốn đổi.")
