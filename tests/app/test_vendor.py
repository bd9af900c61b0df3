"""The browser libraries in static/vendor/ are the versions static/package.json pins, with their licences."""

from __future__ import annotations

import json
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_every_pinned_package_is_vendored_at_its_pinned_version_with_its_licence():
    pinned = json.loads((STATIC / "package.json").read_text())["dependencies"]
    locked = json.loads((STATIC / "package-lock.json").read_text())["packages"]
    assert pinned
    for name, version in pinned.items():
        assert version[0].isdigit(), f"{name} must be pinned exactly, not {version!r}"
        assert locked[f"node_modules/{name}"]["version"] == version
        folder = STATIC / "vendor" / name
        assert (folder / "VERSION").read_text().split() == [name, version]
        assert any(folder.glob("LICEN[CS]E*")), f"{name} is vendored without its licence"
        assert [p for p in folder.iterdir() if p.suffix in {".js", ".wasm", ".mjs"}], name


def test_nothing_is_vendored_that_package_json_does_not_pin():
    pinned = set(json.loads((STATIC / "package.json").read_text())["dependencies"])
    assert {p.name for p in (STATIC / "vendor").iterdir()} <= pinned
