"""``--dist loadfile`` on pytest-xdist workers, with the longest modules handed out first.

Each module goes whole to one worker (its module fixtures are built once), and each worker starts the session's
servers it needs (Chromium, Virtuoso, the Oxigraph server, ``tradekg serve``) at most once. xdist hands modules out
in the order of their number of tests, which put a 25-test module that waits minutes on Chromium last, with one
worker busy and the other idle. :data:`LONGEST_MODULES` are handed out first, longest first; then the others, most
tests first. A module missing from the list still runs: the list only orders the work.
"""

from __future__ import annotations

from typing import Any

import pytest

LONGEST_MODULES = (
    "tests/server/test_views_browser.py",
    "tests/browser/test_site_crawl.py",  # the whole site in Chromium (new in session 6, not yet measured)
    "tests/server/test_w3c_update.py",  # with test_w3c_conformance.py (RUNS_WITH)
    "tests/store/test_backends.py",
    "tests/server/test_run.py",
    "tests/test_benchmarks.py",
    "tests/gate/test_gate_differential.py",
    "tests/server/test_browser.py",
    "tests/server/test_hostile_clients.py",
    "tests/test_cli.py",
    "tests/server/test_worker.py",
    "tests/ontology/test_shapes.py",
    "tests/server/test_browser_query_search.py",
    "tests/server/test_hostile_input.py",
)
"""Modules by wall time in a serial run (5 December 2026, load 4, tests/README.md), longest first."""
RUNS_WITH = {"tests/server/test_w3c_conformance.py": "tests/server/test_w3c_update.py"}
"""Modules handed out together with another, whose session servers they share: the W3C suites each start
``tradekg serve`` over the three backends (three processes and Virtuoso), so on one worker they start them once."""


def order_of(module: str, tests: int) -> tuple[int, int]:
    """Sort key of a module: the listed ones first in their order, then the rest by number of tests."""
    if module in LONGEST_MODULES:
        return LONGEST_MODULES.index(module), 0
    return len(LONGEST_MODULES), -tests


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadfile``, the same per-module scheduling in :func:`order_of` order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirstFileScheduling(LoadFileScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return RUNS_WITH.get(module, module)

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:  # the queue is complete before the first module is handed out
                queue = sorted(self.workqueue.items(), key=lambda unit: order_of(unit[0], len(unit[1])))
                self.workqueue.clear()
                self.workqueue.update(queue)
                self.ordered = True
            super()._assign_work_unit(node)

    return LongestFirstFileScheduling(config, log)
