"""One door to the store: only the store modules touch pyoxigraph's engine (tradekg/store/: interface.py,
embedded.py, scratch.py's throwaway engines and staging.py's scratch store for a load)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_ONLY = {"tradekg/gate/validate.py", "tradekg/gate/shacl_sparql/validator.py"}
"""Modules that build a throwaway in-memory engine for a computation, never the project's store."""


def sources(*folders: str) -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def test_nothing_reaches_into_a_store_for_its_engine() -> None:
    offenders = [name for name, text in sources("tradekg", "tests", "benchmarks").items()
                 if re.search(r"store(?:\(\))?\.engine\b", text) and name != "tests/test_one_door.py"]  # fmt: skip
    assert offenders == []


def test_no_private_modules_and_no_rdflib_dataset_over_the_store() -> None:
    offenders = [
        name
        for name, text in sources("tradekg").items()
        if "oxrdflib" in text or re.search(r"(?<!ox\.)\bDataset\(", text)  # pyoxigraph's Dataset is a value
    ]
    assert offenders == []


def test_only_the_embedded_backend_opens_an_engine() -> None:
    opened = {name for name, text in sources("tradekg").items() if re.search(r"\box\.Store\b", text)}
    store_modules = {
        "tradekg/store/embedded.py",
        "tradekg/store/scratch.py",
        "tradekg/store/staging.py",
        "tradekg/store/interface.py",
    }
    assert opened <= store_modules | SCRATCH_ONLY
