"""What changes under CI: a skip is a failure, and Hypothesis runs a fixed, replayable profile.

Loaded by ``tests/conftest.py`` as a plugin. DESIGN §9: skips are allowed on a bare laptop,
never in CI, where a missing part (PostgreSQL, Chromium, the peer VietQR library) must fail the
run instead of shrinking it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import HealthCheck, settings

#: Values of ``CI`` that say "not CI" (``CI=false`` is how some runners switch it off).
_NOT_CI = {"", "0", "false", "no"}


def running_in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() not in _NOT_CI


IN_CI = running_in_ci()


def screenshots_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the browser tests save their screenshots. They are for people to look at:
    taken on a developer's machine, not under CI, where nobody opens them and a whole phone
    page costs Chromium up to half a second. ``MO_SCREENSHOTS=1`` or ``0`` decides either
    way."""
    wanted = environ.get("MO_SCREENSHOTS", "").strip().lower()
    if wanted:
        return wanted not in _NOT_CI
    return not running_in_ci(environ)

# Under CI every run explores the same examples (derandomize), so a failure there replays
# on any machine with the same command; print_blob also prints the failing example's
# @reproduce_failure line. No example database: a fresh clone has none to replay from. No
# deadline: the CI machine is shared, and a slow example there is not a bug. Recent Hypothesis
# has a "ci" profile like it, but loads it whenever a ``CI`` variable exists, "false" or not,
# and older versions (the pin allows them) have none: this one is ours and follows IN_CI.
settings.register_profile("merchant-onboard-ci", derandomize=True, print_blob=True,
                          database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("merchant-onboard-ci" if IN_CI else "default")


def _fail_the_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    report.outcome = "failed"
    report.longrepr = f"skipped under CI, which must run everything: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under CI nothing may be skipped for a missing part: a skip becomes a failure."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        _fail_the_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while it is collected (``importorskip`` at module
    level): its tests never reach ``pytest_runtest_makereport``, so the run would otherwise
    end "N passed, 1 skipped" and exit 0."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        _fail_the_skip(report)
