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
    "tests/server/test_w3c_update.py",  # with the other modules of the SPARQL servers (RUNS_WITH)
    "tests/browser/test_analyst_walk.py",  # every page type at two widths, axe-core on each: the most CPU of all
    "tests/gate/test_gate_differential.py",
    "tests/server/test_run.py",
    "tests/browser/test_site_crawl.py",
    "tests/test_benchmarks.py",
    "tests/ontology/test_shapes.py",
    "tests/search/test_text_search.py",
    "tests/server/test_hostile_clients.py",
    "tests/test_cli.py",
    "tests/server/test_hostile_input.py",
    "tests/gate/test_commit_queue.py",
    "tests/gate/test_compiled_shapes.py",
    "tests/server/test_worker.py",
    "tests/server/test_browser.py",
    "tests/queries/test_duties_on_date.py",
    "tests/server/test_hostile_limits.py",
    "tests/duty/test_dated_cases.py",
    "tests/server/test_views_browser.py",
    "tests/browser/test_query_pickers.py",
)
"""Modules by wall time in a whole-suite run (5 December 2026, session 7, tests/README.md), longest first."""
SPARQL_SERVER_MODULES = (
    "tests/server/test_w3c_conformance.py",
    "tests/store/test_backend_commands.py",
    "tests/store/test_backends.py",
    "tests/store/test_remote.py",
    "tests/store/test_sparql_client.py",
)
RUNS_WITH = dict.fromkeys(SPARQL_SERVER_MODULES, "tests/server/test_w3c_update.py")
"""Modules handed out together with another, whose session servers they share: the W3C suites, the backends' suite
(two modules, sharing each backend's installed bundled graph) and the remote store's tests use Virtuoso and the
Oxigraph server (and the W3C suites three ``tradekg serve``), so on one worker these start once per run instead of
once per worker (Virtuoso: about 5 CPU-s and 10-25 s to start)."""


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
