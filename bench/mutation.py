"""Mutation testing: how many small deliberate bugs the fast tests catch, per module.

Run from the checkout (after ``pip install -e ".[test]"``)::

    .venv/bin/python bench/mutation.py                      # the modules of the goal (issue 15)
    .venv/bin/python bench/mutation.py services/access.py   # only these (paths under the package)
    .venv/bin/python bench/mutation.py --report             # print the last run's figures again
    .venv/bin/python bench/mutation.py --report --diffs     # … with each survivor's diff

mutmut (configured in ``[tool.mutmut]`` of pyproject.toml) copies the package into
``mutants/``, changes one thing at a time (an operator, a constant, a keyword argument, a
return value) and runs the fast tests that cover the changed function: ``tests/domain`` and
``tests/services`` on SQLite, without PostgreSQL (``MO_TEST_DATABASE_URL`` is dropped) or the
browser. A mutant the tests notice is *killed*; one they do not is a *survivor*: either a
missing test or a change that cannot alter behaviour (an *equivalent* mutant, listed with its
reason in ``tests/MUTATION.md``). Goal: at least 90 % killed in each module below.

Not run in CI: a whole run takes about 1 h 40 min on two cores (tests/MUTATION.md). Prints
figures only.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "merchant_onboard"
MUTANTS = ROOT / "mutants"
NOTES = ROOT / "tests" / "MUTATION.md"
GOAL = 0.90

#: The modules issue 15 sets the goal for (paths under the package; a folder means its files).
GOAL_MODULES = ("domain/vietqr/", "domain/funnel.py", "services/access.py", "services/stalls.py",
                "services/onboarding.py", "services/users.py", "services/authentication.py",
                "services/membership.py", "services/posters.py",
                "services/verification.py", "services/exports.py")

# mutmut's exit codes per mutant (mutmut/stats.py): a timeout or a type-check failure also
# means the change was noticed.
DETECTED = {"killed", "timeout", "caught by type check"}
STATUS_BY_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
                  34: "skipped", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout",
                  255: "timeout", 37: "caught by type check", None: "not checked"}


def pattern(module: str) -> str:
    """mutmut's name pattern for the mutants of ``module`` (``services/access.py``)."""
    dotted = module.removesuffix(".py").strip("/").replace("/", ".")
    return f"{PACKAGE}.{dotted}.*"


def run(modules: list[str], max_children: int) -> int:
    """``mutmut run`` on the mutants of ``modules`` with the fast tests' environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("MO_TEST_DATABASE_URL", "CI")}
    # mutmut updates its map of which tests reach which function only for tests it thinks
    # changed: a function split out of another (``stalls._update`` out of ``update_stall``) was
    # mapped to 3 tests of the 14 that reach it, and its mutants "survived" tests that kill them.
    # Mapping afresh costs one run of the fast tests; a stale map costs wrong figures.
    (MUTANTS / "mutmut-stats.json").unlink(missing_ok=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    command = [str(mutmut), "run", "--max-children", str(max_children),
               *(pattern(m) for m in modules)]
    print("$", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


def results(modules: list[str]) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from the ``.meta`` files of the last run."""
    found: dict[str, dict[str, str]] = {}
    for module in modules:
        base = MUTANTS / PACKAGE / module
        metas = sorted(base.glob("**/*.py.meta")) if module.endswith("/") else \
            [base.with_name(base.name + ".meta")]
        for meta in metas:
            if not meta.exists():
                continue
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            name = str(meta.relative_to(MUTANTS / PACKAGE)).removesuffix(".meta")
            found[name] = {key: STATUS_BY_CODE.get(code, "suspicious")
                           for key, code in codes.items()}
    return found


def judged_equivalent() -> list[str]:
    """Mutant names (or ``*`` patterns) that tests/MUTATION.md lists as equivalent: the first
    column of its tables."""
    if not NOTES.exists():
        return []
    return re.findall(r"^\|\s*`([\w.ǁ*]+__mutmut_[\d*]+)`", NOTES.read_text(), re.MULTILINE)


def is_equivalent(name: str, judged: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in judged)


def report(modules: list[str], *, diffs: bool) -> bool:
    """Print the kill rate per module and the survivors; True when every module meets the goal."""
    by_module = results(modules)
    if not by_module:
        print("no results under mutants/: run without --report first")
        return False
    equivalent = judged_equivalent()
    print(f"\n{'module':34} {'mutants':>7} {'killed':>7} {'t/o':>4} {'rate':>6} {'equiv':>5} "
          f"{'rate*':>6}  (t/o: killed by the time limit; rate* leaves out the mutants judged "
          f"equivalent in tests/MUTATION.md)")
    all_met = True
    survivors: list[tuple[str, str, str]] = []
    totals: Counter[str] = Counter()
    for module, statuses in by_module.items():
        checked = {k: s for k, s in statuses.items() if s != "not checked"}
        killed = sum(s in DETECTED for s in checked.values())
        timeouts = sum(s == "timeout" for s in checked.values())
        alive = [k for k, s in checked.items() if s not in DETECTED]
        same = sum(is_equivalent(k, equivalent) for k in alive)
        total = len(checked)
        rate = killed / total if total else 1.0
        rate_eq = killed / (total - same) if total - same else 1.0
        all_met &= rate_eq >= GOAL
        totals.update(mutants=total, killed=killed, timeouts=timeouts, equivalent=same)
        print(f"{module:34} {total:7} {killed:7} {timeouts:4} {rate:6.1%} {same:5} {rate_eq:6.1%}"
              f"{'' if rate_eq >= GOAL else '  < goal'}"
              f"{f'  ({len(statuses) - total} not checked)' if len(statuses) > total else ''}")
        survivors += [(module, k, checked[k]) for k in alive if not is_equivalent(k, equivalent)]
    total, killed, same = totals["mutants"], totals["killed"], totals["equivalent"]
    if total:
        print(f"{'all':34} {total:7} {killed:7} {totals['timeouts']:4} {killed / total:6.1%} "
              f"{same:5} "
              f"{killed / max(1, total - same):6.1%}")
    print(f"\n{len(survivors)} survivors not judged equivalent:")
    for module, name, status in survivors:
        print(f"  {name}  [{status}]")
        if diffs:
            diff = subprocess.run([str(Path(sys.executable).with_name("mutmut")), "show", name],
                                  cwd=ROOT, capture_output=True, text=True).stdout
            print("\n".join("      " + line for line in diff.splitlines()[1:]))
    return all_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=list(GOAL_MODULES),
                        help="paths under merchant_onboard/ (default: the goal's modules)")
    parser.add_argument("--report", action="store_true", help="only print the last run's figures")
    parser.add_argument("--diffs", action="store_true", help="print each survivor's diff")
    parser.add_argument("--max-children", type=int, default=2,
                        help="parallel test processes (default 2: the machine is shared)")
    args = parser.parse_args()
    if not args.report:
        status = run(args.modules, args.max_children)
        if status:
            print(f"mutmut run ended with status {status}")
    return 0 if report(args.modules, diffs=args.diffs) else 1


if __name__ == "__main__":
    sys.exit(main())
