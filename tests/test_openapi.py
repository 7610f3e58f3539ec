"""The OpenAPI document tells the truth, and its documentation page works from this instance."""

import json
import re

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from openapi_spec_validator import OpenAPIV30SpecValidator

from tests.browser_support import ARTIFACTS
from tests.conftest import once_this_second_is_over

PROBLEM = "application/problem+json"
WRITE_METHODS = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """The generated document, as a client reads it from /api/v1/schema/."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", *WRITE_METHODS):
                yield path, method, operation


def resolve(schema, node):
    """The schema `node` stands for, through `$ref` and a single-item `allOf`."""
    while True:
        if len(node.get("allOf", [])) == 1:
            node = node["allOf"][0]
        elif "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        else:
            return node


def json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a union with null."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def examples_with_schemas(schema):
    """Every example in the document, with where it is and the schema it illustrates."""
    for path, method, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(code, response) for code, response in operation["responses"].items()]
        for where, body in bodies:
            for media_type, media in body.get("content", {}).items():
                for name, example in media.get("examples", {}).items():
                    label = f"{method} {path} {where} {media_type} {name!r}"
                    yield label, media["schema"], example["value"]


def test_every_operation_has_examples_of_its_bodies(schema):
    for path, method, operation in operations(schema):
        json_bodies = [
            media
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items()
            if "json" in media_type
        ]
        for media in json_bodies:
            assert media.get("examples"), (method, path, "request")
        for code, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                assert media.get("examples"), (method, path, code)


def test_every_example_matches_the_schema_it_illustrates(schema):
    components = json_schema(schema["components"])
    checked, wrong = 0, []
    for label, node, value in examples_with_schemas(schema):
        validator = jsonschema.Draft202012Validator(
            {**json_schema(node), "components": components},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        wrong += [
            f"{label} at /{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(value)
        ]
        checked += 1
    assert wrong == [], "\n".join(wrong)
    assert checked > 50, checked


def test_schema_generates_with_no_warnings_or_errors(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` passes: the document is valid OpenAPI."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    document = yaml.safe_load(out.read_text())
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"].startswith("1.0.0")


@pytest.mark.django_db
def test_the_document_is_valid_openapi_that_client_generators_accept(schema):
    # Every error at once, so one run names them all (a default outside its enum, say).
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in OpenAPIV30SpecValidator(schema).iter_errors()
    ]
    assert errors == []


def test_schema_is_json_that_a_browser_shows_instead_of_downloading(client):
    response = client.get(
        reverse("v1:schema"), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("inline")
    assert json.loads(response.content)["info"]["title"] == "Fact-check API"


@pytest.mark.django_db
def test_schema_comes_as_yaml_when_asked(client):
    response = client.get(reverse("v1:schema"), {"format": "yaml"})
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")
    refused = client.get(reverse("v1:schema"), {"format": "xml"})
    assert refused.status_code == 400
    assert "yaml" in refused.json()["errors"]["format"][0]


def test_every_path_is_versioned_and_every_operation_tagged(schema):
    assert schema["paths"], "the document lists no operation"
    declared_tags = {tag["name"] for tag in schema["tags"]}
    for path, method, operation in operations(schema):
        assert path.startswith("/api/v1/"), path
        assert set(operation["tags"]) <= declared_tags, (method, path, operation["tags"])


def test_every_error_response_is_a_problem_document_with_an_example(schema):
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) < 400:
                continue
            assert list(response["content"]) == [PROBLEM], (method, path, code)
            body = response["content"][PROBLEM]
            properties = resolve(schema, body["schema"])["properties"]
            assert {"type", "title", "status", "detail"} <= set(properties), (method, path)
            if "examples" in body:
                example = next(iter(body["examples"].values()))["value"]
                assert example["status"] == int(code), (method, path, code)


def test_writes_document_invalid_input_refusals_and_throttling(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        if method in ("post", "put", "patch"):
            assert {"400", "403"} <= codes, (method, path, sorted(codes))
        if any(operation.get("security", [{}])):
            # A non-empty requirement: credentials can be missing, wrong or not enough.
            assert codes & {"401", "403"}, (method, path, sorted(codes))
        if "{" in path:
            assert "404" in codes, (method, path, sorted(codes))


def test_token_and_session_are_the_documented_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["apiToken"]["description"],
    }
    assert "Token <key>" in schemes["apiToken"]["description"]
    assert schemes["session"]["in"] == "cookie"
    claim = schema["paths"]["/api/v1/newsroom/claims/{id}/"]["patch"]
    assert {"apiToken": []} in claim["security"]


def test_claim_creation_is_documented_as_201_with_selectors_in_the_body(schema):
    create = schema["paths"]["/api/v1/newsroom/articles/{id}/claims/"]["post"]
    assert "201" in create["responses"]
    assert "200" not in create["responses"]
    body = resolve(schema, create["requestBody"]["content"]["application/json"]["schema"])
    assert "selectors" in body["required"]
    assert "claim_reviewed" not in body.get("required", [])


def test_claim_writes_document_if_match_412_and_428(schema):
    for path, method in (
        ("/api/v1/newsroom/claims/{id}/", "patch"),
        ("/api/v1/newsroom/claims/{id}/transition/", "post"),
        ("/api/v1/newsroom/claims/{id}/sources/", "post"),
        ("/api/v1/newsroom/claims/{id}/sources/{source_pk}/", "patch"),
        ("/api/v1/newsroom/claims/{id}/sources/{source_pk}/", "delete"),
        ("/api/v1/newsroom/claims/{id}/reattach/", "post"),
    ):
        operation = schema["paths"][path][method]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "If-Match" in headers, (method, path)
        assert {"412", "428"} <= set(operation["responses"]), (method, path)
    stale = schema["paths"]["/api/v1/newsroom/claims/{id}/"]["patch"]["responses"]["412"]
    properties = resolve(schema, stale["content"][PROBLEM]["schema"])["properties"]
    assert "current" in properties


def test_public_claim_list_is_documented_with_cursor_pagination_and_no_token(schema):
    listing = schema["paths"]["/api/v1/claims/"]["get"]
    page = resolve(schema, listing["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"next", "previous", "results"} <= set(page["properties"])
    assert "count" not in page["properties"]
    parameters = {p["name"] for p in listing["parameters"]}
    assert {"cursor", "updated_since", "organization", "article_url", "q"} <= parameters
    # Anyone may read: an empty requirement lets a client call it without credentials.
    assert listing.get("security", [{}]) == [{}] or {} in listing["security"]
    item = resolve(schema, page["properties"]["results"]["items"])
    assert {"published", "retracted"} <= set(resolve(schema, item["properties"]["state"])["enum"])


def test_page_sizes_and_page_numbers_are_documented_as_starting_at_one(schema):
    """The schema allowed page_size=0 and page=0, which are refused with a 400."""
    checked = 0
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ("page_size", "page") and parameter["in"] == "query":
                    assert parameter["schema"].get("minimum") == 1, (path, parameter)
                    checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_docs_page_loads_its_assets_from_this_instance_without_inline_script(client):
    response = client.get(reverse("v1:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
    assert "<script>" not in html and "<style" not in html
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    script = client.get(reverse("v1:docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("v1:schema") in script.content.decode()


@pytest.mark.django_db
def test_docs_assets_are_collected_for_production(client, settings, tmp_path):
    """`collectstatic` with production's storage gathers Swagger UI, and the page names it."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    settings.DEBUG = False
    html = client.get(reverse("v1:docs")).content.decode()
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert any(re.fullmatch(r".*swagger-ui-bundle\.[0-9a-f]{12}\.js", a) for a in assets), assets
    for asset in assets:
        assert (tmp_path / asset).is_file(), asset


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_render_every_operation_in_chromium_with_no_csp_violation(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console, failed = [], []
    # Only the docs page's messages: the sign-in page before it is not under test here.
    docs = f"{live_server.url}/api/v1/docs/"

    def log(kind: str, text: str):
        if page.url.startswith(docs):
            console.append(f"{kind}: {text}")

    page.on("console", lambda message: log(message.type, message.text))
    page.on("pageerror", lambda error: log("pageerror", str(error)))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    # The site's own pages (here the sign-in page) link the docs in their footer.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_url(docs)
    page.locator(".opblock").first.wait_for()
    schema = page.request.get(f"{live_server.url}/api/v1/schema/").json()
    expected = sum(1 for _ in operations(schema))
    assert page.locator(".opblock").count() == expected
    page.locator(".opblock-summary-path", has_text="/api/v1/claims/").first.click()
    page.locator(".opblock.is-open .responses-table").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=False)
    page.locator(".opblock.is-open").first.screenshot(path=str(ARTIFACTS / "api-docs-claims.png"))
    assert failed == []
    assert [line for line in console if "Content Security Policy" in line] == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    context.close()


