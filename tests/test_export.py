"""Bulk export: an organization's claims as JSON Lines and CSV, its snapshots as one WARC,
streamed with flat memory, for its members only."""

import csv
import gzip
import html
import io
import itertools
import json
import re
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from annotations import export, services
from annotations.models import Claim, Membership, Snapshot
from bench.export import measure, seed
from tests import factories

DRAFT_CANARY = "canary-export-draft-77aa"
WORKING_CANARY = "canary-export-working-5e1b"


def _url(kind: str, organization, content: str | None = None) -> str:
    url = reverse(f"v1:api-export-{kind}", kwargs={"slug": organization.slug})
    return url + (f"?content={content}" if content else "")


def _read(response) -> bytes:
    assert response.streaming, "exports are streamed"
    return b"".join(response.streaming_content)


@pytest.fixture
def desk(organization, editor, reviewer, article):
    """One published claim with a working-copy edit since, and one draft."""
    published = factories.published_claim(article, editor, reviewer)
    services.claim_update(
        claim=published, actor=editor, expected_version=None, conclusion=WORKING_CANARY
    )
    draft = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "median age is only 22.8 years"),
        claim_reviewed=f"=HYPERLINK(\"https://evil.example\") {DRAFT_CANARY}",
    )  # fmt: skip
    services.claim_update(claim=draft, actor=editor, expected_version=None, claimant="@SUM(A1)")
    return {"published": Claim.objects.get(pk=published.pk), "draft": draft}


_token_numbers = itertools.count(1)


def _token_client(user, organization=None, scope="read") -> Client:
    # Each its own name: a person's tokens are told apart by name.
    _token, key = services.token_create(
        actor=user, name=f"export {next(_token_numbers)}", scope=scope, organization=organization
    )
    return Client(headers={"Authorization": f"Token {key}"})


def test_the_published_export_has_what_readers_saw_and_nothing_of_the_working_copies(
    desk, organization, editor
):
    response = _token_client(editor).get(_url("jsonl", organization))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jsonl")
    assert "attachment" in response["Content-Disposition"]
    assert ".jsonl" in response["Content-Disposition"]
    body = _read(response)
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [line["id"] for line in lines] == [desk["published"].pk]
    assert lines[0]["conclusion"] == "Checked."
    assert lines[0]["rating"]["label"] == "Mostly true"
    assert DRAFT_CANARY.encode() not in body and WORKING_CANARY.encode() not in body


def test_everything_gives_members_drafts_working_copies_and_history(desk, organization, editor):
    body = _read(_token_client(editor).get(_url("jsonl", organization, "all")))
    records = {record["id"]: record for record in map(json.loads, body.decode().splitlines())}
    assert set(records) == {desk["published"].pk, desk["draft"].pk}
    published = records[desk["published"].pk]
    assert published["conclusion"] == WORKING_CANARY
    assert published["status"] == "draft"  # a correction in progress
    assert [v["conclusion"] for v in published["published_versions"]] == ["Checked."]
    actions = [entry["action"] for entry in published["history"]]
    assert actions[0] == "created" and "status" in actions and actions[-1] == "updated"
    assert published["sources"][0]["url"] == "https://example.org/record"
    assert records[desk["draft"].pk]["status"] == "draft"


def test_csv_cells_that_would_run_as_formulas_are_prefixed(desk, organization, org_admin):
    client = Client()
    client.force_login(org_admin)
    response = client.get(_url("csv", organization, "all"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_read(response).decode())))
    draft = next(row for row in rows if row["id"] == str(desk["draft"].pk))
    assert draft["claim_reviewed"].startswith("'=HYPERLINK(")
    assert draft["claimant"] == "'@SUM(A1)"
    published = next(row for row in rows if row["id"] == str(desk["published"].pk))
    assert published["rating"] == "Mostly true"
    assert published["published_versions"] == "1"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-2", "'-2"), ("@A1", "'@A1"),
     ("\tx", "'\tx"), ("plain", "plain"), (-2, -2), (None, ""), (True, "true")],
)  # fmt: skip
def test_safe_cell_neutralises_formula_starts_only(value, cell):
    assert export.safe_cell(value) == cell


def test_the_published_csv_has_one_row_per_public_claim(desk, organization, editor):
    client = Client()
    client.force_login(editor)
    rows = list(csv.reader(io.StringIO(_read(client.get(_url("csv", organization))).decode())))
    assert rows[0] == list(export.PUBLISHED_COLUMNS)
    assert [row[0] for row in rows[1:]] == [str(desk["published"].pk)]
    assert DRAFT_CANARY not in "".join(rows[1])


def test_the_csv_starts_with_a_byte_order_mark_only_when_asked(desk, organization, org_admin):
    client = Client()
    client.force_login(org_admin)
    plain = _read(client.get(_url("csv", organization)))
    assert plain.startswith(b"id,")
    marked = _read(client.get(_url("csv", organization) + "?bom=true"))
    # Excel reads a UTF-8 file as UTF-8 only when it starts with the mark.
    assert marked == b"\xef\xbb\xbf" + plain
    assert _read(client.get(_url("csv", organization) + "?bom=false")) == plain
    # As Python's requests sends a True, and as other flags of the API are written.
    assert _read(client.get(_url("csv", organization) + "?bom=True")) == marked
    assert _read(client.get(_url("csv", organization) + "?bom=1")) == marked
    # The settings page's links are for people, who open the file in a spreadsheet.
    page = client.get(reverse("organization-export", args=[organization.slug]))
    links = re.findall(r'href="([^"]*export\.csv[^"]*)"', page.content.decode())
    assert len(links) == 2 and all(html.unescape(link).endswith("&bom=true") for link in links)
    assert _read(client.get(html.unescape(links[0]))) == marked


