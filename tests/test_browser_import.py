"""Adding articles in a real Chromium: upload, drop, clear errors, no script from uploads."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations import jobs, services
from annotations.models import Article, Claim, Job
from tests import factories
from tests.browser_support import (
    ARTIFACTS,
    WORKSPACE_URL,
    assert_accessible,
    open_page,
    open_workspace,
    select_range,
    sign_in_again_in_another_tab,
)
from tests.conftest import wait_for
from tests.documents import make_docx, make_html_page, make_pdf, sample_paragraphs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each payload would set window.__xss (or open a dialog) if any of it ran.
XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    "<img src=x onerror='window.__xss = 2'>",
    "<svg onload='window.__xss = 3'><circle r='1'/></svg>",
    "<a href='javascript:window.__xss = 4'>a link</a>",
    "<iframe src='javascript:window.__xss = 5'></iframe>",
    "<details open ontoggle='window.__xss = 6'>details</details>",
    "<style>@import 'javascript:window.__xss = 7';</style>",
    "&lt;script&gt;window.__xss = 8&lt;/script&gt;",
    "&lt;img src=x onerror=&quot;window.__xss = 9&quot;&gt;",
]


def open_new_article_page(browser, live_server):
    page = open_page(browser, live_server, "ed")
    page.get_by_role("link", name="Add an article").click()
    page.wait_for_url(f"{live_server.url}/articles/new/")
    page.wait_for_selector("html[data-import-ready=true]")
    return page


def test_upload_with_the_file_picker_opens_the_new_article(browser, live_server, newsroom):
    page = open_new_article_page(browser, live_server)
    assert_accessible(page, "add an article")
    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "sample.docx", "mimeType": "", "buffer": make_docx(sample_paragraphs())}]
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator("#article-title").inner_text().startswith("Analysing The Significance")
    assert "Over 160,000 people listened in at once" in page.locator("#article-body").inner_text()
    article = Article.objects.get(imports__filename="sample.docx")
    assert page.url == f"{live_server.url}/articles/{article.pk}/"


def test_dropped_file_is_uploaded(browser, live_server, newsroom):
    page = open_new_article_page(browser, live_server)
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["Dropped headline\\n\\nA dropped paragraph of text."],
                                    "dropped.txt", {type: "text/plain"}));
            const zone = document.getElementById("drop-zone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }"""
    )
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator("#article-body").inner_text().strip() == "A dropped paragraph of text."


def test_refused_file_shows_the_reason_and_stays_on_the_page(browser, live_server, newsroom):
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}]
    )
    page.get_by_role("button", name="Upload").click()
    error = page.locator("#upload-error")
    error.filter(has_text="not a PDF").wait_for()
    assert page.url == f"{live_server.url}/articles/new/"
    # Said once, as the error; no full progress bar or info line beside it.
    assert error.inner_text() == "Not imported: report.pdf is not a PDF: it is plain text."
    assert error.inner_text().endswith(".")
    expect(page.locator("#upload-progress")).to_be_hidden()
    expect(page.locator("#import-status")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "import-refused.png"))
    assert (
        not Article.objects.filter(organization=newsroom["organization"])
        .exclude(pk=newsroom["article"].pk)
        .exists()
    )


def test_pasted_article_opens_in_the_workspace(browser, live_server, newsroom):
    page = open_new_article_page(browser, live_server)
    # Both limits are said before anyone pastes: the file size, and the text's length.
    assert "up to 2,000,000 characters" in page.locator("main").inner_text()
    page.get_by_label("Title", exact=True).fill("Pasted press release")
    page.get_by_label("Text", exact=True).fill("First paragraph.\n\nSecond paragraph, 22.8 years.")
    page.get_by_role("button", name="Create article").click()
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")
    paragraphs = page.locator("#article-body p").all_inner_texts()
    assert paragraphs == ["First paragraph.", "Second paragraph, 22.8 years."]


