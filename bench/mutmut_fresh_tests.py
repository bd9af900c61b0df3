"""pytest plugin for mutation runs (``[tool.mutmut]`` in pyproject.toml): fresh test modules.

mutmut runs several pytest sessions in one process (the coverage stats, the clean run, then
each mutant in a fork of that process). Test modules kept in ``sys.modules`` from an earlier
session keep their parametrize marks, and pytest escapes their non-ASCII ids once more each
session: ``test[B\\xfan…]`` becomes ``test[B\\\\xfan…]`` and is then "not found" by the id the
first session recorded. Importing the test modules afresh at the start of each session keeps
the ids stable. The package under test stays imported: mutmut picks the mutant at call time.
"""

from __future__ import annotations

import sys
from pathlib import Path


def pytest_configure(config) -> None:
    tests = Path(config.rootpath, "tests").resolve()
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None)
        if source and Path(source).resolve().is_relative_to(tests):
            del sys.modules[name]
