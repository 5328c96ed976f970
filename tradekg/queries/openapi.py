"""An OpenAPI 3.1 description of the query API, generated from the catalog (no HTTP here, only data)."""

from __future__ import annotations

from collections.abc import Mapping

from tradekg.queries.catalog import NamedQuery, Param

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "sparql-json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
"""The ``format=`` names of a query's answer and their media types (also chosen by ``Accept``)."""

_SCHEMAS: dict[str, dict[str, object]] = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "decimal": {"type": "string", "pattern": r"^[+-]?(\d+(\.\d*)?|\.\d+)$"},
    "integer": {"type": "integer"},
    "country": {
        "type": "string",
        "description": "An ISO 3166-1 code (JPN, JP) or a country's name in English (Japan), as pycountry knows it.",
    },
}

_ERROR = {
    "description": "A parameter is missing or wrong; the message names it.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _parameter(param: Param) -> dict[str, object]:
    schema = dict(_SCHEMAS[param.type])
    if param.default is not None:
        schema["default"] = int(param.default) if param.type == "integer" else param.default
    parameter: dict[str, object] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": f"{param.description} ({param.type})",
        "schema": schema,
    }
    if param.example is not None:
        parameter["example"] = int(param.example) if param.type == "integer" else param.example
    return parameter


def _operation(query: NamedQuery) -> dict[str, object]:
    row_properties = {name: {"type": ["string", "number", "boolean", "null"]} for name in query.variables}
    friendly = {
        "type": "object",
        "required": ["query", "columns", "rows"],
        "properties": {
            "query": {"type": "string"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": row_properties, "additionalProperties": True},
            },
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
            "next": {"type": ["string", "null"]},
            "prev": {"type": ["string", "null"]},
        },
    }
    return {
        "operationId": "query_" + query.name.replace("-", "_"),
        "summary": query.summary,
        "description": f"{query.description}\n\nExample answer: {query.answer}",
        "tags": list(query.tags) or ["queries"],
        "parameters": [
            *(_parameter(param) for param in query.params),
            {"$ref": "#/components/parameters/limit"},
            {"$ref": "#/components/parameters/offset"},
            {"$ref": "#/components/parameters/format"},
        ],
        "responses": {
            "200": {
                "description": "One page of the answer; a Link header gives the next and previous pages.",
                "headers": {"Link": {"description": "rel=next, rel=prev, rel=alternate", "schema": {"type": "string"}}},
                "content": {
                    "application/json": {"schema": friendly},
                    "application/sparql-results+json": {"schema": {"type": "object"}},
                    "text/csv": {"schema": {"type": "string"}},
                    "text/tab-separated-values": {"schema": {"type": "string"}},
                },
            },
            "400": _ERROR,
        },
    }


def _duty_parameter(name: str, description: str, schema: dict[str, object], *, required: bool) -> dict[str, object]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def duty_operation() -> dict[str, object]:
    """The OpenAPI operation of ``GET /api/duty``, the duty calculator (:mod:`tradekg.duty`)."""
    text = {"type": "string"}
    flag = {"type": "boolean", "default": False}
    measure = {
        "type": "object",
        "required": ["measure", "label", "rate_percent", "legal_basis", "heading", "sources"],
        "properties": {
            "measure": {"type": "string", "format": "iri"},
            "label": text,
            "rate_percent": {"type": "number", "description": "Additional duty paid, all-in rates less MFN."},
            "legal_basis": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "instrument": {"type": "string", "format": "iri"},
                        "label": {"type": "string", "description": "e.g. EO 14257"},
                        "statutes": {"type": "array", "items": text, "description": "e.g. IEEPA"},
                    },
                },
            },
            "heading": {"type": ["string", "null"], "description": "HTS chapter 99 heading, e.g. 9903.01.25"},
            "sources": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "note": {"type": "string", "description": "e.g. all-in 15% less MFN 2.5%; within the quota of ..."},
            "certainty": {"type": "string", "description": "reported: the figure comes from a secondary source"},
        },
    }
    answer = {
        "type": "object",
        "required": ["origin", "hs", "date", "additional_percent", "measures", "not_applied"],
        "properties": {
            "origin": {"type": "string", "description": "ISO 3166-1 alpha-3 code"},
            "hs": {"type": "string", "description": "The code in dotted form, e.g. 8703.23.01"},
            "date": {"type": "string", "format": "date"},
            "usmca": flag,
            "over_quota": flag,
            "additional_percent": {"type": "number"},
            "mfn_percent": {"type": ["number", "null"]},
            "mfn_source": {"type": ["string", "null"]},
            "measures": {"type": "array", "items": measure},
            "not_applied": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["measure", "label", "reason"],
                    "properties": {
                        "measure": {"type": "string", "format": "iri"},
                        "label": text,
                        "reason": {
                            "type": "string",
                            "description": "The rule and its source, e.g. 'suspended from 2025-04-10 until "
                            "2025-07-09 (EO 14266)' or 'not stacked with ... (EO 14289)'.",
                        },
                    },
                },
            },
            "not_checked": {
                "type": "array",
                "description": "Exemptions in force for the origin whose product categories list no HS codes in the "
                "graph: the goods could not be tested against them, so the measures they exempt from were counted.",
                "items": {
                    "type": "object",
                    "required": ["exemption", "label", "legal_basis", "products", "measures", "reason"],
                    "properties": {
                        "exemption": {"type": "string", "format": "iri"},
                        "label": text,
                        "legal_basis": {"type": "string", "description": "e.g. EO 14257"},
                        "products": {"type": "array", "items": {"type": "string", "format": "iri"}},
                        "product_labels": {"type": "array", "items": text},
                        "measures": {"type": "array", "items": {"type": "string", "format": "iri"}},
                        "reason": {
                            "type": "string",
                            "description": "e.g. 'not checked: Annex II goods ... lists no HS codes in this graph ...'",
                        },
                    },
                },
            },
        },
    }
    return {
        "operationId": "duty",
        "summary": "The additional duty goods paid entering the US on a date, and why",
        "description": "Which additional duties goods of one origin and HS code paid on a date: each with its rate, "
        "legal basis, chapter 99 heading and sources, and every other measure that hits the origin with the reason "
        "it did not apply (suspended, exempt, replaced, not stacked, over the quota, not yet or no longer in force). "
        "The rules are read from the graph. 400 for an unknown country, a malformed HS code, or a date outside what "
        "the data covers (the message gives the range).",
        "tags": ["duties"],
        "parameters": [
            _duty_parameter(
                "origin",
                "Country of origin: ISO 3166-1 alpha-3 code, e.g. JPN (names accepted).",
                {"type": "string", "examples": ["JPN"]},
                required=True,
            ),
            _duty_parameter(
                "hs",
                "HS or HTS code of 4 to 10 digits, dots allowed, e.g. 8703.23.01.",
                {"type": "string", "examples": ["8703.23.01"]},
                required=True,
            ),
            _duty_parameter("date", "Date of entry, YYYY-MM-DD.", {"type": "string", "format": "date"}, required=True),
            _duty_parameter(
                "usmca", "The goods are USMCA-qualifying and the importer claims it.", flag, required=False
            ),
            _duty_parameter(
                "over_quota", "The tariff-rate quota that would cover the goods is filled.", flag, required=False
            ),
        ],  # fmt: skip
        "responses": {
            "200": {"description": "The breakdown.", "content": {"application/json": {"schema": answer}}},
            "400": _ERROR,
        },
    }


