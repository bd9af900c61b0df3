"""Dependencies: what runs the service, what production adds, and the pins CI and deploys use."""

from __future__ import annotations

import re
import tomllib

from merchant_onboard import PROJECT_ROOT

PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
README = (PROJECT_ROOT / "README.md").read_text()


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()


def _pins() -> dict[str, str]:
    lines = (PROJECT_ROOT / "constraints.txt").read_text().splitlines()
    return dict(line.lower().split("==", 1) for line in lines if line and line[0] != "#")


def test_libraries_used_through_their_internals_are_capped():
    # domain/poster/pdfstream.py drives reportlab's PDF document, qrmatrix.py subclasses qrcode.
    capped = {_name(r): r for r in PROJECT["dependencies"] if "<" in r}
    assert {"reportlab", "qrcode"} <= set(capped)


def test_every_dependency_is_pinned_within_its_range():
    from packaging.requirements import Requirement

    pins = _pins()
    extras = PROJECT["optional-dependencies"]
    for text in PROJECT["dependencies"] + extras["production"] + extras["test"]:
        requirement = Requirement(text)
        if requirement.name == "merchant-onboard":
            continue
        pinned = pins.get(requirement.name.lower().replace("_", "-"))
        assert pinned is not None, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned}"


def test_the_demo_needs_no_postgresql_driver_and_production_installs_it():
    assert "psycopg" not in {_name(r) for r in PROJECT["dependencies"]}
    assert {"psycopg", "gunicorn"} <= {_name(r) for r in PROJECT["optional-dependencies"]
                                       ["production"]}
    assert ".venv/bin/pip install -e . && .venv/bin/merchant-onboard serve --demo" in README
    assert '.venv/bin/pip install -c constraints.txt -e ".[production]"' in README
