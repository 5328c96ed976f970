"""The benchmark documents can be followed: every command they give parses, every link they make resolves.

benchmarks/*.md give commands (`python -m benchmarks.X ...`) in code blocks and inline. Each is parsed by its
module's own parser (``build_parser()``), so a renamed module or option, or a typo, fails here; nothing is run.
Links to a heading of a Markdown file (``#anchor``) from benchmarks/*.md, README.md and docs/*.md must name a
heading that file has, as GitHub makes anchors from headings.
"""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK_DOCS = sorted((ROOT / "benchmarks").glob("*.md"))
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`([^`]+)`")
COMMAND = re.compile(r"python -m (benchmarks\.\w+)([^;&|'#\n]*)")
# Placeholders the documents write where a value goes, given a value of the type the option takes.
PLACEHOLDERS = {"N": "6500", "PORT": "8000", "PID": "1"}
LINK = re.compile(r"\]\(([^)\s]*?)#([^)\s]+)\)")
REFERENCE = re.compile(r"^\[[^\]]+\]: *(\S*?)#(\S+) *$", re.MULTILINE)  # [name]: file.md#anchor
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)
FENCED_LINE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def commands_in(text: str) -> list[str]:
    """Every ``python -m benchmarks.X ...`` of a Markdown text, shell continuations joined, comments cut."""
    found = []
    for block in FENCED.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            found += [" ".join(match.group(0).split()) for match in COMMAND.finditer(line)]
    prose = FENCED.sub("", text)
    for span in CODE_SPAN.findall(prose):
        flat = " ".join(span.split())  # a span may run over a line break
        found += [match.group(0).strip() for match in COMMAND.finditer(flat)]
    return found


def documented_commands() -> list[tuple[str, str]]:
    return [(path.name, command) for path in BENCHMARK_DOCS for command in commands_in(path.read_text("utf-8"))]


def test_the_documents_give_commands_of_the_main_benchmarks() -> None:
    modules = {command.split()[2] for _, command in documented_commands()}
    expected = {"run", "evaluated", "search", "views", "concurrent_writes", "remote", "generate", "catalog_times"}
    assert {f"benchmarks.{name}" for name in expected} <= modules


@pytest.mark.parametrize(("document", "command"), documented_commands())
def test_each_documented_command_parses(document: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    words = shlex.split(command)
    module = importlib.import_module(words[2])
    assert hasattr(module, "build_parser"), f"{words[2]} has no build_parser() for {command!r}"
    arguments = [PLACEHOLDERS.get(word, word) for word in words[3:]]
    try:
        module.build_parser().parse_args(arguments)
    except SystemExit:
        pytest.fail(f"{document}: {command!r} does not parse: {capsys.readouterr().err.strip()}")


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCED_LINE.sub("", path.read_text("utf-8"))):
        base = anchor(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def test_anchor_follows_github() -> None:
    assert anchor("Session 7 (disk): the index, `?offset=` flat") == "session-7-disk-the-index-offset-flat"
    assert anchor("10^6 quads (session 6)") == "106-quads-session-6"


def test_every_link_to_a_heading_resolves() -> None:
    sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *BENCHMARK_DOCS]
    broken = []
    for source in sources:
        text = FENCED_LINE.sub("", source.read_text("utf-8"))
        for target, name in LINK.findall(text) + REFERENCE.findall(text):
            if target.startswith(("http://", "https://")):
                continue
            path = (source.parent / target).resolve() if target else source
            if path.suffix == ".md" and (not path.exists() or name not in anchors_of(path)):
                broken.append(f"{source.relative_to(ROOT)} -> {target}#{name}")
    assert broken == []
