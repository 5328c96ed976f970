"""Synthetic trade-policy graphs that conform to tradekg's shapes, deterministic by seed.

The graph looks like what users load: many tariff lines (a measure imposed by one country on some others,
covering HS product headings, with a rate, dates, a status and a legal basis), exemptions from them,
negotiations with numbered rounds, and proposals seeking relief. Shared things (countries, products, officials,
posts, legal instruments) live in one reference graph; measures are spread over source graphs of
``MEASURES_PER_SOURCE`` measures each, every resource saying which source it comes from
(``prov:wasDerivedFrom``), as the curated graph does.

The output is N-Quads (every triple in a named graph), written straight as text: it is the format every engine
under test parses fastest, so the load comparison measures parsers, not the generator.

Usage::

    python -m benchmarks.generate --measures 10000 --seed 1 --out /tmp/trade-10k.nq
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pycountry

ID = "https://w3id.org/tradekg/id/"
TKG = "https://w3id.org/tradekg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
TITLE = "<http://purl.org/dc/terms/title>"
PUBLISHER = "<http://purl.org/dc/terms/publisher>"
URL = "<https://schema.org/url>"
NOTATION = "<http://www.w3.org/2004/02/skos/core#notation>"
BROADER = "<http://www.w3.org/2004/02/skos/core#broader>"
LEGISLATION_ID = "<https://schema.org/legislationIdentifier>"
LEGISLATION_DATE = "<https://schema.org/legislationDate>"
XSD = "http://www.w3.org/2001/XMLSchema#"

MEASURES_PER_SOURCE = 500
"""Measures per source graph (a tariff schedule or notice is one source)."""

ACTIVE_IMPOSERS = ("USA", "CHN", "CAN", "MEX", "JPN", "KOR", "IND", "BRA", "GBR", "AUS", "TUR", "IDN", "ZAF", "ARG")
"""Countries that impose most measures (the rest of the world imposes a few)."""

MEASURE_STATUSES = ("announced", "scheduled", "inForce", "inForce", "inForce", "suspended", "ended")
NEGOTIATION_STATUSES = ("ongoing", "ongoing", "concluded", "planned")
CERTAINTIES = ("stated", "reported", "tentative")


def iri(path: str) -> str:
    """A resource IRI under ``id/`` in N-Triples syntax."""
    return f"<{ID}{path}>"


def tkg(name: str) -> str:
    """An ontology term in N-Triples syntax."""
    return f"<{TKG}{name}>"


def text(value: str) -> str:
    """A plain string literal in N-Triples syntax."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def english(value: str) -> str:
    """An English literal."""
    return f"{text(value)}@en"


def typed(value: object, datatype: str) -> str:
    """A typed literal."""
    return f'"{value}"^^<{XSD}{datatype}>'


