"""Which fields an edit form changed: those a person changed since their page was shown.

An edit form sends every field it shows. Taken whole, a page opened before someone else saved
undoes that save without anyone seeing it: an admin's older tab made a manager again of
someone another admin had just made a volunteer, and a volunteer's edit of a stall's zone,
queued on a phone without a signal, would put back the owner's name as it was when the page
was opened. So an edit form also sends the values it showed (``shown``), and:

* a field sent as it was shown was not touched here: it stays as it is now, whoever set it;
* a field changed here that nobody else changed meanwhile is changed;
* a field changed here that someone else changed meanwhile to something else is a conflict,
  said at the field with the value it has now. The form then shows that value as the one
  seen, so that sending it again takes this person's value: nothing is overwritten unseen.

Without ``shown`` (the API's PATCH, which sends only what it changes) every field sent that
differs from the stored value is a change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from merchant_onboard.domain.errors import N_, ConflictError, FormErrors


class ChangedMeanwhile(ConflictError):
    """Someone else changed this field since the page was shown, to ``now``."""

    def __init__(self, field: str, now: Any) -> None:
        if now in (None, ""):  # emptied: "thành “”" read as a value missing from the message
            super().__init__(N_("Người khác vừa xoá nội dung mục này sau khi bạn mở trang. "
                                "Kiểm tra rồi lưu lại nếu vẫn muốn đổi."), field=field)
        else:
            super().__init__(N_("Người khác vừa sửa mục này sau khi bạn mở trang, thành "
                                "“%(now)s”. Kiểm tra rồi lưu lại nếu vẫn muốn đổi."),
                             field=field, now=now)
        self.now = now


def _same(one: Any, other: Any) -> bool:
    # An optional field left empty is stored as None or "" depending on its path.
    return (one if one not in ("", None) else None) == (other if other not in ("", None) else None)


def changes_made_here(sent: Mapping[str, Any], shown: Mapping[str, Any] | None,
                      stored: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``sent`` to write, with their values; raise ``FormErrors`` of
    :class:`ChangedMeanwhile` when a field changed here was changed meanwhile by someone else.

    All three mappings hold cleaned values (as stored). A field missing from ``shown`` is
    judged as without it.
    """
    changes: dict[str, Any] = {}
    conflicts: list[ChangedMeanwhile] = []
    for field, value in sent.items():
        now = stored.get(field)
        if _same(value, now):
            continue
        if shown is not None and field in shown:
            if _same(value, shown[field]):
                continue  # untouched here; someone else's value stands
            if not _same(shown[field], now):
                conflicts.append(ChangedMeanwhile(field, now))
                continue
        changes[field] = value
    if conflicts:
        raise FormErrors(list(conflicts))
    return changes


def shown_as_stored(shown: Mapping[str, Any] | None,
                    clean: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any] | None:
    """What a page showed, cleaned field by field as its form's values are (``clean``: the
    form's partial cleaner, raising ``FormErrors``). A value that does not clean (a page of an
    older rule, a forged field) is left out, so its field is judged without it."""
    if shown is None:
        return None
    cleaned: dict[str, Any] = {}
    for field, value in shown.items():
        try:
            cleaned.update(clean({field: value}))
        except FormErrors:
            pass
    return cleaned