def test_a_pasted_article_in_arabic_is_given_its_language(browser, live_server, newsroom):
    """A pasted Arabic article had no language, so screen readers read it with English
    rules; only imports could say one."""
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Title", exact=True).fill("تقرير")
    page.get_by_label("Text", exact=True).fill("استمع أكثر من 160,000 شخص في وقت واحد.")
    language = page.get_by_label("Language (optional; a code such as en, ar or pt-BR)")
    language.fill("not a language!")
    page.get_by_role("button", name="Create article").click()
    expect(language).to_have_attribute("aria-invalid", "true")
    language.fill("ar")
    page.get_by_role("button", name="Create article").click()
    page.wait_for_url(WORKSPACE_URL)
    assert Article.objects.get(title="تقرير").language == "ar"


def test_a_refused_paste_says_each_error_under_its_field_and_keeps_the_typing(
    browser, live_server, newsroom
):
    page = open_new_article_page(browser, live_server)
    text = "First paragraph.\n\nSecond paragraph, 22.8 years."
    page.get_by_label("Title", exact=True).fill("\u202eevil title")
    page.get_by_label("Text", exact=True).fill(text)
    page.get_by_label("Address of the original (optional)").fill("ftp://news.example/story")
    page.get_by_role("button", name="Create article").click()
    summary = page.locator("#paste-error")
    expect(summary).to_have_text(
        "Not created: correct the title and original URL as said under each."
    )
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    assert "direction" in page.locator("#paste-title-field-error").inner_text()
    address = page.locator("#paste-url")
    expect(address).to_have_attribute("aria-describedby", "paste-url-error")
    assert page.locator("#paste-url-error").inner_text() == "Enter an http or https address."
    # The text field was not at fault: no mark, and what was typed is all still there.
    assert page.get_by_label("Text", exact=True).get_attribute("aria-invalid") is None
    assert page.get_by_label("Text", exact=True).input_value() == text
    page.screenshot(path=str(ARTIFACTS / "paste-errors-at-fields.png"), full_page=True)
    assert_accessible(page, "add an article with refused fields")
    # Correcting a field takes its mark away at once; the other keeps its own.
    title.fill("Plain title")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    assert page.locator("#paste-title-field-error").count() == 0
    expect(address).to_have_attribute("aria-invalid", "true")
    address.fill("https://news.example/story")
    page.get_by_role("button", name="Create article").click()
    page.wait_for_url(WORKSPACE_URL)
    assert Article.objects.get(title="Plain title").canonical_url == "https://news.example/story"


def test_script_in_uploaded_html_and_titles_never_runs(browser, live_server, newsroom):
    body = "".join(
        f"<p>Paragraph {n} says the figure was 160,000 listeners. {payload}</p>"
        for n, payload in enumerate(XSS_PAYLOADS)
    )
    markup = (
        "<html><head><title>Headline <script>window.__xss = 'title'</script></title></head>"
        f"<body><article><h1>Headline <img src=x onerror=\"window.__xss='h1'\"></h1>{body}"
        "</article></body></html>"
    )
    page = open_new_article_page(browser, live_server)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "hostile.html", "mimeType": "text/html", "buffer": markup.encode()}]
    )
    page.get_by_label("Title (optional").fill("<img src=x onerror=\"window.__xss='t'\">Title")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert "160,000 listeners" in page.locator("#article-body").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.locator("#article-body img, #article-body script, #article-body svg").count() == 0
    page.screenshot(path=str(ARTIFACTS / "import-hostile-html.png"))
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_uploaded_pdf_shows_importing_then_opens_when_the_worker_is_done(
    browser, live_server, newsroom, start_celery_worker
):
    start_celery_worker()
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "sample.pdf", "mimeType": "application/pdf",
                "buffer": make_pdf(sample_paragraphs())}]
    )  # fmt: skip
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert "the median age is only 22.8 years" in page.locator("#article-body").inner_text()


def test_the_page_waits_out_a_lost_connection_while_the_import_goes_on(
    browser, live_server, newsroom, start_celery_worker
):
    """With the server out of reach mid-import, the page showed "Importing…" beside "The
    server could not be reached" and never asked again, though the import went on."""
    start_celery_worker()
    page = open_new_article_page(browser, live_server)
    lost = []

    def unreachable_at_first(route):
        # The first three polls of the new article find no server.
        if len(lost) < 3:
            lost.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*/api/v1/newsroom/articles/\d+/$"), unreachable_at_first)
    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "sample.pdf", "mimeType": "application/pdf",
                "buffer": make_pdf(sample_paragraphs())}]
    )  # fmt: skip
    page.get_by_role("button", name="Upload").click()
    page.locator("#import-status", has_text="could not be reached; trying again").wait_for()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    assert len(lost) == 3
    assert "the median age is only 22.8 years" in page.locator("#article-body").inner_text()