@dataclass(frozen=True)
class Plan:
    """How many of each thing a graph of ``measures`` measures holds."""

    measures: int

    @property
    def countries(self) -> int:
        """Countries: all of ISO 3166 (249) from 1,000 measures up, fewer in tiny graphs."""
        return max(len(ACTIVE_IMPOSERS), min(249, self.measures // 4))

    @property
    def products(self) -> int:
        """HS headings (4 digits), at most 1,200 as in the real nomenclature."""
        return max(8, min(1200, self.measures // 8))

    @property
    def instruments(self) -> int:
        """Legal instruments (executive orders, notices)."""
        return self.measures // 50 + 1

    @property
    def negotiations(self) -> int:
        """Bilateral negotiations, three rounds each."""
        return self.measures // 200 + 1

    @property
    def proposals(self) -> int:
        """Proposals seeking relief from a measure."""
        return self.measures // 40 + 1

    @property
    def sources(self) -> int:
        """Source graphs holding the measures."""
        return (self.measures + MEASURES_PER_SOURCE - 1) // MEASURES_PER_SOURCE


class Generator:
    """Builds the graph quad by quad; every choice comes from one seeded random generator."""

    def __init__(self, measures: int, *, seed: int = 0) -> None:
        self.plan = Plan(measures)
        self.random = random.Random(seed)
        names = {country.alpha_3: country.name for country in pycountry.countries}
        others = sorted(set(names) - set(ACTIVE_IMPOSERS))
        self.imposers = [code for code in ACTIVE_IMPOSERS if code in names]
        self.countries = sorted([*self.imposers, *others[: self.plan.countries - len(self.imposers)]])
        self.country_names = {code: names[code] for code in self.countries}
        self.products = self._product_codes()
        self.graph = ""
        self.source = ""

    def _product_codes(self) -> list[str]:
        chapters = [f"{number:02d}" for number in range(1, 98) if number != 77]
        codes: set[str] = set()
        while len(codes) < self.plan.products:
            codes.add(self.random.choice(chapters) + f"{self.random.randint(1, 30):02d}")
        return sorted(codes)

    def _in(self, slug: str) -> None:
        self.graph = iri(f"graph/{slug}")
        self.source = iri(f"source/{slug}")

    def _q(self, subject: str, predicate: str, obj: str) -> str:
        return f"{subject} {predicate} {obj} {self.graph} .\n"

    def _resource(self, subject: str, kind: str, label: str) -> Iterator[str]:
        yield self._q(subject, RDF_TYPE, tkg(kind))
        yield self._q(subject, LABEL, english(label))
        yield self._q(subject, DERIVED, self.source)

    def _source(self, slug: str, title: str) -> Iterator[str]:
        self._in(slug)
        yield self._q(self.source, RDF_TYPE, tkg("Source"))
        yield self._q(self.source, LABEL, english(title))
        yield self._q(self.source, TITLE, english(title))
        yield self._q(self.source, PUBLISHER, text("Synthetic Trade Register"))
        yield self._q(self.source, URL, f"<https://example.org/register/{slug}>")

    def _day(self, start: date, spread_days: int) -> date:
        return start + timedelta(days=self.random.randint(0, spread_days))

    def reference(self) -> Iterator[str]:
        """Countries, product headings and chapters, officials with their posts, legal instruments."""
        yield from self._source("synthetic-reference", "Synthetic reference data")
        for code in self.countries:
            subject = iri(f"country/{code}")
            yield from self._resource(subject, "Country", self.country_names[code])
            yield self._q(subject, tkg("iso3166Alpha3"), text(code))
        for chapter in sorted({code[:2] for code in self.products}):
            subject = iri(f"product/hs-{chapter}")
            yield from self._resource(subject, "ProductCategory", f"HS chapter {chapter}")
            yield self._q(subject, NOTATION, text(chapter))
        for code in self.products:
            subject = iri(f"product/hs-{code}")
            yield from self._resource(subject, "ProductCategory", f"HS heading {code}")
            yield self._q(subject, NOTATION, text(code))
            yield self._q(subject, BROADER, iri(f"product/hs-{code[:2]}"))
        for code in self.countries:
            for office in ("trade-minister", "head-of-government"):
                post = iri(f"post/{code.lower()}-{office}")
                yield from self._resource(post, "Post", f"{office.replace('-', ' ').capitalize()} of {code}")
                yield self._q(post, tkg("postIn"), iri(f"country/{code}"))
                official = iri(f"official/{code.lower()}-{office}-holder")
                yield from self._resource(official, "Official", f"{office.replace('-', ' ').capitalize()} ({code})")
                yield self._q(official, tkg("holdsPost"), post)
        for number in range(self.plan.instruments):
            subject = iri(f"instrument/order-{number}")
            yield from self._resource(subject, "LegalInstrument", f"Order {number}")
            yield self._q(subject, LEGISLATION_ID, text(f"ORDER {number}"))
            yield self._q(subject, LEGISLATION_DATE, typed(self._day(date(2018, 1, 1), 2900), "date"))

    def _imposer(self) -> str:
        if self.random.random() < 0.85:
            return self.random.choice(self.imposers)
        return self.random.choice(self.countries)

    def measure(self, number: int) -> Iterator[str]:
        """One tariff line (about 15 triples), and sometimes an exemption from it (about 7 more)."""
        rng = self.random
        imposer = self._imposer()
        subject = iri(f"measure/m{number}")
        products = rng.sample(self.products, rng.choice((1, 1, 1, 2, 3)))
        rate = rng.randint(0, 1000) / 10
        kind = "Tariff" if rng.random() < 0.9 else "TradeMeasure"
        yield from self._resource(subject, kind, f"{imposer} {rate}% tariff on HS {products[0]} (#{number})")
        yield self._q(subject, tkg("imposedBy"), iri(f"country/{imposer}"))
        if rng.random() < 0.05:
            yield self._q(subject, tkg("appliesToAll"), typed("true", "boolean"))
        else:
            pool = self.imposers[:6] if rng.random() < 0.5 else self.countries
            targets = [code for code in rng.sample(pool, rng.choice((1, 1, 1, 2, 3))) if code != imposer]
            for target in targets or [self.countries[0] if imposer != self.countries[0] else self.countries[1]]:
                yield self._q(subject, tkg("appliesTo"), iri(f"country/{target}"))
        yield self._q(subject, tkg("ratePercent"), typed(rate, "decimal"))
        for product in products:
            yield self._q(subject, tkg("covers"), iri(f"product/hs-{product}"))
        announced = self._day(date(2018, 1, 1), 2900)
        effective = announced + timedelta(days=rng.randint(0, 120))
        yield self._q(subject, tkg("announcedOn"), typed(announced, "date"))
        yield self._q(subject, tkg("effectiveFrom"), typed(effective, "date"))
        if rng.random() < 0.2:
            yield self._q(
                subject, tkg("effectiveUntil"), typed(effective + timedelta(days=rng.randint(30, 900)), "date")
            )
        yield self._q(subject, tkg("status"), tkg(rng.choice(MEASURE_STATUSES)))
        yield self._q(subject, tkg("legalBasis"), iri(f"instrument/order-{rng.randrange(self.plan.instruments)}"))
        if rng.random() < 0.5:
            heading = f"9903.{rng.randint(1, 99):02d}.{rng.randint(1, 99):02d}"
            yield self._q(subject, tkg("htsHeading"), text(heading))
        if rng.random() < 0.3:
            yield self._q(subject, tkg("announcedBy"), iri(f"official/{imposer.lower()}-trade-minister-holder"))
        if rng.random() < 0.2:
            exemption = iri(f"exemption/m{number}")
            yield from self._resource(exemption, "Exemption", f"Exemption from measure {number}")
            yield self._q(exemption, tkg("exemptionFrom"), subject)
            if rng.random() < 0.5:
                yield self._q(exemption, tkg("exemptCountry"), iri(f"country/{rng.choice(self.countries)}"))
            else:
                yield self._q(exemption, tkg("exemptProduct"), iri(f"product/hs-{products[0]}"))
            yield self._q(
                exemption, tkg("effectiveFrom"), typed(effective + timedelta(days=rng.randint(0, 60)), "date")
            )

    def negotiation(self, number: int) -> Iterator[str]:
        """A bilateral negotiation with three numbered rounds."""
        rng = self.random
        first, second = rng.sample(self.imposers, 2)
        subject = iri(f"negotiation/n{number}")
        yield from self._resource(subject, "Negotiation", f"{first}-{second} trade talks (#{number})")
        yield self._q(subject, tkg("party"), iri(f"country/{first}"))
        yield self._q(subject, tkg("party"), iri(f"country/{second}"))
        yield self._q(subject, tkg("status"), tkg(rng.choice(NEGOTIATION_STATUSES)))
        start = self._day(date(2019, 1, 1), 2200)
        for round_number in (1, 2, 3):
            event = iri(f"event/n{number}-round-{round_number}")
            yield from self._resource(
                event, "NegotiationRound", f"{first}-{second} talks #{number}, round {round_number}"
            )
            yield self._q(event, tkg("partOf"), subject)
            yield self._q(event, tkg("roundNumber"), typed(round_number, "integer"))
            yield self._q(event, tkg("date"), typed(start + timedelta(days=45 * round_number), "date"))
            yield self._q(event, tkg("participant"), iri(f"official/{first.lower()}-trade-minister-holder"))
            yield self._q(event, tkg("participant"), iri(f"official/{second.lower()}-trade-minister-holder"))
            yield self._q(event, tkg("status"), tkg("held" if round_number < 3 else "planned"))

    def proposal(self, number: int) -> Iterator[str]:
        """A proposal by one country to another, seeking relief from some measures."""
        rng = self.random
        proposer, addressee = rng.sample(self.imposers, 2)
        subject = iri(f"proposal/p{number}")
        yield from self._resource(subject, "Proposal", f"{proposer} proposal to {addressee} (#{number})")
        yield self._q(subject, tkg("proposedBy"), iri(f"country/{proposer}"))
        yield self._q(subject, tkg("proposedTo"), iri(f"country/{addressee}"))
        yield self._q(subject, tkg("partOf"), iri(f"negotiation/n{rng.randrange(self.plan.negotiations)}"))
        yield self._q(subject, tkg("concerns"), iri(f"product/hs-{rng.choice(self.products)}"))
        for measure in rng.sample(range(self.plan.measures), min(2, self.plan.measures)):
            yield self._q(subject, tkg("seeksReliefFrom"), iri(f"measure/m{measure}"))
        yield self._q(subject, tkg("status"), tkg("ongoing"))
        yield self._q(subject, tkg("certainty"), tkg(rng.choice(CERTAINTIES)))

    def quads(self) -> Iterator[str]:
        """The whole graph as N-Quads lines."""
        yield from self.reference()
        yield from self._source("synthetic-negotiations", "Synthetic negotiations and proposals")
        for number in range(self.plan.negotiations):
            yield from self.negotiation(number)
        for number in range(self.plan.proposals):
            yield from self.proposal(number)
        for number in range(self.plan.measures):
            if number % MEASURES_PER_SOURCE == 0:
                part = number // MEASURES_PER_SOURCE
                yield from self._source(f"synthetic-schedule-{part}", f"Synthetic tariff schedule {part}")
            yield from self.measure(number)


def write_nquads(measures: int, path: Path, *, seed: int = 0) -> int:
    """Write the graph of ``measures`` measures to ``path`` as N-Quads; returns the number of quads."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        buffer: list[str] = []
        for line in Generator(measures, seed=seed).quads():
            buffer.append(line)
            if len(buffer) >= 10000:
                out.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        out.write("".join(buffer))
        count += len(buffer)
    return count


def write_batch(
    base_measures: int,
    count: int,
    *,
    seed: int = 0,
    graph_slug: str = "synthetic-write",
    with_source: bool = True,
    first: int | None = None,
) -> str:
    """N-Quads of ``count`` new measures: a write to validate against a big graph.

    The new measures are numbered after those of ``Generator(base_measures, seed=seed)`` and refer to its
    countries, products, officials and legal instruments. They go into the source graph ``graph_slug``, whose
    source is described too when ``with_source`` (leave it out to write into a source the graph already has).
    ``first`` numbers the first new measure (``base_measures`` by default), for several distinct writes.
    """
    generator = Generator(base_measures, seed=seed)
    lines = list(generator._source(graph_slug, "A synthetic write"))
    if not with_source:
        lines.clear()
    first = base_measures if first is None else first
    generator.random.seed(seed * 7919 + first)
    for number in range(first, first + count):
        lines.extend(generator.measure(number))
    return "".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docs test parses every documented command with it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    return parser


def main() -> None:
    args = build_parser().parse_args()
    count = write_nquads(args.measures, args.out, seed=args.seed)
    print(f"{count:,} quads written to {args.out}")


if __name__ == "__main__":
    main()