def duty_by_origin_operation() -> dict[str, object]:
    """The OpenAPI operation of ``GET /api/duty/origins``, the additional duty of every origin on a date."""
    answer = {
        "type": "object",
        "required": ["date", "hs", "additional_percent"],
        "properties": {
            "date": {"type": "string", "format": "date"},
            "hs": {"type": ["string", "null"]},
            "additional_percent": {
                "type": "object",
                "description": "ISO 3166-1 alpha-3 code -> additional duty in percent.",
                "additionalProperties": {"type": "number"},
            },
        },
    }
    return {
        "operationId": "duty_by_origin",
        "summary": "The additional duty goods of every origin paid entering the US on a date",
        "description": "For one HS code, or without `hs` for goods that no product-specific measure covers; no "
        "USMCA claim is made. The numbers a map of the world draws. 400 for a malformed code or a date outside "
        "what the data covers.",
        "tags": ["duties"],
        "parameters": [
            _duty_parameter("date", "The date, YYYY-MM-DD.", {"type": "string", "format": "date"}, required=True),
            _duty_parameter(
                "hs",
                "HS or HTS code, 4 to 10 digits; leave out for the general case.",
                {"type": "string"},
                required=False,
            ),
        ],  # fmt: skip
        "responses": {
            "200": {"description": "Duty by origin.", "content": {"application/json": {"schema": answer}}},
            "400": _ERROR,
        },
    }


def openapi_document(catalog: Mapping[str, NamedQuery], *, max_rows: int, server_url: str = "/") -> dict[str, object]:
    """The OpenAPI 3.1 document of ``/api/queries`` and of one path per named query."""
    paths: dict[str, object] = {
        "/api/queries": {
            "get": {
                "operationId": "list_queries",
                "summary": "The named queries of the catalog",
                "description": "Each query with its summary, description, parameters, view and example answer.",
                "tags": ["catalog"],
                "responses": {"200": {"description": "The catalog.", "content": {"application/json": {"schema": {}}}}},
            }
        }
    }
    for query in catalog.values():
        paths[f"/api/queries/{query.name}"] = {"get": _operation(query)}
    paths["/api/duty"] = {"get": duty_operation()}
    paths["/api/duty/origins"] = {"get": duty_by_origin_operation()}
    tags = sorted({tag for query in catalog.values() for tag in query.tags})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tradekg named queries",
            "version": "0.1.0",
            "description": "The questions analysts ask of the trade-policy graph, one endpoint each. Parameters are "
            "bound as RDF terms, never written into the query text.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "catalog"}, {"name": "duties"}, *({"name": tag} for tag in tags if tag != "duties")],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {
                    "name": "limit",
                    "in": "query",
                    "description": f"Most rows in one page (1 to {max_rows}).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": max_rows, "default": 100},
                },
                "offset": {
                    "name": "offset",
                    "in": "query",
                    "description": "Rows to skip before the page starts.",
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                },
                "format": {
                    "name": "format",
                    "in": "query",
                    "description": "The answer's format; without it the Accept header chooses (default json).",
                    "schema": {"type": "string", "enum": list(MEDIA_TYPES)},
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                }
            },
        },
    }
