"""The audit log in words: an entry's details as labelled, readable values, not Python."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from merchant_onboard.web.i18n import thousands
from merchant_onboard.web.labels import (
    AUDIT_ACTION_LABELS, AUDIT_COUNT_LABELS, AUDIT_DETAIL_LABELS, AUDIT_GROUP_LABELS,
    AUDIT_VALUE_LABELS, FORMAT_LABELS,
    MARKET_FIELD_LABELS, ROLE_LABELS, STATUS_LABELS, USER_FIELD_LABELS, YES_NO,
)

#: Details whose values are codes with a name of their own.
_NAMED_VALUES = {"role": ROLE_LABELS, "status": STATUS_LABELS, "format": FORMAT_LABELS}
#: The fields a change names (a market's settings, a login's name and role).
_FIELD_LABELS = {**MARKET_FIELD_LABELS, **USER_FIELD_LABELS}


def action_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The audit filter: ``(group label, prefix, [(action, label)])`` for every group of
    actions, so the filter offers every action a service writes."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in AUDIT_ACTION_LABELS.items():
        groups.setdefault(action.split(".", 1)[0], []).append((action, str(label)))
    return [(str(AUDIT_GROUP_LABELS[group]), f"{group}.", actions)
            for group, actions in groups.items()]


def audit_details(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` of each detail of an entry, in the order written. An empty detail
    (a batch of every zone) is left out; a settings change gives one pair a field,
    ``old → new``."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "request":  # a confirmation's id, to know it sent again: nobody reads it
            continue
        if key == "changes":
            out += [(str(_FIELD_LABELS.get(field, field)),
                     f"{_value(old, _NAMED_VALUES.get(field))} → "
                     f"{_value(new, _NAMED_VALUES.get(field))}")
                    for field, (old, new) in value.items()]
        elif key == "fields":
            out.append((str(AUDIT_DETAIL_LABELS[key]),
                        ", ".join(str(_FIELD_LABELS.get(f, f)) for f in value)))
        elif value not in ("", None, []):
            out.append((_label(key, value), _value(value, _NAMED_VALUES.get(key))))
    return out


def _label(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and key in AUDIT_COUNT_LABELS:
        return str(AUDIT_COUNT_LABELS[key])
    return str(AUDIT_DETAIL_LABELS.get(key, key))


def _value(value: Any, names: Mapping[str, Any] | None = None) -> str:
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, list):
        return ", ".join(_value(item, names) for item in value)
    if isinstance(value, str):
        named = (names or AUDIT_VALUE_LABELS).get(value)
        if named is not None:
            return str(named)
    if isinstance(value, int):
        # Every number an entry holds is a quantity (stalls added, a declared size, markets
        # exported), as the pages that showed it wrote it: "1.433", "1,433" in English.
        return thousands(value)
    return str(value)
