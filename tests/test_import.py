"""Getting articles in: upload, URL and command line; refused imports store nothing."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from html import unescape as html_unescape

import pypdf
import pytest
from django import db
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations import (
    jobs,
    services,
    tasks,  # noqa: F401 - declares the import job's handler
)
from annotations.models import Article, ArticleImport, ArticleRevision, Claim, Job, Membership
from tests import factories
from tests.conftest import wait_for
from tests.documents import SAMPLE, make_docx, make_html_page, make_pdf, sample_paragraphs

LISTENERS = "Over 160,000 people listened in at once"


@pytest.fixture
def sample_files():
    paragraphs = sample_paragraphs()
    title, byline, body = paragraphs[0], paragraphs[1], paragraphs[2:]
    return {
        "sample.txt": SAMPLE.read_bytes(),
        "sample.html": make_html_page(body, title=title, byline=byline.removeprefix("By ")),
        "sample.docx": make_docx(paragraphs),
        "sample.pdf": make_pdf(paragraphs),
    }


def _upload(client, name, data, **extra):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/api/v1/newsroom/articles/", {"file": upload, **extra})


def _local_url(httpserver, path="/story"):
    # The fetcher refuses the name "localhost"; the allowance is for the address itself.
    return f"http://127.0.0.1:{httpserver.port}{path}"


def _original_bytes(article_import):
    with article_import.original.open("rb") as original:
        return original.read()


def _nothing_stored():
    return (
        Article.objects.count(),
        ArticleImport.objects.count(),
        ArticleRevision.objects.count(),
    ) == (0, 0, 0)


@pytest.mark.parametrize("name", ["sample.txt", "sample.html", "sample.docx"])
def test_upload_gives_a_ready_article_with_the_sample_paragraphs(editor_client, sample_files, name):
    response = _upload(editor_client, name, sample_files[name])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["text"].split("\n\n") == sample_paragraphs()[2:]
    assert LISTENERS in body["text"]
    original = ArticleImport.objects.get()
    assert original.state == ArticleImport.State.SUCCEEDED
    assert _original_bytes(original) == sample_files[name]
    assert original.size == len(sample_files[name]) and len(original.sha256) == 64


@pytest.mark.django_db(transaction=True)
def test_uploaded_pdf_is_parsed_in_the_worker(client, editor, sample_files, celery_worker_process):
    client.force_login(editor)
    response = _upload(client, "sample.pdf", sample_files["sample.pdf"])
    assert response.status_code == 202
    article_id = response.json()["id"]
    assert response.json()["status"] == "importing"

    def ready():
        article = Article.objects.get(pk=article_id)
        return article if article.status != Article.Status.IMPORTING else None

    article = wait_for(ready, timeout=60)
    assert article.status == Article.Status.READY, article.import_error
    assert article.text.split("\n\n") == sample_paragraphs()[2:]


def test_a_large_upload_is_read_by_the_worker_not_in_the_request(
    editor_client, sample_files, settings
):
    """Review R24: any upload but a PDF was read in the web request, and 4 MB of plain
    markup held it two minutes (a web worker is killed at 30 s)."""
    settings.FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES = len(sample_files["sample.html"]) - 1
    response = _upload(
        editor_client, "sample.html", sample_files["sample.html"], title="Spaces record"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "importing"
    article_import = ArticleImport.objects.get()
    assert _original_bytes(article_import) == sample_files["sample.html"]
    job = Job.objects.get(kind="import", subject_id=article_import.pk)
    assert jobs.run("import", job.pk) == "done"
    article = Article.objects.get(pk=response.json()["id"])
    assert article.status == Article.Status.READY
    assert LISTENERS in article.text
    # The title typed names it, as when the file is read in the request (review R25: the
    # worker named it after the document).
    assert article.title == "Spaces record"
    # A file under the size is still read at once, its typed title kept too.
    settings.FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES = len(sample_files["sample.html"])
    again = _upload(editor_client, "again.html", sample_files["sample.html"], title="Read here")
    assert again.status_code == 201 and again.json()["title"] == "Read here"


def _encrypted_pdf():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf(["Secret text."]))))
    writer.encrypt(user_password="open-sesame", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


BAD_UPLOADS = [
    ("empty.txt", b"", 400, "the file is empty"),
    ("report.pdf", b"just some words, not a PDF at all", 400, "not a PDF"),
    ("garbage.txt", bytes(range(256)) * 40, 400, ""),
    (
        "nothing.html",
        b"<html><body><nav><a href=/>Home</a><a href=/x>About</a></nav></body></html>",
        400,
        "no article text",
    ),
]


@pytest.mark.parametrize(("name", "data", "status", "message"), BAD_UPLOADS)
def test_bad_upload_is_refused_with_a_reason_and_stores_nothing(
    editor_client, name, data, status, message
):
    response = _upload(editor_client, name, data)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert _nothing_stored()


def test_encrypted_pdf_is_refused_at_once(editor_client):
    response = _upload(editor_client, "locked.pdf", _encrypted_pdf())
    assert response.status_code == 400
    assert response.json()["detail"] == "the PDF is encrypted"
    assert _nothing_stored()


def test_pdf_without_a_text_layer_fails_with_its_reason_and_keeps_the_bytes(editor, organization):
    data = make_pdf([], drawing_only=True)
    article = services.article_import_upload(
        organization=organization, requested_by=editor, data=data, filename="scan.pdf",
        in_process=True,
    )  # fmt: skip
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert article.import_error == "the PDF has no text layer (scanned?)"
    assert _original_bytes(ArticleImport.objects.get()) == data
    assert not ArticleRevision.objects.exists()


def test_pdf_over_the_page_limit_gets_413(editor_client, settings):
    settings.FACTCHECK_PDF_MAX_PAGES = 1
    response = _upload(editor_client, "long.pdf", make_pdf(["Words. " * 400] * 6))
    assert response.status_code == 413
    assert "the limit is 1" in response.json()["detail"]
    assert _nothing_stored()


def test_oversized_upload_gets_413(editor_client, settings):
    settings.FACTCHECK_UPLOAD_MAX_BYTES = 1000
    response = _upload(editor_client, "big.txt", b"word " * 400)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert _nothing_stored()


def test_two_files_at_once_are_refused(editor_client):
    first, second = io.BytesIO(b"One."), io.BytesIO(b"Two.")
    first.name, second.name = "a.txt", "b.txt"
    response = editor_client.post("/api/v1/newsroom/articles/", {"file": [first, second]})
    assert response.status_code == 400
    assert _nothing_stored()


def test_too_many_fields_are_refused_with_json(editor_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{i}": "x" for i in range(20)}
    response = editor_client.post("/api/v1/newsroom/articles/", fields)
    assert response.status_code == 400
    assert "detail" in response.json()
    assert _nothing_stored()


def test_reimport_with_changed_text_creates_a_revision_and_reanchors(editor, organization):
    text = SAMPLE.read_text(encoding="utf-8")
    article = services.article_import_upload(
        organization=organization, requested_by=editor, data=text.encode(), filename="a.txt"
    )
    claim = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )  # fmt: skip
    old_start = claim.start
    first_body_paragraph = "The domestic, international, and strategic"
    changed = text.replace(
        first_body_paragraph, "Updated on 20 April.\n\n" + first_body_paragraph, 1
    )
    services.article_import_upload(
        organization=organization, requested_by=editor, data=changed.encode(), filename="a.txt",
        article=article,
    )  # fmt: skip
    claim.refresh_from_db()
    article.refresh_from_db()
    assert article.revisions.count() == 2
    assert claim.start == old_start + len("Updated on 20 April.\n\n")
    assert claim.anchor_state == Claim.AnchorState.ANCHORED


# URL import: a local HTTP server stands in for the publisher's site.


@pytest.fixture
def loopback_allowed(settings):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]


def test_url_import_takes_text_and_metadata_from_the_page(
    httpserver, loopback_allowed, editor, organization, sample_files
):
    httpserver.expect_request("/story").respond_with_data(
        sample_files["sample.html"], content_type="text/html; charset=utf-8"
    )
    url = _local_url(httpserver)
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=url, in_process=True
    )
    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.import_error
    assert article.title.startswith("Analysing The Significance")
    assert article.byline == "Andrew Korybko"
    assert LISTENERS in article.text
    stored = ArticleImport.objects.get()
    assert _original_bytes(stored) == sample_files["sample.html"]
    assert stored.final_url == url


def test_a_pasted_address_with_spaces_imports_the_page_it_names(
    httpserver, loopback_allowed, editor, organization, sample_files
):
    """ "…/annual report.html" was refused as no web address, though a browser opens it."""
    httpserver.expect_request("/annual report.html").respond_with_data(
        sample_files["sample.html"], content_type="text/html; charset=utf-8"
    )
    url = _local_url(httpserver, "/annual report.html")
    assert " " in url
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=f" {url} ", in_process=True
    )
    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.import_error
    assert ArticleImport.objects.get().final_url.endswith("/annual%20report.html")


@pytest.mark.parametrize(
    ("respond", "reason"),
    [
        (
            lambda server: server.expect_request("/story").respond_with_data("gone", status=404),
            "404",
        ),
        (
            lambda server: server.expect_request("/story").respond_with_data(
                b"\x89PNG\r\n", content_type="image/png"
            ),
            "image/png",
        ),
    ],
    ids=["not found", "wrong content type"],
)
def test_failed_url_import_is_recorded_on_the_article(
    httpserver, loopback_allowed, editor, organization, respond, reason
):
    respond(httpserver)
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=_local_url(httpserver),
        in_process=True,
    )  # fmt: skip
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert reason in article.import_error
    assert ArticleImport.objects.get().state == ArticleImport.State.FAILED


def test_private_address_is_refused_at_once_without_loopback_allowance(
    editor, organization, httpserver
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=r"refused: address 127\.0\.0\.1 is loopback"):
        services.article_import_url(
            organization=organization, requested_by=editor, url=_local_url(httpserver)
        )
    assert _nothing_stored()
    assert len(httpserver.log) == 0


def test_an_integer_spelled_loopback_url_is_refused_under_the_address_field(editor_client):
    response = editor_client.post(
        "/api/v1/newsroom/articles/",
        {"url": "http://2130706433:8731/story"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["refused: address 127.0.0.1 is loopback"]}
    assert _nothing_stored()


def test_an_integer_spelled_allowed_address_is_imported_under_its_usual_spelling(
    editor, organization, loopback_allowed
):
    article = services.article_import_url(
        organization=organization, requested_by=editor, url="http://2130706433:8731/story"
    )
    assert article.canonical_url == "http://127.0.0.1:8731/story"
    assert ArticleImport.objects.get().source_url == "http://127.0.0.1:8731/story"


def test_a_url_the_article_cannot_store_is_refused_under_the_address_field(editor_client):
    response = editor_client.post(
        "/api/v1/newsroom/articles/",
        {"url": "http://under_score.example/story"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]
    assert "http://under_score.example/story" in response.json()["errors"]["url"][0]
    assert _nothing_stored()


def test_url_with_a_forbidden_scheme_is_refused_at_once(editor_client):
    response = editor_client.post(
        "/api/v1/newsroom/articles/", {"url": "file:///etc/passwd"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "file" in str(response.json())
    assert _nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_url_import_through_the_api_runs_in_the_worker(
    client, editor, sample_files, httpserver, loopback_allowed, start_celery_worker
):
    httpserver.expect_request("/story").respond_with_data(
        sample_files["sample.html"], content_type="text/html"
    )
    worker = start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    assert worker.poll() is None
    client.force_login(editor)
    response = client.post(
        "/api/v1/newsroom/articles/",
        {"url": _local_url(httpserver)},
        content_type="application/json",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "importing"
    article_id = response.json()["id"]
    article = wait_for(
        lambda: (
            Article.objects.exclude(status=Article.Status.IMPORTING).filter(pk=article_id).first()
        ),
        timeout=60,
    )
    assert article.status == Article.Status.READY, article.import_error
    assert LISTENERS in article.text


# The management command


def test_command_imports_a_folder_and_fails_loudly_on_bad_files(
    tmp_path, editor, organization, sample_files, capsys
):
    for name, data in sample_files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "fake.pdf").write_bytes(b"not a pdf")
    with pytest.raises(CommandError, match="4 imported, 2 refused or failed"):
        call_command("import_article", str(tmp_path), org=organization.slug, user=editor.username)
    out, err = capsys.readouterr()
    assert out.count(": ok, article #") == 4
    assert "empty.txt: refused: the file is empty" in err
    assert "fake.pdf: refused:" in err
    texts = {a.text for a in Article.objects.filter(status=Article.Status.READY)}
    assert len(texts) == 1  # all four formats gave the same canonical text


def test_command_says_why_an_address_is_refused_once(editor, organization, capsys):
    """It printed "refused: refused: address 127.0.0.1 is loopback"."""
    with pytest.raises(CommandError, match="0 imported, 1 refused or failed"):
        call_command(
            "import_article", "http://127.0.0.1:9/story", org=organization.slug,
            user=editor.username,
        )  # fmt: skip
    err = capsys.readouterr().err
    assert "http://127.0.0.1:9/story: refused: " in err and "refused: refused" not in err


def test_admin_imports_an_uploaded_file(client, organization):
    superuser = factories.member(
        organization, Membership.Role.ADMIN, is_staff=True, is_superuser=True
    )
    client.force_login(superuser)
    upload = io.BytesIO(SAMPLE.read_bytes())
    upload.name = "sample.txt"
    response = client.post(
        "/admin/annotations/articleimport/add/",
        {"organization": organization.pk, "upload": upload, "url": ""},
    )
    assert response.status_code == 302
    article = Article.objects.get(imports__filename="sample.txt")
    assert article.status == Article.Status.READY and LISTENERS in article.text


# An encoding guessed for a file that declared none: the editor is asked to check the letters.

LATIN = "Café prices rose 12 percent in Zürich last year, the council said."


def _workspace_notice(client, article_id):
    response = client.get(f"/articles/{article_id}/")
    assert response.status_code == 200
    notices = re.findall(r'<p class="notice encoding-guess"[^>]*>(.*?)</p>', response.text)
    return notices[0] if notices else ""


def test_a_file_read_by_a_guessed_encoding_asks_the_editor_to_check_its_letters(
    editor_client, editor
):
    guessed = _upload(editor_client, "cafe.txt", LATIN.encode("latin-1")).json()
    plain = _upload(editor_client, "plain.txt", LATIN.encode("utf-8")).json()

    assert guessed["text"] == LATIN
    notice = _workspace_notice(editor_client, guessed["id"])
    assert "read as Windows-1252" in notice and "UTF-8" in notice
    assert _workspace_notice(editor_client, plain["id"]) == ""
    assert ArticleImport.objects.get(article_id=plain["id"]).guessed_encoding == ""

    # Once the editor corrects the text, the notice has done its work.
    services.article_update_text(
        article=Article.objects.get(pk=guessed["id"]), actor=editor, text=LATIN + " Checked."
    )
    assert _workspace_notice(editor_client, guessed["id"]) == ""


def test_declared_charsets_are_read_as_browsers_read_them():
    """Python's Windows-1252 refuses five bytes browsers read as C1 characters, and its
    Shift_JIS lacks the Windows characters a page so labelled uses ("①"): both pages fell
    to a guess of their encoding, with a warning and at times the wrong letters."""
    from annotations.ingest import formats

    windows = "Coût : 20 € “net”".encode("cp1252") + b" \x81."
    assert formats.decode_text_noting_guess(windows, "ISO-8859-1") == (
        "Coût : 20 € “net” \x81.",
        "",
    )
    japanese = "失業率は①の通り".encode("cp932")
    assert formats.decode_text_noting_guess(japanese, "Shift_JIS") == ("失業率は①の通り", "")


def test_a_declared_or_marked_encoding_is_not_reported_as_guessed():
    from annotations.ingest import formats

    data = LATIN.encode("latin-1")
    assert formats.decode_text_noting_guess(data) == (LATIN, "cp1252")
    assert formats.decode_text_noting_guess(data, "iso-8859-1") == (LATIN, "")
    assert formats.decode_text_noting_guess(LATIN.encode("utf-16")) == (LATIN, "")
    assert formats.decode_text_noting_guess(LATIN.encode("utf-8")) == (LATIN, "")
    names = {
        "cp1252": "Windows-1252",
        "windows-1250": "Windows-1250",
        "latin_1": "ISO-8859-1",
        "iso8859_15": "ISO-8859-15",
        "cp775": "code page 775",
        "mac_roman": "Mac Roman",
        "shift_jis": "shift_jis",
        "": "",
        "no-such-codec": "no-such-codec",
    }
    assert {name: formats.encoding_name(name) for name in names} == names


def test_an_article_imported_by_url_gets_a_reader_page_and_is_found_by_its_address(
    client, httpserver, loopback_allowed, editor, reviewer, organization, sample_files
):
    httpserver.expect_request("/story").respond_with_data(
        sample_files["sample.html"], content_type="text/html; charset=utf-8"
    )
    url = _local_url(httpserver)
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=url, in_process=True
    )
    article.refresh_from_db()
    factories.published_claim(article, editor, reviewer)

    assert article.slug.startswith("analysing-the-significance")
    # The page's own canonical link is the article's address, as the embed will send it.
    canonical = f"http://127.0.0.1:{httpserver.port}/2022/04/22/imran-khan-twitter-spaces/"
    assert article.canonical_url == canonical
    [row] = client.get("/api/v1/claims/", {"article_url": canonical + "?"}).json()["results"]
    reader_url = row["article"]["reader_url"]
    assert reader_url.endswith(f"/a/{organization.slug}/{article.slug}/")
    assert client.get(reader_url).status_code == 200
    # The same address spelt differently is the same article: a new revision, not a copy,
    # and, since it has a verdict, only when the editor asks for it.
    with pytest.raises(services.ArticleAlreadyHere):
        services.article_import_url(
            organization=organization, requested_by=editor, url=url + "/", in_process=True
        )
    again = services.article_import_url(
        organization=organization, requested_by=editor, url=url + "/", in_process=True,
        revise_existing=True,
    )  # fmt: skip
    assert again.pk == article.pk and Article.objects.count() == 1


def _story_with_a_verdict(httpserver, organization, editor, reviewer, page):
    """`page` imported from /story, with a published claim on it: (the article, the claim)."""
    httpserver.expect_request("/story").respond_with_data(page, content_type="text/html")
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=_local_url(httpserver),
        in_process=True,
    )  # fmt: skip
    article.refresh_from_db()
    return article, factories.published_claim(article, editor, reviewer)


def test_importing_an_address_that_is_an_article_with_claims_asks_first(
    client, httpserver, loopback_allowed, editor, reviewer, organization, sample_files
):
    """A new editor adding an article was sent to one of ours, its text silently replaced:
    a published verdict whose quote the page no longer had left readers."""
    page = sample_files["sample.html"]
    article, _claim = _story_with_a_verdict(httpserver, organization, editor, reviewer, page)
    url = _local_url(httpserver)
    httpserver.clear()
    changed = page.replace(b"Over 160,000 people listened in at once", b"Many listened")
    httpserver.expect_request("/story").respond_with_data(changed, content_type="text/html")

    # Known at once by its address: refused, naming the article, and nothing is fetched.
    client.force_login(editor)
    answer = client.post(
        "/api/v1/newsroom/articles/", {"url": url}, content_type="application/json"
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["type"].endswith("/problems/already-imported/") and body["article"] == article.pk
    # A long title is cut, so that the message fits where it is kept.
    assert f"{url} is already the article “{article.title[:79]}…” here" in body["detail"]
    assert "with 1 claim, 1 of them published. Nothing was changed" in body["detail"]
    assert "revise_existing" in body["detail"]
    assert httpserver.log == [] and ArticleImport.objects.count() == 1
    # Asked for, it is replaced: a new revision, the verdict back to review.
    answer = client.post(
        "/api/v1/newsroom/articles/", {"url": url, "revise_existing": True},
        content_type="application/json",
    )  # fmt: skip
    assert answer.json()["id"] == article.pk
    assert ArticleImport.objects.latest("created_at").revises_existing
    # Its page is read again by the worker: 202 until then, whose text is the earlier one
    # (it was a 201, which a client reads as the new text being there; trial G9).
    assert answer.json()["latest_import"]["state"] == "pending"
    assert answer.status_code == 202
    refused = client.post(
        "/api/v1/newsroom/articles/", {"url": url, "revise_existing": "yes"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.json()["errors"] == {"revise_existing": ["Expected true or false."]}


def test_an_uploaded_copy_under_the_same_address_does_not_hide_the_article_with_claims(
    httpserver, loopback_allowed, editor, reviewer, organization, sample_files
):
    """A page uploaded as a file took the address of our article with a verdict; a URL
    import of that address then went into the copy, with no word of the verdict."""
    page = sample_files["sample.html"]
    first, _claim = _story_with_a_verdict(httpserver, organization, editor, reviewer, page)
    copy = page.replace(
        b"<head>", f'<head><link rel="canonical" href="{first.canonical_url}">'.encode(), 1
    )
    uploaded = services.article_import_upload(
        organization=organization, requested_by=editor, data=copy, filename="copy.html"
    )
    assert uploaded.pk != first.pk and uploaded.url_key == first.url_key
    with pytest.raises(services.ArticleAlreadyHere) as refused:
        services.article_import_url(
            organization=organization, requested_by=editor, url=first.canonical_url,
            in_process=True,
        )  # fmt: skip
    assert refused.value.article == first


def test_a_page_found_after_the_fetch_to_be_an_article_with_claims_is_not_merged_into_it(
    httpserver, loopback_allowed, editor, reviewer, organization, sample_files
):
    """The trial's case: a publisher's copy at another address names ours as canonical."""
    page = sample_files["sample.html"]
    first, claim = _story_with_a_verdict(httpserver, organization, editor, reviewer, page)
    changed = page.replace(b"Over 160,000 people listened in at once", b"Many listened")
    httpserver.expect_request("/copy").respond_with_data(changed, content_type="text/html")
    copy_url = _local_url(httpserver, "/copy")

    placeholder = services.article_import_url(
        organization=organization, requested_by=editor, url=copy_url, in_process=True
    )

    placeholder.refresh_from_db()
    assert placeholder.pk != first.pk and placeholder.status == Article.Status.FAILED
    assert placeholder.import_error.startswith(
        f"This page is already the article “{first.title[:79]}…” here (its address is "
        f"{first.canonical_url}), with 1 claim, 1 of them published. Nothing was changed"
    )
    assert first.revisions.count() == 1
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    # Typed again asking for it (the failed placeholder tries again): our article's new text.
    again = services.article_import_url(
        organization=organization, requested_by=editor, url=copy_url, in_process=True,
        revise_existing=True,
    )  # fmt: skip
    assert again.pk == first.pk and first.revisions.count() == 2
    assert not Article.objects.filter(pk=placeholder.pk).exists()
    claim.refresh_from_db()
    assert claim.status != Claim.Status.PUBLISHED


def test_an_uploaded_page_is_found_by_the_canonical_link_it_declares(
    client, editor, reviewer, organization
):
    page = (
        b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Spaces record</title>'
        b'<link rel="canonical" href="https://www.news.example/2022/spaces-record/"></head>'
        b"<body><article><h1>Spaces record</h1>"
        b"<p>Over 160,000 people listened in at once, a record.</p></article></body></html>"
    )
    article = services.article_import_upload(
        organization=organization, requested_by=editor, data=page, filename="record.html"
    )
    factories.published_claim(article, editor, reviewer)

    answer = client.get(
        "/api/v1/claims/", {"article_url": "https://NEWS.example/2022/spaces-record"}
    )

    assert article.slug == "spaces-record"
    assert [row["article"]["title"] for row in answer.json()["results"]] == ["Spaces record"]


def test_an_address_with_a_right_to_left_override_is_never_stored_raw(editor, organization):
    spoof = "https://evil.example/\u202emoc.elgoog/"
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Spaces record</title>'
        f'<link rel="canonical" href="{spoof}"></head>'
        "<body><article><h1>Spaces record</h1>"
        "<p>Over 160,000 people listened in at once, a record.</p></article></body></html>"
    ).encode()
    markdown = f"---\ntitle: Spaces record\nurl: {spoof}\n---\n\nOver 160,000 listened.\n"
    for data, filename in ((page, "record.html"), (markdown.encode(), "record.md")):
        article = services.article_import_upload(
            organization=organization, requested_by=editor, data=data, filename=filename
        )
        assert article.status == Article.Status.READY
        # Percent-encoded by the page's parser, or dropped: it reads as what it is.
        assert "\u202e" not in article.canonical_url, filename
        article.full_clean()


def test_an_address_that_redirects_is_imported_under_the_page_address_and_found_again(
    httpserver, loopback_allowed, editor, organization, sample_files
):
    httpserver.expect_request("/redir").respond_with_data(
        "", status=302, headers={"Location": "/story"}
    )
    httpserver.expect_request("/story").respond_with_data(
        sample_files["sample.html"], content_type="text/html; charset=utf-8"
    )
    base = f"http://127.0.0.1:{httpserver.port}"
    first = services.article_import_url(
        organization=organization, requested_by=editor, url=f"{base}/redir", in_process=True
    )
    first.refresh_from_db()
    again = services.article_import_url(
        organization=organization, requested_by=editor, url=f"{base}/redir", in_process=True
    )
    direct = services.article_import_url(
        organization=organization, requested_by=editor, url=f"{base}/story/", in_process=True
    )

    assert first.canonical_url == f"{base}/2022/04/22/imran-khan-twitter-spaces/"
    assert again.pk == direct.pk == first.pk and Article.objects.count() == 1


def test_a_page_naming_another_sites_address_as_canonical_is_filed_under_its_own(
    httpserver, loopback_allowed, editor, organization
):
    page = (
        b'<html><head><title>Copy</title><link rel="canonical" '
        b'href="https://news.example/2022/04/the-real-story/"></head><body><article>'
        b"<p>Over 160,000 people listened in at once, a record for the platform.</p>"
        b"<p>The previous record was 44,000 listeners for a pop group.</p></article></body></html>"
    )
    httpserver.expect_request("/copy").respond_with_data(page, content_type="text/html")
    url = _local_url(httpserver, "/copy")

    article = services.article_import_url(
        organization=organization, requested_by=editor, url=url, in_process=True
    )
    article.refresh_from_db()

    assert article.canonical_url == url
    assert article.url_key == f"127.0.0.1:{httpserver.port}/copy"


def test_an_address_found_to_be_an_article_we_have_after_the_fetch_gives_it_the_new_text(
    client, httpserver, loopback_allowed, editor, organization, sample_files
):
    page = sample_files["sample.html"]
    httpserver.expect_request("/story").respond_with_data(page, content_type="text/html")
    base = f"http://127.0.0.1:{httpserver.port}"
    first = services.article_import_url(
        organization=organization, requested_by=editor, url=f"{base}/story", in_process=True
    )
    # The same page, changed, reached through an address never imported before.
    httpserver.clear()
    httpserver.expect_request("/elsewhere").respond_with_data(
        "", status=302, headers={"Location": "/story"}
    )
    httpserver.expect_request("/story").respond_with_data(
        page.replace(b"160,000", b"164,000"), content_type="text/html"
    )

    again = services.article_import_url(
        organization=organization, requested_by=editor, url=f"{base}/elsewhere", in_process=True
    )

    assert again.pk == first.pk and Article.objects.count() == 1
    assert first.revisions.count() == 2 and "164,000" in Article.objects.get(pk=first.pk).text
    latest = ArticleImport.objects.latest("created_at")
    assert latest.article_id == first.pk and latest.state == ArticleImport.State.SUCCEEDED
    client.force_login(editor)
    found = client.get("/api/v1/newsroom/articles/", {"from_import": latest.pk}).json()
    assert [row["id"] for row in found["results"]] == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_a_new_address_finishing_at_once_make_one_article(
    httpserver, loopback_allowed, editor, organization, sample_files
):
    """Two addresses of one page (it names the same canonical address at both): both began
    before either finished, so each has a placeholder; the second to finish waits on the
    organization's row lock and gives the first's article its text."""
    for path in ("/story", "/story/amp"):
        httpserver.expect_request(path).respond_with_data(
            sample_files["sample.html"], content_type="text/html; charset=utf-8"
        )
    placeholders = [
        services.article_import_url(
            organization=organization, requested_by=editor, url=_local_url(httpserver, path)
        )
        for path in ("/story", "/story/amp")
    ]
    assert placeholders[0].pk != placeholders[1].pk
    imports = [ArticleImport.objects.get(article=placeholder) for placeholder in placeholders]
    barrier = threading.Barrier(len(imports))

    def finish(article_import):
        try:
            barrier.wait(timeout=30)
            services.import_run(article_import=article_import, actor=editor)
        finally:
            db.connections.close_all()

    with ThreadPoolExecutor(max_workers=len(imports)) as pool:
        list(pool.map(finish, imports))

    [article] = Article.objects.all()
    assert article.status == Article.Status.READY
    assert "160,000" in article.text
    finished = ArticleImport.objects.filter(pk__in=[i.pk for i in imports])
    assert {(i.state, i.article_id) for i in finished} == {
        (ArticleImport.State.SUCCEEDED, article.pk)
    }


@pytest.mark.django_db(transaction=True)
def test_articles_of_one_title_made_at_once_each_get_their_own_slug(editor, organization):
    barrier = threading.Barrier(3)

    def create(n):
        try:
            barrier.wait(timeout=30)
            return services.article_create(
                organization=organization, title="Same title", text=f"Text {n}.", created_by=editor
            ).slug
        finally:
            db.connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        slugs = list(pool.map(create, range(3)))

    assert sorted(slugs) == ["same-title", "same-title-2", "same-title-3"]


def test_the_command_fetches_a_page_without_holding_the_newsrooms_lock(
    transactional_db, editor, organization, loopback_pages, settings
):
    """`import_article <address>` fetched the page inside the transaction that holds the
    organization's row lock (and, on SQLite, the database's write lock): while a slow site
    answered, every other import of the newsroom, or on SQLite every write, waited."""
    from django.db import DatabaseError, connection, transaction
    from werkzeug import Response

    from annotations.models import Organization

    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    free = []

    def answer(request):
        # Another request takes the same lock while the page is being fetched.
        try:
            with transaction.atomic():
                Organization.objects.select_for_update(nowait=True).filter(
                    pk=organization.pk
                ).first()
                Organization.objects.filter(pk=organization.pk).update(name=organization.name)
            free.append(True)
        except DatabaseError as error:
            free.append(error)
        finally:
            connection.close()
        page = make_html_page(sample_paragraphs()[2:], title="Slow site", byline="Staff")
        return Response(page, content_type="text/html")

    loopback_pages.expect_request("/story").respond_with_handler(answer)
    call_command(
        "import_article", f"http://127.0.0.1:{loopback_pages.port}/story",
        org=organization.slug, user=editor.username,
    )  # fmt: skip
    assert free == [True]
    assert Article.objects.get(title="Slow site").status == Article.Status.READY


def test_the_paste_box_holds_a_text_to_the_apis_limit_not_the_imports(editor_client, settings):
    """The browser refused a paste past FACTCHECK_MAX_TEXT_CHARS, a limit of imports that
    the paste API does not apply: with it set lower, texts the server takes were refused."""
    from annotations.models import ARTICLE_TEXT_MAX

    settings.FACTCHECK_MAX_TEXT_CHARS = 1000
    page = editor_client.get("/articles/new/").content.decode()
    assert f'data-max-chars="{ARTICLE_TEXT_MAX}"' in page
    assert (
        f"An imported article's text may hold up to 1,000 characters, a pasted one up to "
        f"{ARTICLE_TEXT_MAX:,}." in html_unescape(page)
    )
    made = editor_client.post(
        "/api/v1/newsroom/articles/", {"title": "Long", "text": "word " * 400},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201


@pytest.mark.parametrize("declared", ["meta", "header"])
def test_a_page_declared_iso_8859_1_is_read_as_browsers_read_it(
    httpserver, loopback_allowed, editor, organization, declared
):
    """Windows-made pages say ISO-8859-1 and mean Windows-1252, as every browser takes them:
    their curly quotes, dash and euro sign were dropped as control characters, or the page
    was refused as binary data."""
    sentence = "Le ministre a dit : “le chômage a baissé de 7,5 %” – coût 20 € par mois."
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    page = (
        f"<html><head>{meta if declared == 'meta' else ''}<title>Chômage</title></head>"
        f"<body><article><h1>Chômage</h1><p>{sentence}</p></article></body></html>"
    ).encode("cp1252")
    content_type = "text/html" if declared == "meta" else "text/html; charset=ISO-8859-1"
    httpserver.expect_request("/chomage").respond_with_data(page, content_type=content_type)
    url = f"http://127.0.0.1:{httpserver.port}/chomage"

    fetched = services.article_import_url(
        organization=organization, requested_by=editor, url=url, in_process=True
    )
    uploaded = services.article_import_upload(
        organization=organization, requested_by=editor, data=page, filename="chomage.html"
    )

    fetched.refresh_from_db()
    assert sentence in fetched.text
    if declared == "meta":
        assert sentence in uploaded.text
