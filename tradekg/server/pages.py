"""Index pages: the home page, one page per class, search by label, and the timeline.

Every page is also JSON (``?format=json``, or ``Accept: application/json``), named in ``Link: rel="alternate"``.
This blueprint also gives the templates their helpers (``href``, ``curie``, ``site_url``...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from tradekg.linkeddata.class_index import class_index, open_kept
from tradekg.linkeddata.index import SORTS, ClassCount, Item, class_counts, examples, instances
from tradekg.linkeddata.timeline import Entry, timeline
from tradekg.linkeddata.vocabulary import local_name, vocabulary
from tradekg.ontology.vocab import PREFIXES, TKG
from tradekg.server import current_store, text_index
from tradekg.server.guard import request_iri
from tradekg.server.views import country_ref, imposers_and_targets
from tradekg.server.web import (
    EXTERNAL_BROWSERS,
    RDF_MEDIA_TYPES,
    bad_request,
    href,
    int_arg,
    json_url,
    not_found,
    page,
    site_url,
)
from tradekg.store.interface import TradeStore
from tradekg.views.chart import chart
from tradekg.views.chart import svg as chart_svg
from tradekg.views.facts import until_write

bp = Blueprint("pages", __name__)


@bp.app_template_filter("upper_first")
def upper_first(text: str) -> str:
    """The text with its first letter in capitals and the rest kept ("HS heading", not Jinja's "Hs heading")."""
    return text[:1].upper() + text[1:]


PAGE_SIZE = 50
PLAIN_DATATYPES = frozenset({PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString"})


def curie(iri: str) -> str:
    """An IRI shortened with the project's prefixes (``xsd:date``), or the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand_curie(text: str) -> str:
    """A compact IRI with one of the project's prefixes (``schema:Organization``) in full; other text unchanged."""
    prefix, _, rest = text.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES and not rest.startswith("//") else text


def external_name(iri: str) -> str:
    """How an external link reads: ``Wikidata Q17`` for a Wikidata item, else the IRI."""
    for namespace, name in EXTERNAL_BROWSERS.items():
        if iri.startswith(namespace):
            return f"{name} {iri[len(namespace) :]}"
    return iri


def class_href(iri: str) -> str:
    """The address of a class's page: ``/class/Tariff`` for the ontology's classes, ``/class?iri=`` for others."""
    if iri.startswith(str(TKG)):
        return site_url("/class/" + iri[len(str(TKG)) :])
    return site_url("/class?" + urlencode({"iri": iri}))


def has_endpoint(name: str) -> bool:
    """Whether the application serves the endpoint ``name`` (pages of optional blueprints link only if so)."""
    return name in current_app.view_functions


def page_link(name: str, value: int) -> str:
    """The current page's address with one query parameter changed (for pagers)."""
    args = request.args.to_dict(flat=True)
    args[name] = str(value)
    return request.path + "?" + urlencode(args)


def page_link_without(name: str) -> str:
    """The current page's address without one query parameter (a pager's "first page")."""
    args = {key: value for key, value in request.args.to_dict(flat=True).items() if key != name}
    return request.path + ("?" + urlencode(args) if args else "")


@bp.record_once
def _install_template_helpers(state: BlueprintSetupState) -> None:
    """Give every template (imported macros included) the helpers it uses."""
    state.app.jinja_env.globals.update(template_helpers())


@bp.record_once
def _follow_kept_class_index(state: BlueprintSetupState) -> None:
    """Open the class index kept beside a store on disk when it is in step, so that every write keeps it so."""
    open_kept(state.app.extensions["tradekg"])


def template_helpers() -> dict[str, object]:
    """Helpers every template may use."""
    return {
        "href": href,
        "curie": curie,
        "site_url": site_url,
        "json_url": json_url,
        "page_link": page_link,
        "page_link_without": page_link_without,
        "class_href": class_href,
        "has_endpoint": has_endpoint,
        "external_name": external_name,
        "plain_datatypes": PLAIN_DATATYPES,
        "rdf_media_types": RDF_MEDIA_TYPES,
    }


def named_queries() -> list[dict[str, str]]:
    """The named queries of the catalog (``tradekg.queries.catalog``), or none when it is not installed.

    Each is given as name, title (its summary) and a runnable SPARQL text: parameters with a default are bound by
    a trailing ``VALUES`` clause, so the query page runs them as the catalog would.
    """
    queries = _app_catalog()
    if queries is None:
        try:
            from tradekg.queries.catalog import load_catalog  # noqa: PLC0415 - optional: another module
        except ImportError:
            return []
        try:
            queries = load_catalog()
        except Exception:  # noqa: BLE001 - a broken catalog must not take the home page down; it has its own tests
            return []
    return [_query_entry(query) for query in queries.values()]


def _app_catalog() -> Mapping[str, object] | None:
    """The catalog the application loaded at start (``tradekg.server.api``), if it has one."""
    try:
        from tradekg.server.api import EXTENSION_KEY  # noqa: PLC0415 - optional: another module
    except ImportError:
        return None
    return current_app.extensions.get(EXTENSION_KEY)


def _query_entry(query: object) -> dict[str, str]:
    """One catalog entry as name, title and runnable query text."""
    text = str(getattr(query, "sparql", "")).strip()
    bound = []
    for param in getattr(query, "params", ()):
        if getattr(param, "default", None) is not None:
            try:
                term = param.to_term(param.default)
            except ValueError:
                continue
            bound.append(f"VALUES ?{param.name} {{ {term.n3()} }}")
    return {
        "name": str(getattr(query, "name", "")),
        "title": str(getattr(query, "summary", "") or getattr(query, "name", "")),
        "query": "\n".join([text, *bound]),
    }


HomeFacts = tuple[list[ClassCount], list[ClassCount], dict[str, list[Item]], list[Entry], list[tuple[str, str]]]


def _home_facts(store: TradeStore) -> HomeFacts:
    """What the home page reads from the graph, kept until the store's next write (``until_write``).

    The classes with their counts and examples (one query per class), the latest dated events, the trading countries.
    """
    counts = class_counts(store)
    shown = [c for c in counts if c.iri.startswith(str(TKG))] or counts
    samples = {c.iri: examples(store, c.iri) for c in shown}
    return counts, shown, samples, timeline(store, newest_first=True, limit=6), imposers_and_targets(store)


@bp.get("/")
@bp.get("/index.json")
def home() -> Response:
    """What the dataset holds: counts per class with examples, the named queries, the latest events."""
    store = current_store()
    counts, shown, samples, latest, trade_countries = until_write(store, ("home page",), lambda: _home_facts(store))
    queries = named_queries()
    vocab = vocabulary(store)

    def data() -> dict[str, object]:
        return {
            "title": vocab.title,
            "classes": [
                {
                    "class": c.iri,
                    "label": c.label,
                    "count": c.count,
                    "examples": [i.to_json() for i in samples.get(c.iri, [])],
                }
                for c in counts
            ],
            "named_queries": [{"name": q["name"], "title": q["title"]} for q in queries],
            "latest_events": [e.to_json() for e in latest],
        }

    return page(
        "home.html",
        data,
        trade_countries=trade_countries,
        counts=shown,
        samples=samples,
        latest=latest,
        queries=queries,
        has_query_pages=has_endpoint("queries.query_page"),
        total=sum(c.count for c in counts),
        description=vocab.description,
    )


INDEX_RETRY_SECONDS = 30


def index_being_built() -> Response:
    """503 with ``Retry-After``: the class index is being built (the first class page after a start or a bulk load)."""
    message = (
        "The list of instances is being prepared: the class index is being built after a start or a large write"
        f" (a few minutes at 10^6 instances). Try again in {INDEX_RETRY_SECONDS} seconds."
    )
    response = page(
        "not_found.html",
        {"error": message, "retry_after": INDEX_RETRY_SECONDS},
        status=503,
        message=message,
        title="Being prepared",
    )
    response.headers["Retry-After"] = str(INDEX_RETRY_SECONDS)
    return response


@bp.get("/class/<name>")
@bp.get("/class")
def class_page(name: str | None = None) -> Response:
    """The instances of a class, paged, sorted by label or by date (``?sort=date``)."""
    if name is not None and name.endswith(".json"):
        name = name[: -len(".json")]
    class_iri = str(TKG) + name if name else request.args.get("iri", "").strip()
    if not class_iri:
        return bad_request("Name a class: /class/Tariff, or /class?iri= for a class outside the ontology.")
    request_iri(class_iri, "the class")
    sort = request.args.get("sort", "label")
    after = request.args.get("after", "").strip() or None
    try:
        offset = int_arg("offset", 0, high=10_000_000)
        limit = int_arg("limit", PAGE_SIZE, low=1, high=1000)
        if after is not None:
            ox.NamedNode(after)  # a cursor must be an IRI
        if not class_index(current_store()).wait_ready(float(current_app.config["TRADEKG_CLASS_INDEX_WAIT"])):
            return index_being_built()
        total, items = instances(current_store(), class_iri, sort=sort, offset=offset, limit=limit, after=after)
    except ValueError as error:
        return bad_request(str(error))
    vocab = vocabulary(current_store())
    term = vocab.terms.get(class_iri)
    if total == 0 and term is None:
        return not_found(f"No class {class_iri} has instances here.", iri=class_iri)
    label = vocab.label(class_iri) or local_name(class_iri)
    data = {
        "class": class_iri,
        "label": label,
        "total": total,
        "offset": offset,
        "limit": limit,
        "sort": sort,
        "after": after,
        "items": [i.to_json() for i in items],
    }
    return page(
        "class.html",
        data,
        class_iri=class_iri,
        label=label,
        comment=term.comment if term else "",
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        sort=sort,
        sorts=SORTS,
        after=after,
        keyset=True,
    )


@bp.get("/search")
def search_page() -> Response:
    """Resources matching every word searched for (``?q=``), ranked, with their classes as facets (``?type=``)."""
    text = request.args.get("q", "")
    if len(text) > 200:
        return bad_request("The search text is longer than 200 characters.")
    chosen = request.args.get("type", "").strip()
    class_iri = expand_curie(chosen) if ":" in chosen else (str(TKG) + chosen if chosen else "")
    try:
        offset = int_arg("offset", 0, high=100_000)
    except ValueError as error:
        return bad_request(str(error))
    answer = text_index().search(text, class_iri=class_iri or None, limit=PAGE_SIZE, offset=offset)
    vocab = vocabulary(current_store())
    shown = {t for hit in answer.hits for t in hit.types} | {f.iri for f in answer.facets} | {class_iri} - {""}
    labels = {iri: vocab.label(iri) or local_name(iri) for iri in shown}  # once per class, not once per hit

    def data() -> dict[str, object]:  # the JSON view's; the HTML page does not need it
        return {
            "q": text,
            "type": class_iri,
            "total": answer.total,
            "total_is_lower_bound": answer.total_is_lower_bound,
            "window": answer.window,
            "building": answer.building,
            "offset": offset,
            "items": [
                {**hit.to_json(), "types": [{"iri": t, "label": labels[t]} for t in hit.types]} for hit in answer.hits
            ],
            "facets": [{"class": f.iri, "label": labels[f.iri], "count": f.count} for f in answer.facets],
        }

    response = page(
        "search.html",
        data,
        status=503 if answer.building else 200,
        q=text,
        answer=answer,
        class_iri=class_iri,
        class_label=labels.__getitem__,
        offset=offset,
        limit=PAGE_SIZE,
    )
    if answer.building:  # the index of a big store is being built at start: a few seconds to minutes
        response.headers["Retry-After"] = "10"
    return response


@bp.get("/timeline")
def timeline_page() -> Response:
    """The dated facts drawn on a time axis, then listed in order; ``?country=JPN`` keeps one country's."""
    store = current_store()
    newest_first = request.args.get("order") == "newest"
    code = request.args.get("country", "").strip()
    country = country_ref(store, code) if code else None
    if code and country is None:
        return not_found(f"No country has the ISO 3166-1 alpha-3 code {code!r}.")
    drawn = chart(store, country=country)
    entries = timeline(store, newest_first=newest_first)
    if country is not None:
        shown = {m.ref.iri for m in drawn.measures} | {e.ref.iri for e in drawn.events}
        entries = [e for e in entries if e.iri in shown]
    years: dict[str, list[object]] = {}
    for entry in entries:
        years.setdefault(entry.year, []).append(entry)
    links = {m.ref.iri: href(m.ref.iri) for m in drawn.measures} | {e.ref.iri: href(e.ref.iri) for e in drawn.events}
    return page(
        "timeline.html",
        lambda: {"chart": drawn.to_json(), "entries": [e.to_json() for e in entries]},
        years=years,
        newest_first=newest_first,
        count=len(entries),
        country=country,
        countries=imposers_and_targets(store),
        chart_svg=chart_svg(drawn, href=links, today=dt.date.today()),
    )
