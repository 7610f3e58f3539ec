"""The favicon: linked from every page, and /favicon.ico answered, so no console 404."""

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from tests.browser_support import open_page

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_permanently_to_the_svg_in_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == staticfiles_storage.url("favicon.svg")
    assert finders.find("favicon.svg")


def test_the_editor_pages_link_the_svg_favicon(client):
    html = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{staticfiles_storage.url("favicon.svg")}"' in html


def _watch(page):
    """Collect every failed request and every response of 400 or more on `page`."""
    failures = []
    page.on("requestfailed", lambda request: failures.append(f"{request.failure} {request.url}"))
    page.on(
        "response",
        lambda response: (
            failures.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return failures


# Headless Chromium does not ask for favicons by itself, so the page asks the way a tab
# would: the icons it links, or /favicon.ico when it links none (and that address anyway,
# for the clients that ask it directly). A data: icon needs no request.
ASK_FOR_ICONS = """async () => {
    const linked = [...document.querySelectorAll('link[rel~="icon"]')].map((link) => link.href);
    const wanted = [...(linked.length ? linked : []), new URL("/favicon.ico", location.href).href];
    const answers = [];
    for (const href of wanted) {
        if (href.startsWith("data:")) continue;
        const response = await fetch(href);
        await response.text(); // read to the end: a navigation must not cut it short
        answers.push([href, response.status, response.headers.get("content-type")]);
    }
    return {linked, answers};
}"""


def _icons(page):
    icons = page.evaluate(ASK_FOR_ICONS)
    for href, status, content_type in icons["answers"]:
        assert (status, content_type) == (200, "image/svg+xml"), href
    return icons


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_and_reader_home_load_with_no_failed_request(browser, live_server, newsroom):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    failures = _watch(page)
    page.goto(f"{live_server.url}/accounts/login/", wait_until="networkidle")
    assert _icons(page)["linked"] == [f"{live_server.url}/static/favicon.svg"]
    page.goto(f"{live_server.url}/", wait_until="networkidle")  # the reader home
    assert _icons(page)["linked"]
    assert failures == []
    # The home page as a signed-in editor is the article list, on the editor's base template.
    signed_in = open_page(browser, live_server, "ed")
    failures = _watch(signed_in)
    signed_in.goto(f"{live_server.url}/", wait_until="networkidle")
    assert _icons(signed_in)["linked"] == [f"{live_server.url}/static/favicon.svg"]
    assert failures == []
