"""GET /api/v1/: where the documentation and the collections are."""

from django.test import Client


def test_the_api_root_names_addresses_that_answer(db):
    client = Client()
    root = client.get("/api/v1/")
    assert root.status_code == 200
    assert root["Content-Type"] == "application/json"
    body = root.json()
    assert body["version"] == "v1"
    assert body["docs"] == "http://testserver/api/v1/docs/"
    public = body["public"]
    assert set(public) == {"claims", "articles", "organizations", "claimreview", "annotations"}
    for address in [body["schema"], *public.values()]:
        assert client.get(address).status_code == 200, address
    for address in body["newsroom"].values():
        assert client.get(address).status_code == 401, address
    # Cacheable and conditional, as the other public reads.
    assert client.get("/api/v1/", headers={"If-None-Match": root["ETag"]}).status_code == 304
    assert client.get("/api/v1/?format=json").status_code == 200
    assert client.get("/api/v1/?format=xml").status_code == 400
    refused = client.get("/api/v1/?organisation=x")
    assert refused.status_code == 400 and "organisation" in refused.json()["errors"]