def test_web_page_imported_by_address(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):
    paragraphs = sample_paragraphs()
    page_bytes = make_html_page(paragraphs[2:], title=paragraphs[0], byline="Andrew Korybko")
    httpserver.expect_request("/story").respond_with_data(page_bytes, content_type="text/html")
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(f"http://127.0.0.1:{httpserver.port}/story")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator("#article-title").inner_text().startswith("Analysing")
    assert "By Andrew Korybko" not in page.locator("#article-body").inner_text()


def test_an_address_that_does_not_answer_yet_says_why_while_it_is_tried_again(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):
    httpserver.expect_request("/busy").respond_with_data("busy", status=503)
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    # A retry 5 s on: long enough for the page to show its time on a busy machine (at 1 s
    # the page's poll could come after it, reading "trying again now").
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32", "FACTCHECK_JOB_RETRY_DELAY": "5"})
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(f"http://127.0.0.1:{httpserver.port}/busy")
    page.get_by_role("button", name="Import").click()
    status = page.locator("#import-status")
    status.filter(has_text="of 5 failed (the server answered 503 Service Unavailable)").wait_for(
        timeout=60_000
    )
    # In 24-hour time, as every other time the newsroom reads ("2:03:04 PM" before).
    status.filter(has_text=re.compile(r"trying again at \d\d:\d\d:\d\d\.")).wait_for(timeout=60_000)
    assert not re.search(r"\b[AP]M\b", status.inner_text())
    page.screenshot(path=str(ARTIFACTS / "import-retrying.png"))
    # The article's own page, opened meanwhile, says the same under its notice.
    article = Article.objects.get(status=Article.Status.IMPORTING)
    workspace = page.context.new_page()
    workspace.goto(f"{live_server.url}/articles/{article.pk}/")
    # From the first paint, not from the page's first poll a few seconds later.
    assert "failed (the server answered 503" in workspace.locator("#import-retry").inner_text()
    workspace.close()

    # The page comes back: the next attempt imports it and the workspace opens.
    paragraphs = sample_paragraphs()
    httpserver.clear()
    httpserver.expect_request("/busy").respond_with_data(
        make_html_page(paragraphs[2:], title=paragraphs[0], byline="Staff"),
        content_type="text/html",
    )
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert "the median age is only 22.8 years" in page.locator("#article-body").inner_text()