def test_non_members_and_anonymous_get_nothing(desk, organization):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    for kind in ("jsonl", "csv", "warc"):
        assert Client().get(_url(kind, organization)).status_code == 401
        client = Client()
        client.force_login(outsider)
        assert client.get(_url(kind, organization)).status_code == 404
        assert _token_client(outsider).get(_url(kind, organization)).status_code == 404


def test_an_unknown_content_is_a_problem(organization, editor):
    client = Client()
    client.force_login(editor)
    response = client.get(_url("csv", organization, "secrets"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_parameter_an_export_does_not_take_or_one_given_twice_is_a_problem(organization, editor):
    """`?foo=1`, `?format=xml` and `?content=all&content=published` each got a file."""
    client = Client()
    client.force_login(editor)
    base = _url("csv", organization)
    cases = {
        f"{base}?foo=1": ("foo", "Not a parameter of this export; it takes: bom, content."),
        f"{base}?format=xml": ("format", "Not a parameter of this export; it takes: bom, content."),
        f"{base}?bom=yes": ("bom", "Expected true or false (or 1 or 0)."),
        f"{base}?content=all&content=published": ("content", "Give it once."),
        f"{_url('warc', organization)}?content=all": ("content", "it takes none."),
    }
    for url, (name, said) in cases.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert said in response.json()["errors"][name][0], url


def _warc_record(url: str, body: bytes, *, gzipped: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped, warc_version="WARC/1.1")  # as snapshots are made
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=headers
    )
    writer.write_record(record)
    record.raw_stream.close()  # warcio's digest buffer
    return out.getvalue()


def _snapshot(desk, url: str, body: bytes, *, gzipped: bool) -> Snapshot:
    source = desk["published"].sources.get()
    snapshot = Snapshot(
        source=source, fetched_at=datetime.now(UTC), requested_url=url, final_url=url,
        http_status=200, sha256="0" * 64, size=len(body),
    )  # fmt: skip
    name = "page.warc.gz" if gzipped else "page.warc"
    snapshot.warc.save(name, ContentFile(_warc_record(url, body, gzipped=gzipped)), save=True)
    return snapshot


def test_the_snapshots_come_as_one_warc_that_warc_tools_read(
    desk, organization, editor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _snapshot(desk, "https://example.org/record", b"<p>The record</p>", gzipped=True)
    _snapshot(desk, "https://example.org/other", b"<p>Another</p>", gzipped=False)
    client = Client()
    client.force_login(editor)
    response = client.get(_url("warc", organization))
    assert response["Content-Type"] == "application/warc"
    assert ".warc.gz" in response["Content-Disposition"]
    body = _read(response)
    assert body[:2] == b"\x1f\x8b"
    found = [
        (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
         record.content_stream().read())
        for record in ArchiveIterator(io.BytesIO(body))
    ]  # fmt: skip
    assert [kind for kind, _url, _body in found] == ["warcinfo", "response", "response"]
    assert found[1][1:] == ("https://example.org/record", b"<p>The record</p>")
    assert found[2][1:] == ("https://example.org/other", b"<p>Another</p>")
    assert b"Source snapshots of" in found[0][2]
    # Every record is its own gzip member (as WARC tools expect), the whole a gzip stream,
    # and every record, the warcinfo too, is WARC 1.1 as the warcinfo says.
    assert gzip.decompress(body).count(b"WARC/1.1\r\n") == 3
    assert b"WARC/1.0" not in gzip.decompress(body)


def test_a_snapshot_file_missing_from_storage_does_not_stop_the_archive(
    desk, organization, editor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    lost = _snapshot(desk, "https://example.org/lost", b"gone", gzipped=True)
    _snapshot(desk, "https://example.org/kept", b"kept", gzipped=True)
    lost.warc.storage.delete(lost.warc.name)
    client = Client()
    client.force_login(editor)
    uris = [
        record.rec_headers.get_header("WARC-Target-URI")
        for record in ArchiveIterator(io.BytesIO(_read(client.get(_url("warc", organization)))))
    ]
    assert uris == [None, "https://example.org/kept"]


# Four times the claims, four times the batches: holding every row would show as about four
# times the memory. bench/export.py measures 1,000 against 10,000.
@pytest.mark.timeout(600)
def test_exporting_four_times_the_claims_takes_no_more_memory(organization, editor, reviewer):
    client = Client()
    client.force_login(editor)
    peaks = {}
    seed(organization, editor, reviewer, 1_000)
    for kind, content in (("jsonl", "all"), ("csv", "published")):
        measure(client, _url(kind, organization, content), 1_000)  # first-use imports, caches
    for count in (1_000, 4_000):
        if count == 4_000:
            seed(organization, editor, reviewer, 3_000)
        for kind, content in (("jsonl", "all"), ("csv", "published")):
            measured = measure(client, _url(kind, organization, content), count)
            assert measured.lines == count + (kind == "csv")
            peaks[kind, content, count] = measured.peak_bytes
    for kind, content in (("jsonl", "all"), ("csv", "published")):
        small, large = peaks[kind, content, 1_000], peaks[kind, content, 4_000]
        assert large < small * 1.5, (kind, content, small, large)
        assert large < 30_000_000, (kind, content, large)
