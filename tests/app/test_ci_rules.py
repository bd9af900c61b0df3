"""Under CI a skip is a failure, wherever it happens, and only a real CI counts (tests/ci.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci import running_in_ci, screenshots_wanted

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", " NO "])
def test_ci_switched_off_is_not_ci(value):
    assert not running_in_ci({"CI": value})
    assert not running_in_ci({})


@pytest.mark.parametrize("value", ["true", "1", "yes", "woodpecker"])
def test_ci_switched_on_is_ci(value):
    assert running_in_ci({"CI": value})


@pytest.mark.parametrize(("environ", "wanted"), [
    ({}, True), ({"CI": "true"}, False), ({"CI": "false"}, True),
    ({"CI": "true", "MO_SCREENSHOTS": "1"}, True), ({"MO_SCREENSHOTS": "0"}, False),
    ({"MO_SCREENSHOTS": " no "}, False), ({"CI": "1", "MO_SCREENSHOTS": ""}, False)])
def test_screenshots_are_taken_for_people_not_under_ci(environ, wanted):
    assert screenshots_wanted(environ) is wanted


def run_pytest(tmp_path: Path, ci: str, test_source: str) -> subprocess.CompletedProcess:
    """Run pytest on one test module in ``tmp_path``, with this suite's CI rules loaded."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ("tests.ci",)\n')
    (tmp_path / "test_it.py").write_text(test_source)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


MODULE_SKIPPED_AT_COLLECTION = (
    "import pytest\n"
    "peer = pytest.importorskip('a_library_that_is_not_installed')\n"
    "def test_never_collected():\n"
    "    pass\n"
    "def test_other():\n"
    "    pass\n"
)


def test_a_module_skipped_at_collection_fails_the_run_under_ci(tmp_path):
    result = run_pytest(tmp_path, "true", MODULE_SKIPPED_AT_COLLECTION)
    assert result.returncode != 0, result.stdout
    assert "skipped under CI" in result.stdout


def test_a_module_skipped_at_collection_is_a_skip_outside_ci(tmp_path):
    result = run_pytest(tmp_path, "false", MODULE_SKIPPED_AT_COLLECTION)
    assert result.returncode == 5, result.stdout  # nothing collected, nothing failed
    assert "1 skipped" in result.stdout


def test_a_skipped_test_fails_the_run_under_ci(tmp_path):
    result = run_pytest(tmp_path, "true", "import pytest\n"
                                          "def test_it():\n"
                                          "    pytest.skip('no chromium')\n")
    assert result.returncode == 1, result.stdout
    assert "skipped under CI" in result.stdout


@pytest.mark.parametrize(("ci", "fixed"), [("true", "True True"), ("false", "False False")])
def test_hypothesis_runs_a_replayable_profile_under_ci(ci, fixed):
    """Random seeds in CI would make a failure there impossible to replay."""
    show = ("import tests.ci; from hypothesis import settings; "
            "print(settings.default.derandomize, settings.default.print_blob)")
    result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "CI": ci}, timeout=60, check=True)
    assert result.stdout.split("\n")[0] == fixed