def test_an_import_no_worker_takes_says_so_while_it_waits(
    browser, live_server, newsroom, httpserver, settings
):
    """With the workers stopped, the page read "Importing…" for as long as it was left open
    (trial G7); the evidence panel already said why it waited."""
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(f"http://127.0.0.1:{httpserver.port}/story")
    page.get_by_role("button", name="Import").click()
    status = page.locator("#import-status")
    status.filter(has_text="Importing").wait_for()
    job = wait_for(lambda: Job.objects.filter(kind="import").first())
    assert "No worker" not in status.inner_text()
    # No worker took it within the time one would (no worker runs in this test).
    earlier = timezone.now() - timedelta(seconds=jobs.WORKER_PICKUP_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(created_at=earlier, sent_at=earlier)
    status.filter(has_text="No worker has taken it yet").wait_for()
    assert "you may leave this page" in status.inner_text()
    assert page.errors == []


def test_refused_address_is_explained(browser, live_server, newsroom):
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_role("button", name="Import").click()
    page.locator("#url-field-error", has_text="link-local").wait_for()
    assert (
        page.locator("#url-error").inner_text() == "Not imported: correct the URL as said under it."
    )
    assert page.url == f"{live_server.url}/articles/new/"


def test_importing_an_address_again_waits_for_the_new_text_and_says_when_it_failed(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):
    def serve(paragraphs):
        httpserver.clear()
        page_bytes = make_html_page(paragraphs, title="Turnout report", byline="A. Reporter")
        httpserver.expect_request("/turnout").respond_with_data(
            page_bytes, content_type="text/html"
        )

    first = ["Turnout rose to 4.4 percent above the last count, officials said today."] * 1
    serve([*first, "The count was certified by the commission on Monday morning."])
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    address = f"http://127.0.0.1:{httpserver.port}/turnout"

    def import_address():
        page = open_new_article_page(browser, live_server)
        page.get_by_label("Address", exact=True).fill(address)
        page.get_by_role("button", name="Import").click()
        return page

    page = import_address()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    article = Article.objects.get(title="Turnout report")

    serve(
        [
            "Turnout rose to 4.6 percent above the last count, officials said today.",
            "The count was certified by the commission on Monday morning.",
        ]
    )
    page = import_address()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    # It opened once the new text was in, not on the article's earlier, already-ready text.
    assert "4.6 percent" in page.locator("#article-body").inner_text()
    assert article.revisions.count() == 2

    serve([])
    page = import_address()
    page.locator("#url-error", has_text="keeps its earlier text (revision 2)").wait_for(
        timeout=60_000
    )
    assert page.url == f"{live_server.url}/articles/new/"
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    notice = page.locator(".notice.import-failed")
    assert "The text below is the earlier one." in notice.inner_text()
    page.screenshot(path=str(ARTIFACTS / "reimport-failed-notice.png"), full_page=True)
    assert_accessible(page, "workspace with a failed re-import")


def test_an_address_that_is_an_article_with_a_verdict_is_replaced_only_when_asked(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):
    """Adding an article silently rewrote one with a published verdict."""
    from tests import factories

    def serve(figure):
        httpserver.clear()
        page_bytes = make_html_page(
            [f"Turnout rose to {figure} percent above the last count, officials said today."],
            title="Turnout report",
            byline="A. Reporter",
        )
        httpserver.expect_request("/turnout").respond_with_data(
            page_bytes, content_type="text/html"
        )

    serve("4.4")
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    address = f"http://127.0.0.1:{httpserver.port}/turnout"
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(address)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    article = Article.objects.get(title="Turnout report")
    factories.published_claim(
        article, newsroom["editor"], newsroom["reviewer"], quote="Turnout rose to 4.4 percent"
    )
    serve("4.6")

    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(address)
    page.get_by_role("button", name="Import").click()
    error = page.locator("#url-error")
    error.get_by_text("is already the article “Turnout report” here").wait_for()
    assert "with 1 claim, 1 of them published. Nothing was changed" in error.inner_text()
    assert "revise_existing" not in error.inner_text()
    link = error.get_by_role("link", name="open that article")
    assert link.get_attribute("href") == f"/articles/{article.pk}/"
    box = page.get_by_label("Replace the text of the article already here, if this page is one")
    assert page.evaluate("document.activeElement.id") == "url-revise"
    page.screenshot(path=str(ARTIFACTS / "import-already-here.png"), full_page=True)
    assert article.revisions.count() == 1

    # A copy at another address naming ours as canonical is found only after the fetch: the
    # way on is said where the editor is, not on a placeholder whose Try again fails alike.
    copy = f"http://127.0.0.1:{httpserver.port}/copy"
    serve_at = make_html_page(
        ["Turnout rose to 4.6 percent above the last count, officials said today."],
        title="Turnout report", byline="A. Reporter",
    )  # fmt: skip
    httpserver.expect_request("/copy").respond_with_data(serve_at, content_type="text/html")
    page.get_by_label("Address", exact=True).fill(copy)
    page.get_by_role("button", name="Import").click()
    error.get_by_text("tick “Replace the text…” above and import again").wait_for(timeout=60_000)
    assert "This page is already the article “Turnout report” here" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "url-revise"
    assert article.revisions.count() == 1

    box.check()
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{live_server.url}/articles/{article.pk}/", timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert "4.6 percent" in page.locator("#article-body").inner_text()
    assert article.revisions.count() == 2
    # Back on the form, the box is not left ticked for the next import.
    page.go_back()
    page.wait_for_selector("html[data-import-ready=true]")
    assert not box.is_checked()
    assert page.errors == []


def test_an_address_that_leads_to_an_article_we_have_opens_that_article_with_the_new_text(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):
    def page_with(figure):
        return make_html_page(
            [f"Turnout rose to {figure} percent above the last count, officials said."],
            title="Turnout report",
            byline="A. Reporter",
        )

    httpserver.expect_request("/turnout").respond_with_data(
        page_with("4.4"), content_type="text/html"
    )
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    base = f"http://127.0.0.1:{httpserver.port}"
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(f"{base}/turnout")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(WORKSPACE_URL, timeout=60_000)
    first = Article.objects.get(title="Turnout report")

    httpserver.clear()
    httpserver.expect_request("/short-link").respond_with_data(
        "", status=302, headers={"Location": "/turnout"}
    )
    httpserver.expect_request("/turnout").respond_with_data(
        page_with("4.6"), content_type="text/html"
    )
    page = open_new_article_page(browser, live_server)
    page.get_by_label("Address", exact=True).fill(f"{base}/short-link")
    page.get_by_role("button", name="Import").click()

    page.wait_for_url(f"{live_server.url}/articles/{first.pk}/", timeout=60_000)
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert "4.6 percent" in page.locator("#article-body").inner_text()
    # One article for the page: the second import's placeholder went once it knew.
    assert list(Article.objects.exclude(pk=newsroom["article"].pk)) == [first]
    assert page.errors == []


def test_a_failed_import_is_tried_again_from_the_workspace_or_deleted(
    browser, live_server, newsroom, httpserver, settings, start_celery_worker
):

    # Not there yet (a link shared before the page went up), and gone for good.
    httpserver.expect_request("/down").respond_with_data("Not found", status=404)
    httpserver.expect_request("/gone").respond_with_data("Not found", status=404)
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    for path in ("/down", "/gone"):
        page = open_new_article_page(browser, live_server)
        page.get_by_label("Address", exact=True).fill(f"http://127.0.0.1:{httpserver.port}{path}")
        page.get_by_role("button", name="Import").click()
        page.locator("#url-error").wait_for(timeout=60_000)
        assert "404" in page.locator("#url-error").inner_text()
        link = page.locator("#url-error").get_by_role(
            "link", name="Open the article to try again or delete it"
        )
        assert link.get_attribute("href").startswith("/articles/")
    down, gone = (
        Article.objects.get(canonical_url=f"http://127.0.0.1:{httpserver.port}{path}")
        for path in ("/down", "/gone")
    )
    assert down.status == gone.status == Article.Status.FAILED

    # The page is up now: the editor tries again from the workspace.
    httpserver.clear()
    paragraphs = sample_paragraphs()
    page_bytes = make_html_page(paragraphs[2:], title=paragraphs[0], byline="Andrew Korybko")
    httpserver.expect_request("/down").respond_with_data(page_bytes, content_type="text/html")
    page.goto(f"{live_server.url}/articles/{down.pk}/")
    notice = page.locator(".notice.import-error")
    assert "404" in notice.inner_text()
    page.screenshot(path=str(ARTIFACTS / "import-failed-actions.png"), full_page=True)
    assert_accessible(page, "workspace of a failed import")
    notice.get_by_role("button", name="Try again").click()
    page.get_by_text("Importing again.").wait_for()
    # The page opens the new text by itself once the worker is done.
    page.locator("#article-body", has_text="Over 160,000 people listened in at once").wait_for(
        timeout=60_000
    )
    assert Article.objects.get(pk=down.pk).status == Article.Status.READY

    # The page that is gone for good: its empty article is deleted.
    page.goto(f"{live_server.url}/articles/{gone.pk}/")
    page.get_by_role("button", name="Delete this article").click()
    page.get_by_text("whose import had failed").wait_for()
    assert not Article.objects.filter(pk=gone.pk).exists()
    assert Article.objects.filter(pk=down.pk).exists()
    assert page.errors == []


def test_a_pdf_chromium_printed_imports_with_its_words_whole_and_its_ligatures_as_letters(
    browser, newsroom
):
    """Chromium places the runs of a justified line one by one: pypdf's layout mode read
    "figur   es" and "per   cent" out of them, and its font's ligatures came as "ﬁ" and "ﬃ"."""
    from annotations import services

    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        "<h1>Official figures on traffic flow</h1>"
        '<p style="text-align: justify; width: 30em">The official figures show that traffic '
        "flows fell 14 percent, the office of the financial officer said. The efficient "
        "staff filed 2,300 reports in the first fiscal quarter, after a difficult year.</p>"
        "<p>Rents rose 8 percent according to the agency.</p>"
    )
    printed = page.pdf()
    context.close()

    article = services.article_import_upload(
        organization=newsroom["organization"], requested_by=newsroom["editor"],
        data=printed, filename="figures.pdf", in_process=True,
    )  # fmt: skip
    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.import_error
    words = " ".join(article.text.split())
    assert (
        "The official figures show that traffic flows fell 14 percent, the office of the "
        "financial officer said. The efficient staff filed 2,300 reports in the first fiscal "
        "quarter, after a difficult year." in words
    ), article.text
    assert not any("\ufb00" <= char <= "\ufb06" for char in article.text)
    # The paragraphs stay apart.
    assert article.text.split("\n\n")[-1] == "Rents rose 8 percent according to the agency."


