from tests.conftest import WRITE_TOKEN

AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
GRAPH = "http://example.org/graphs/one"
TURTLE = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."


def test_put_get_delete_cycle(writable_app):
    client = writable_app.test_client()
    url = f"/rdf-graph-store?graph={GRAPH}"
    assert client.put(url, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 201
    assert client.put(url, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 204
    got = client.get(url, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.mimetype == "application/n-triples"
    assert got.data.strip() == TURTLE
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=AUTH).status_code == 404


def test_post_merges_and_default_graph_is_separate(writable_app):
    client = writable_app.test_client()
    url = f"/rdf-graph-store?graph={GRAPH}"
    client.put(url, data=TURTLE, content_type="text/turtle", headers=AUTH)
    more = b'[] <http://example.org/b> "x" .'
    assert client.post(url, data=more, content_type="text/turtle", headers=AUTH).status_code == 204
    assert len(client.get(url, headers={"Accept": "application/n-triples"}).data.strip().splitlines()) == 2
    assert client.get("/rdf-graph-store?default", headers={"Accept": "application/n-triples"}).data.strip() == b""


def test_writes_need_token_and_valid_rdf(writable_app, client):
    url = f"/rdf-graph-store?graph={GRAPH}"
    assert client.put(url, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 403
    writable = writable_app.test_client()
    assert writable.put(url, data=TURTLE, content_type="text/turtle").status_code == 401
    broken = writable.put(url, data=b"<a> <b> .", content_type="text/turtle", headers=AUTH)
    assert broken.status_code == 400 and b"1:" in broken.data
    assert writable.put(url, data=TURTLE, content_type="image/png", headers=AUTH).status_code == 415


def test_non_conforming_put_is_422(writable_app):
    client = writable_app.test_client()
    body = (
        b"@prefix tkg: <https://w3id.org/tradekg/ontology#> ."
        b' <http://example.org/t> a tkg:Tariff ; tkg:ratePercent "x" .'
    )
    response = client.put(f"/rdf-graph-store?graph={GRAPH}", data=body, content_type="text/turtle", headers=AUTH)
    assert response.status_code == 422 and b"ratePercent" in response.data
    assert client.get(f"/rdf-graph-store?graph={GRAPH}").status_code == 404


def test_shapes_graph_is_read_only(writable_app):
    client = writable_app.test_client()
    url = "/rdf-graph-store?graph=https://w3id.org/tradekg/shapes"
    assert client.get(url).status_code == 200
    assert client.put(url, data=TURTLE, content_type="text/turtle", headers=AUTH).status_code == 403


def test_bad_graph_names(client):
    assert client.get("/rdf-graph-store").status_code == 400
    assert client.get("/rdf-graph-store?graph=not-an-iri").status_code == 400
    assert client.get("/rdf-graph-store?graph=http://example.org/g&default").status_code == 400
