"""Everything a user meets is documented in the README (as Datasette's tests check its documentation).

Every address the server answers, every command of ``tradekg``, every page type's JSON alternate: each is named in
README.md. Settings and named queries have their own checks (tests/test_readme.py, tests/queries/test_catalog.py).
"""

from __future__ import annotations

from pathlib import Path

from tradekg.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


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
