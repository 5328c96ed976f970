"""The fair share of query workers (tradekg/server/shares.py), without processes: who may take a spare worker."""

import time

from tradekg.server.shares import EXPENSIVE_AFTER, Shares


def busy_for_long(shares: Shares, holders: dict[object, str]) -> None:
    """Record ``holders`` as running queries that started long enough ago to count as expensive."""
    for worker, client in holders.items():
        shares.holds(worker, client)
        shares._held[worker] = (client, time.monotonic() - EXPENSIVE_AFTER - 1)


def test_a_client_with_no_query_running_gets_a_spare_when_every_query_is_expensive():
    shares = Shares(2)
    busy_for_long(shares, {"w1": "10.0.0.2", "w2": "10.0.0.2"})
    assert shares.may_add_spare("10.0.0.3", 2)
    assert not shares.may_add_spare("10.0.0.2", 2)  # it runs queries already
    assert not shares.may_add_spare("", 2)  # no address: no share
    assert not shares.may_add_spare("10.0.0.3", 4)  # never more spares than regular workers


def test_a_spare_being_started_counts_as_the_clients_so_it_gets_no_second_one():
    """Two queries of one client arriving together once took both spares (CI saw a third client starve)."""
    shares = Shares(2)
    busy_for_long(shares, {"w1": "10.0.0.2", "w2": "10.0.0.2"})
    assert shares.may_add_spare("10.0.0.3", 2)
    shares.starts("10.0.0.3")
    assert not shares.may_add_spare("10.0.0.3", 3)
    assert shares.may_add_spare("10.0.0.4", 3)
    shares.started("10.0.0.3")
    shares.holds("w3", "10.0.0.3")
    assert not shares.may_add_spare("10.0.0.3", 3)  # now it holds one
    shares.frees("w3")
    assert shares.may_add_spare("10.0.0.3", 2)


def test_a_spare_that_failed_to_start_is_no_longer_counted():
    shares = Shares(2)
    busy_for_long(shares, {"w1": "10.0.0.2", "w2": "10.0.0.2"})
    shares.starts("10.0.0.3")
    shares.started("10.0.0.3")
    assert shares.may_add_spare("10.0.0.3", 2)