def test_the_validators_each_public_read_documents_are_the_ones_it_sends(schema, client, db):
    """The organization detail documented Last-Modified and a 304 to If-Modified-Since, and
    sent neither: its answer has no change time, only its content's ETag."""
    from tests import factories, published_world

    organization = factories.OrganizationFactory(name="Desk", slug="desk")
    editor = factories.member(organization, username="ed")
    reviewer = factories.member(organization, "reviewer", username="rev")
    published_world.publish(
        factories.article(organization, editor), editor, reviewer, "listened in at once"
    )
    once_this_second_is_over()
    for path in ("/api/v1/organizations/", "/api/v1/organizations/{slug}/", "/api/v1/claims/"):
        operation = schema["paths"][path]["get"]
        documented = set(operation["responses"]["200"].get("headers", {}))
        response = client.get(path.replace("{slug}", "desk"))
        assert response.status_code == 200
        for header in ("ETag", "Last-Modified"):
            assert (header in documented) == (header in response), (path, header)


@pytest.mark.django_db
def test_creating_operations_document_location_and_reads_their_format_parameter(
    schema, client, editor
):
    paths = schema["paths"]
    for path, statuses in (
        ("/api/v1/newsroom/articles/", ("201", "202")),
        ("/api/v1/newsroom/articles/{id}/claims/", ("201",)),
    ):
        for status in statuses:
            headers = paths[path]["post"]["responses"][status]["headers"]
            assert headers["Location"]["schema"]["format"] == "uri-reference", (path, status)
    # Each documented format is one the endpoint takes; an export writes its own bytes.
    client.force_login(editor)

    def formats_of(path):
        by_name = {parameter["name"]: parameter for parameter in paths[path]["get"]["parameters"]}
        return by_name["format"]["schema"]["enum"]

    formats = formats_of("/api/v1/newsroom/articles/")
    # (Not the browsable HTML view: its media type is no documented answer.)
    assert formats == ["json"]
    for name in formats:
        assert client.get("/api/v1/newsroom/articles/", {"format": name}).status_code == 200
    assert client.get("/api/v1/newsroom/articles/", {"format": "xml"}).status_code == 400
    assert set(formats_of("/api/v1/claimreview/")) == {"json", "jsonld"}
    export = paths["/api/v1/newsroom/organizations/{slug}/export.csv"]["get"]
    assert all(parameter["name"] != "format" for parameter in export.get("parameters", []))


def test_a_new_articles_organization_is_documented_as_an_id_or_a_slug():
    """Trial D1: typed as an integer alone, a generated client could not send the slug
    ("organization": "demo-fact-desk") that the server and the README take."""
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("ArticleCreateRequest", "ArticleUrlImportRequest", "ArticleUploadRequest"):
        kinds = [part["type"] for part in schemas[name]["properties"]["organization"]["oneOf"]]
        assert kinds == ["integer", "string"], name
