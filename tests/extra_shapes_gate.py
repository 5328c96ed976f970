"""The write gate against full validation, under shapes that read what the project's shapes never read.

Run as a program (tests/gate/test_gate_extra_shapes.py starts it in a process of its own): it points
:data:`tradekg.gate.validate.SHAPES_PATH` at the shapes below before anything reads the shapes, so the gate's
footprints, compiled shapes and walks are derived from them alone, and no other test's process sees them.

The project's shapes have no global read (a SPARQL pattern not connected to ``$this``), no ``sh:targetSubjectsOf``
and a single inverse step; these have each, so the parts of the gate that handle them decide verdicts here. Each
write, alone and queued in a group (the group walk of :mod:`tradekg.gate.group_walk`), must get full validation's
verdict (pySHACL, every target) of the dataset Oxigraph computes for it; the store must hold exactly that dataset.
Prints one line per write and exits with status 1 on the first disagreement.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import Graph

EX = "http://example.org/"
G = f"<{EX}g>"
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <{EX}> .

# A global read: no registry may exist while anything is frozen (?thing is not connected to $this).
ex:RegistryShape a sh:NodeShape ; sh:targetClass ex:Registry ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "No registry while anything is frozen." ;
        sh:select "SELECT $this WHERE {{ $this a <{EX}Registry> . ?thing <{EX}frozen> true . }}" ] .

# Targets found through sh:targetSubjectsOf: whatever is reviewed names a reviewer.
ex:ReviewedShape a sh:NodeShape ; sh:targetSubjectsOf ex:reviewedBy ;
    sh:property [ sh:path ex:reviewedBy ; sh:class ex:Reviewer ] .

# Inverse paths: a reviewer reviews at most two things, each rated 5 or less.
ex:ReviewerShape a sh:NodeShape ; sh:targetClass ex:Reviewer ;
    sh:property [ sh:path [ sh:inversePath ex:reviewedBy ] ; sh:maxCount 2 ] ;
    sh:property [ sh:path ( [ sh:inversePath ex:reviewedBy ] ex:rating ) ; sh:maxInclusive 5 ] .
"""
BASE = f"""
{G} {{
    <{EX}registry-1> a <{EX}Registry> .
    <{EX}thing-1> <{EX}frozen> false .
    <{EX}alice> a <{EX}Reviewer> .
    <{EX}doc-1> <{EX}reviewedBy> <{EX}alice> ; <{EX}rating> 3 .
}}
"""


def insert(triples: str) -> tuple[str, str]:
    return "update", f"INSERT DATA {{ GRAPH {G} {{ {triples} }} }}"


FROZEN = insert(f"<{EX}thing-2> <{EX}frozen> true")
SECOND_DOCUMENT = insert(f"<{EX}doc-2> <{EX}reviewedBy> <{EX}alice>")
HARMLESS = insert(f'<{EX}note> <{EX}text> "read by no shape"')
ALSO_HARMLESS = insert(f'<{EX}note-2> <{EX}text> "read by no shape either"')
ONE_WRITE = {  # name: (write, full validation's verdict)
    "something frozen while a registry exists (a global read)": (FROZEN, False),
    "something not frozen": (insert(f"<{EX}thing-2> <{EX}frozen> false"), True),
    "a document reviewed by no reviewer (a subjects-of target)": (
        insert(f"<{EX}doc-2> <{EX}reviewedBy> <{EX}bob>"),
        False,
    ),
    "a second document for alice": (SECOND_DOCUMENT, True),
    "a third document for alice (read back through the inverse path)": (
        insert(f"<{EX}doc-2> <{EX}reviewedBy> <{EX}alice> . <{EX}doc-3> <{EX}reviewedBy> <{EX}alice>"),
        False,
    ),
    "a high rating (read forwards through the inverse path)": (insert(f"<{EX}doc-1> <{EX}rating> 9"), False),
}
# name: (writes, full validation's one-by-one verdicts). The first is settled alone, the others as one group, which
# the group walk validates at once unless a write changes what an earlier one reads: none of these does.
GROUPS = {
    "a registry added while something is frozen": (
        [
            ("update", f"DELETE DATA {{ GRAPH {G} {{ <{EX}registry-1> a <{EX}Registry> }} }} ; {FROZEN[1]}"),
            insert(f"<{EX}registry-2> a <{EX}Registry>"),
            HARMLESS,
        ],
        ["accepted", "rejected", "accepted"],
    ),
    "something frozen in a group": ([HARMLESS, FROZEN, insert(f"<{EX}doc-3> <{EX}rating> 1")], [*"ara"]),
    "a subjects-of target in a group": (
        [HARMLESS, insert(f"<{EX}doc-2> <{EX}reviewedBy> <{EX}bob>"), ALSO_HARMLESS],
        ["accepted", "rejected", "accepted"],
    ),
    "a third document in a group": (
        [SECOND_DOCUMENT, insert(f"<{EX}doc-3> <{EX}reviewedBy> <{EX}alice>"), HARMLESS],
        ["accepted", "rejected", "accepted"],
    ),
    "a high rating in a group": ([HARMLESS, insert(f"<{EX}doc-1> <{EX}rating> 9"), ALSO_HARMLESS], [*"ara"]),
    "all fine together": ([HARMLESS, insert(f"<{EX}registry-2> a <{EX}Registry>"), SECOND_DOCUMENT], [*"aaa"]),
}
VERDICT = {"a": "accepted", "r": "rejected"}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        shapes = Path(folder) / "shapes.ttl"
        shapes.write_text(SHAPES)
        from tradekg.gate import validate

        validate.SHAPES_PATH = shapes  # before anything reads the shapes: this process's gate knows only these
        return _check()


