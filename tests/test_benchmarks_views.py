"""benchmarks/views.py at a tiny size: every page answers and the class pages' key and offset orders agree.

No timing is asserted (the figures live in benchmarks/README.md).
"""

from __future__ import annotations

from benchmarks import views
from tradekg.graph.load import load_files, open_store


def test_the_view_pages_answer_on_a_generated_graph(tmp_path):
    size, timed = views.pages(60, 1, tmp_path)
    assert size > 1000
    assert [page for page, _, _, _ in timed] == list(views.PAGES)
    assert all(status == 200 and p99 >= median > 0 for _, status, median, p99 in timed)


def test_class_pages_by_key_and_by_offset_are_timed_at_each_depth(tmp_path):
    rows = views.class_pages(300, 1, tmp_path)
    assert [depth for depth, *_ in rows] == [0, 30, 150, 200]
    assert all(key99 >= key50 > 0 and off99 >= off50 > 0 for _, key50, key99, off50, off99 in rows)


def test_class_pages_from_a_persistent_store(tmp_path):
    rows = views.class_pages(300, 2, tmp_path, store_dir=tmp_path / "store")
    again = views.class_pages(300, 2, tmp_path, store_dir=tmp_path / "store")  # reused, not loaded twice
    assert [depth for depth, *_ in rows] == [depth for depth, *_ in again] == [0, 30, 150, 200]


def test_key_and_offset_give_the_same_page(tmp_path):
    path = tmp_path / "instances.nq"
    views.write_instances(300, path)
    store = open_store(None, empty=True)
    load_files(store, [path], validate=False)
    client = views._client(store)
    cursor = "https://w3id.org/tradekg/id/product/bench-0000149"
    by_key = client.get(f"/class/ProductCategory?format=json&limit=50&after={cursor}").get_json()["items"]
    by_offset = client.get("/class/ProductCategory?format=json&limit=50&offset=150").get_json()["items"]
    assert [i["iri"] for i in by_key] == [i["iri"] for i in by_offset]
