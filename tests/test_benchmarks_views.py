"""benchmarks/views.py at a tiny size: every page answers and the class pages' key and offset orders agree.

No timing is asserted (the figures live in benchmarks/README.md).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from benchmarks import views
from tradekg.graph.load import load_files, open_store


def test_the_view_pages_answer_on_a_generated_graph(tmp_path):
    size, timed = views.pages(60, 1, tmp_path)
    assert size > 1000
    assert [page for page, _, _, _ in timed] == list(views.PAGES)
    assert all(status == 200 and p99 >= median > 0 for _, status, median, p99 in timed)
    # The bundled graph's reference data gives the maps their countries (the generator writes no numeric code).
    assert all(views.MAP_COUNTRIES[page] >= 200 for page in views.PAGES if "/measure/" not in page)
    assert views.MAP_COUNTRIES[next(page for page in views.PAGES if "/measure/" in page)] == 0  # a page without a map


def test_class_pages_by_key_and_by_offset_are_timed_at_each_depth(tmp_path):
    rows = views.class_pages(300, 1, tmp_path)
    assert [depth for depth, *_ in rows] == [0, 30, 150, 200]
    assert all(
        len(times) == 8 and all(p99 >= p50 > 0 for p50, p99 in zip(times[::2], times[1::2], strict=True))
        for _, times in rows
    )


def test_class_pages_from_a_persistent_store(tmp_path):
    rows = views.class_pages(300, 2, tmp_path, store_dir=tmp_path / "store")
    again = views.class_pages(300, 2, tmp_path, store_dir=tmp_path / "store")  # reused, not loaded twice
    assert [depth for depth, *_ in rows] == [depth for depth, *_ in again] == [0, 30, 150, 200]


@pytest.mark.parametrize("sort", ["label", "date"])
def test_key_and_offset_give_the_same_page(tmp_path, sort: str):
    path = tmp_path / "instances.nq"
    views.write_instances(300, path)
    store = open_store(None, empty=True)
    load_files(store, [path], validate=False)
    client = views._client(store)
    whole = client.get(f"/class/Event?format=json&limit=300&sort={sort}").get_json()["items"]
    cursor = quote(whole[149]["iri"], safe="")
    by_key = client.get(f"/class/Event?format=json&limit=50&sort={sort}&after={cursor}").get_json()["items"]
    by_offset = client.get(f"/class/Event?format=json&limit=50&sort={sort}&offset=150").get_json()["items"]
    assert [i["iri"] for i in by_key] == [i["iri"] for i in by_offset] == [i["iri"] for i in whole[150:200]]
    if sort == "date":
        dates = [i["date"] for i in whole]
        assert dates[:270] == sorted(dates[:270], reverse=True) and dates[270:] == [""] * 30  # undated last