def _check() -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from queued_writes import queued_together

    from tradekg.gate.commit_queue import commit_queue
    from tradekg.gate.validate import quads_to_graph, shapes_graph, with_ontology
    from tradekg.gate.writes import ValidationRejected, apply_update
    from tradekg.graph.load import open_store

    base = ox.Dataset(ox.parse(BASE, format=ox.RdfFormat.TRIG))
    store = open_store(empty=True)
    vocabulary = [quad for quad in store.quads_for_pattern() if quad.graph_name != ox.NamedNode(f"{EX}g")]

    def data() -> set[ox.Quad]:
        return {quad for quad in store.quads_for_pattern() if quad.graph_name == ox.NamedNode(f"{EX}g")}

    def reset() -> None:
        with store.writing():
            store.apply(list(data()), list(base))

    def after(state: set[ox.Quad], text: str) -> set[ox.Quad]:
        copy = ox.Store()
        copy.extend(state)
        copy.update(text)
        return set(copy)

    def conforms(state: set[ox.Quad]) -> bool:
        graph = quads_to_graph(state, into=with_ontology(Graph()))
        found, _, _ = pyshacl_validate(graph, shacl_graph=shapes_graph(), inference="none", advanced=True)
        return bool(found)

    assert vocabulary and conforms(set(base)), "the base data must conform"
    failures = []
    for name, ((_, text), expected) in ONE_WRITE.items():
        reset()
        try:
            apply_update(store, text)
            accepted = True
        except ValidationRejected:
            accepted = False
        result = after(set(base), text)
        verdict = conforms(result)
        held = data() == (result if accepted else set(base))
        print(f"{name}: gate {accepted}, full validation {verdict}, store as validated {held}")
        if verdict != expected or accepted != verdict or not held:
            failures.append(name)
    queue = commit_queue(store)
    for name, (writes, expected) in GROUPS.items():
        reset()
        together = queue.settled["together"]
        outcomes = queued_together(store, writes)
        state, verdicts = set(base), []
        for _, text in writes:
            result = after(state, text)
            verdicts.append("accepted" if conforms(result) else "rejected")
            state = result if verdicts[-1] == "accepted" else state
        expected = [VERDICT.get(verdict, verdict) for verdict in expected]
        grouped = queue.settled["together"] - together
        print(f"{name}: queued {outcomes}, one by one {verdicts}, settled together {grouped}")
        if outcomes != verdicts or verdicts != expected or data() != state:
            failures.append(name)
        if name == "all fine together" and grouped != len(writes) - 1:
            failures.append(f"{name}: not validated together")
    print("cases:", len(ONE_WRITE) + len(GROUPS), "failed:", failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
