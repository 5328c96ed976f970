"""rdflib-endpoint over rdflib's Memory store, on 127.0.0.1, for the HTTP comparison.

Usage::

    python -m benchmarks.rdflib_server DATA.nq --port 8001
"""

from __future__ import annotations

import argparse
from pathlib import Path

import rdflib
import uvicorn
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve an N-Quads file with rdflib-endpoint.")
    parser.add_argument("data", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(args.data), format="nquads")
    app = SparqlEndpoint(graph=dataset, public_url=f"http://127.0.0.1:{args.port}/", cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
