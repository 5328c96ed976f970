"""What every country page and map shares, computed once at start (in the background, by ``tradekg serve``).

The first country page after a start paid for what all pages share: the tariff index, the rules every importer
shares, each importer's own rules, the table of countries and the map's projected shapes (53.8 s at 10^6 quads
on an idle machine). :func:`warm_up` computes them; the duties on all goods of a day, which depend on the day a
page asks for, are computed by the pages (a few milliseconds each with the rules kept). Each is a kept answer
(:mod:`tradekg.views.kept`) or a summary that follows the store: a page asked meanwhile computes what it needs
itself, or waits for the same computation under way, and never gets an answer older than the store. A store on
disk keeps them in a file beside it (:mod:`tradekg.views.on_disk`): the warm-up of the next start reads the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from tradekg.store.interface import TradeStore
from tradekg.views.on_disk import save_if_changed
from tradekg.views.rule_books import rule_book
from tradekg.views.tariff_index import tariff_index
from tradekg.views.worldmap import all_goods_duty, countries_by_code, imposing_countries, shapes

log = logging.getLogger(__name__)


def warm_up(store: TradeStore, *, day: dt.date | None = None) -> float:
    """Compute what the country pages and the map share (and, given ``day``, every duty on all goods that day).

    Returns:
        The seconds it took.
    """
    started = time.perf_counter()
    shapes()
    tariff_index(store).facing_count("")
    importers = imposing_countries(store)
    for importer in importers:
        rule_book(store, importer.iri.rsplit("/", 1)[-1])
    countries = countries_by_code(store)
    if day is not None:  # the duties on all goods of one day, between every pair (minutes at 10^5 quads)
        for importer in importers:
            code = importer.iri.rsplit("/", 1)[-1]
            for _, origin in countries.values():
                if origin != code:
                    all_goods_duty(store, code, origin, day)
    return time.perf_counter() - started


def warm_up_in_background(store: TradeStore) -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread; its failure is logged, never raised (pages compute on demand).

    A store on disk then has what was computed saved beside it, for the next start.
    """

    def run() -> None:
        try:
            seconds = warm_up(store)
        except Exception:  # noqa: BLE001 - a warm-up is an optimisation: pages compute what they need anyway
            log.exception("the views' warm-up failed; pages compute what they need at their first view")
            return
        log.info("views warmed up in %.1f s", seconds)
        save_if_changed(store)  # a store on disk: the next start takes them from its file (tradekg.views.on_disk)

    thread = threading.Thread(target=run, name="tradekg-views-warm-up", daemon=True)
    thread.start()
    return thread