def test_an_upload_from_a_page_left_open_is_refused_after_another_account_signed_in(
    browser, live_server, newsroom
):
    # The upload goes by XMLHttpRequest (for its progress), not through api.js: it must name
    # the page's user as every other write does.
    page = open_new_article_page(browser, live_server)
    sign_in_again_in_another_tab(page, live_server, "rev")

    page.get_by_label("Choose a file").set_input_files(
        files=[{"name": "sample.docx", "mimeType": "", "buffer": make_docx(sample_paragraphs())}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-error")).to_contain_text("signed in as someone else")
    assert not Article.objects.filter(imports__filename="sample.docx").exists()
    assert page.errors == []


TABLE_TEXT = (
    "Spending by year, as the ministry reported it.\n\n"
    "Year | Spending | Change\n\n2023 | 80 million | 5%\n\n2024 | 100 million | 25%\n\n"
    "After the table, the prose goes on."
)


def _table_article(newsroom):
    text = TABLE_TEXT
    structure = factories.table_structure(text)
    return services.article_create(
        organization=newsroom["organization"], title="Spending", text=text,
        created_by=newsroom["editor"], structure=structure,
    )  # fmt: skip


def test_table_rows_line_up_as_columns_and_a_claim_across_cells_keeps_its_words(
    browser, live_server, newsroom
):
    """Rows were drawn as "2024 | 100 million | 25%", the separators shown and the columns
    out of line."""
    article = _table_article(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    cells = page.locator('#article-body p[data-kind="table_row"] .cell')
    expect(cells).to_have_count(9)
    lefts = [cells.nth(i).bounding_box()["x"] for i in (1, 4, 7)]
    assert len(set(lefts)) == 1, lefts  # "Spending", "80 million", "100 million" in a column
    assert "|" not in page.locator("#article-body").inner_text()
    # Dragged from "2024" to "million": the claim's words are the text's, separator and all.
    box = page.evaluate(
        """() => {
            const nodes = [...document.querySelectorAll('#article-body .cell')]
                .map((cell) => cell.firstChild);
            const from = nodes.find((n) => n.data === '2024');
            const to = nodes.find((n) => n.data === '100 million');
            const range = document.createRange();
            range.setStart(from, 0); range.setEnd(from, 1);
            const a = range.getBoundingClientRect();
            range.setStart(to, 10); range.setEnd(to, 11);
            const b = range.getBoundingClientRect();
            return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1,
                    y2: b.top + b.height / 2};
        }"""
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    page.keyboard.press("c")
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert claim.exact == "2024 | 100 million"
    # Its highlight is split at the cell's edge, one mark a cell, both the claim's.
    marks = page.locator(f'#article-body mark[data-claim="{claim.pk}"]')
    expect(marks).to_have_text(["2024", "100 million"])
    page.screenshot(path=str(ARTIFACTS / "workspace-table.png"))


def test_readers_see_table_rows_as_columns_with_the_verdict_across_cells(
    browser, live_server, newsroom
):
    article = _table_article(newsroom)
    factories.published_claim(
        article, newsroom["editor"], newsroom["reviewer"], quote="2024 | 100 million"
    )
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(f"{live_server.url}/a/{newsroom['organization'].slug}/{article.slug}/")
    cells = page.locator("#article-body .table-row .cell")
    expect(cells).to_have_count(9)
    lefts = [cells.nth(i).bounding_box()["x"] for i in (2, 5, 8)]
    assert len(set(lefts)) == 1, lefts
    assert "|" not in page.locator("#article-body").inner_text()
    highlights = page.locator("#article-body .table-row a.hl")
    expect(highlights).to_have_text(["2024", "100 million"])
    # Either half opens the verdict.
    highlights.nth(1).click()
    expect(page.get_by_role("dialog")).to_contain_text("2024 | 100 million")
    page.screenshot(path=str(ARTIFACTS / "reader-table-phone.png"), full_page=True)
    page.close()


def test_a_header_row_without_its_corner_cell_stands_over_its_own_columns(
    browser, live_server, newsroom
):
    text = "Budget.\n\n2023 | 2024\n\nSpending | 80 | 100\n\nDebt | 5 | 7\n\nAfter."
    structure = factories.table_structure(text)
    article = services.article_create(
        organization=newsroom["organization"], title="Budget", text=text,
        created_by=newsroom["editor"], structure=structure,
    )  # fmt: skip
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)

    def left(words):
        cell = page.locator("#article-body .cell").filter(has_text=words).first
        return cell.bounding_box()["x"]

    assert left("2023") == left("80") and left("2024") == left("100")
    # The added cell holds no text: a selection still counts the text's own characters.
    select_range(page, "Spending")
    page.keyboard.press("c")
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert claim.exact == "Spending" and claim.start == text.index("Spending")


def test_empty_and_spanned_cells_keep_each_cell_under_its_heading_for_editors_and_readers(
    browser, live_server, newsroom
):
    """An empty cell, or a cell spanning two columns, was left out of its row: "950" stood
    under 2019, in the workspace and on the reader page."""
    from annotations.ingest import structure as blocks

    text, structure = blocks.assemble(
        [
            blocks.Block("Fleet."),
            blocks.table_row(["", "2019", "2026"]),
            blocks.table_row(["Buses", "", "950"]),
            blocks.table_row(["Ferries (all routes)", "", "12"]),
            blocks.table_row(["Trams", "40", "30"]),
            blocks.table_row(
                [
                    "Source",
                    "https://www.example.org/reports/2024/annual-fleet-statistics-final-version.pdf",
                ]
            ),
            blocks.Block("After."),
        ]
    )
    article = services.article_create(
        organization=newsroom["organization"], title="Fleet", text=text,
        created_by=newsroom["editor"], structure=structure,
    )  # fmt: skip
    factories.published_claim(
        article, newsroom["editor"], newsroom["reviewer"], quote="Buses | 950"
    )

    def left(page, words):
        cell = page.locator("#article-body .cell").filter(has_text=words).first
        return cell.bounding_box()["x"]

    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    assert left(page, "2026") == left(page, "950") == left(page, "12") == left(page, "30")
    assert left(page, "2019") == left(page, "40")
    # The empty cells hold no text: a selection counts the text's own characters.
    select_range(page, "Ferries (all routes)")
    page.keyboard.press("c")
    claim = wait_for(lambda: Claim.objects.filter(article=article, status="draft").first())
    assert claim.exact == "Ferries (all routes)" and claim.start == text.index("Ferries")
    page.screenshot(path=str(ARTIFACTS / "workspace-table-blanks.png"))
    # On a phone the workspace's table scrolls in its own box, its figures whole: the page
    # was 801 px wide, and cells read "1,234,567,8/90".
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    year = page.locator("#article-body .cell").filter(has_text="2019").first
    label = page.locator("#article-body .cell").filter(has_text="Trams").first
    assert year.bounding_box()["height"] == label.bounding_box()["height"]
    box = page.locator("#article-body .table-scroll")
    assert box.count() == 1 and box.evaluate("box => box.scrollWidth > box.clientWidth")
    page.screenshot(path=str(ARTIFACTS / "workspace-table-phone.png"))
    # With the claim's card, which covers the table on a phone, closed.
    page.get_by_role("button", name="Close claim: Ferries (all routes)").click()
    assert edges_shaded(page, box) == (False, True)
    page.screenshot(path=str(ARTIFACTS / "workspace-table-phone-shaded.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    reader = browser.new_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}/a/{newsroom['organization'].slug}/{article.slug}/")
    assert left(reader, "2026") == left(reader, "950") == left(reader, "12")
    assert left(reader, "2019") == left(reader, "40")
    # A figure is never broken across lines to make the columns fit a phone; a table too
    # wide for the screen scrolls sideways in its own box, not the page.
    year = reader.locator("#article-body .cell").filter(has_text="2019").first
    trams = reader.locator("#article-body .cell").filter(has_text="Trams").first
    assert year.bounding_box()["height"] == trams.bounding_box()["height"]
    assert reader.evaluate("document.documentElement.scrollWidth") <= 390
    wide = reader.locator("#article-body .table-scroll")
    assert wide.count() == 1 and wide.evaluate("box => box.scrollWidth > box.clientWidth")
    expect(reader.locator("#article-body .table-row a.hl")).to_have_text(["Buses", "950"])
    reader.screenshot(path=str(ARTIFACTS / "reader-table-blanks.png"), full_page=True)
    # A shade marks the edge the table goes on past, and only while it does.
    assert edges_shaded(reader, wide) == (False, True)
    wide.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    assert edges_shaded(reader, wide) == (True, False)
    reader.screenshot(path=str(ARTIFACTS / "reader-table-scrolled.png"), full_page=True)
    reader.close()


def edges_shaded(page, box) -> tuple[bool, bool]:
    """Whether the left and right edges of the scrolling `box` show a shade: each edge's
    strip is drawn with and without the box's background and compared."""

    def strips():
        box.scroll_into_view_if_needed()
        area = box.bounding_box()
        return [
            page.screenshot(clip={"x": x, "y": area["y"], "width": 3, "height": area["height"]})
            for x in (area["x"], area["x"] + area["width"] - 3)
        ]

    shown = strips()
    box.evaluate("box => { box.style.background = 'none'; }")
    bare = strips()
    box.evaluate("box => { box.style.background = ''; }")
    return shown[0] != bare[0], shown[1] != bare[1]


def test_a_paste_past_the_limit_is_refused_before_it_is_sent(browser, live_server, newsroom):
    """A 10 MB paste was uploaded whole, for seconds, only to be refused by the server."""
    page = open_new_article_page(browser, live_server)
    sent = []
    page.on("request", lambda r: r.method == "POST" and "/api/v1/" in r.url and sent.append(r))
    page.get_by_label("Title", exact=True).fill("Too long")
    # Code points, as the server counts: each of these is two UTF-16 units in the browser.
    page.evaluate(
        """() => {
            const box = document.getElementById("paste-text");
            box.value = "\\u{1F600}".repeat(2_000_000) + "a ".repeat(1);
        }"""
    )
    page.get_by_role("button", name="Create article").click()
    expect(page.locator("#paste-text-error")).to_have_text(
        "At most 2,000,000 characters for text; this has 2,000,002."
    )
    assert sent == []
    # Within the limit, though longer in UTF-16 units than the limit, it goes.
    page.evaluate(
        """() => { document.getElementById("paste-text").value = "\\u{1F600}".repeat(1000); }"""
    )
    page.get_by_role("button", name="Create article").click()
    page.wait_for_url(WORKSPACE_URL)
    assert len(sent) == 1


def test_the_add_page_fits_a_320_pixel_screen(browser, live_server, newsroom):
    """The file input (347 px) and the three ways in ran past a 320-pixel screen, which
    scrolled sideways (trial G19)."""
    page = open_page(browser, live_server, "ed", viewport=(320, 640))
    page.goto(f"{live_server.url}/articles/new/")
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                  widest: Math.max(...[...document.querySelectorAll("main *")]
                      .map((node) => node.getBoundingClientRect().right))})"""
    )
    page.screenshot(path=str(ARTIFACTS / "add-article-320.png"), full_page=True)
    assert widths["page"] <= 320 and widths["widest"] <= 320, widths
