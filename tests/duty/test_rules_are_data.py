"""The calculator holds no rule of its own: no country, measure or rate is named in its code, and it knows no HTTP."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pycountry

import tradekg.duty

PACKAGE = Path(tradekg.duty.__file__).parent
SOURCES = sorted(PACKAGE.glob("*.py"))


def _strings(path: Path) -> list[str]:
    """The string constants of the code, docstrings and examples in messages ("such as JPN") left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.FunctionDef, ast.ClassDef)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree) if isinstance(node, documented) and node.body
                  and isinstance(node.body[0], ast.Expr)}  # fmt: skip
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and "such as" not in node.value and "e.g." not in node.value
    ]  # fmt: skip


def test_no_country_code_but_the_default_importer() -> None:
    codes = {country.alpha_3 for country in pycountry.countries} - {"USA"}
    for path in SOURCES:
        for text in _strings(path):
            found = codes & set(re.findall(r"\b[A-Z]{3}\b", text))
            assert not found, (path.name, text)


def test_no_measure_programme_or_instrument_is_named() -> None:
    for path in SOURCES:
        for text in _strings(path):
            assert not re.search(r"id/(measure|programme|rule|instrument|exemption|statute)/", text), (path.name, text)
            assert not re.search(r"\b(EO|Proclamation) \d{4,5}\b", text), (path.name, text)


def test_the_core_does_not_import_flask() -> None:
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split(".")[0] in {"flask", "werkzeug"} for name in imported), path.name
