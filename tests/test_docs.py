"""Everything a user meets is documented in the README (as Datasette's tests check its documentation).

Every address the server answers, every command of ``tradekg``, every page type's JSON alternate: each is named in
README.md. Settings and named queries have their own checks (tests/test_readme.py, tests/queries/test_catalog.py).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tradekg.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_route_of_the_server_is_in_the_readme(app):
    missing = []
    for rule in app.url_map.iter_rules():
        fixed = rule.rule.split("<", 1)[0]  # /page/<path:path> -> /page/, /ontology.<ext> -> /ontology.
        if f"`{fixed}" not in README and f"GET {fixed}" not in README:
            missing.append(rule.rule)
    assert missing == []
    assert len(list(app.url_map.iter_rules())) > 25


def test_every_command_is_in_the_readme():
    assert len(main.commands) >= 8
    assert [name for name in main.commands if f"tradekg {name}" not in README] == []


def test_every_page_is_said_to_be_also_json():
    assert "Every page is also JSON (`?format=json`)" in README
    assert "JSON by `?format=json`" in README  # the named queries' pages


def test_every_option_of_every_command_is_in_the_readme():
    missing = [
        f"{name} {option}"
        for name, command in main.commands.items()
        for parameter in command.params
        for option in getattr(parameter, "opts", [])
        if option.startswith("--") and option not in README
    ]
    assert missing == []


def test_every_dependency_is_in_the_readme_with_a_reason():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)}
    names = {re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower() for requirement in declared}
    section = README.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    reasons = dict(re.findall(r"^\| `([^`]+)` \|[^|]*\| (.+) \|$", section, flags=re.MULTILINE))
    assert set(reasons) == names
    assert all(len(reason.split()) >= 3 for reason in reasons.values())
