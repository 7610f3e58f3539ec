"""Helpers for the browser tests: sign in, open the workspace, select, count POSTs, run axe."""

import re
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct-horse-battery"
# A workspace address (/articles/12/), and not /articles/new/.
WORKSPACE_URL = re.compile(r"/articles/\d+/$")
# page.wait_for_function takes a function ("() => ..."): a bare expression is checked once
# from outside the page, then, if false, polled through eval inside it, which every page's
# CSP refuses ("EvalError ... 'unsafe-eval'"), so such a wait failed only when it had to
# wait. tests/test_browser_waits.py holds every browser test to it.


def upload_from_the_add_page(page, path):
    """From the signed-in front page, upload the file at `path` and wait for its workspace."""
    page.get_by_role("link", name="Add an article").click()
    page.wait_for_selector("html[data-import-ready=true]")
    page.get_by_label("Choose a file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")


def open_page(browser, live_server, username, viewport=(1280, 800)):
    """A new browser context signed in as `username` through the login form."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def record_posts(page, path_end: str | None = None) -> list[str]:
    """The addresses of the POST requests the page sends from now on (those ending in
    `path_end`, if given), as a list that grows while Playwright calls run."""
    posts = []

    def note(request):
        if request.method == "POST" and (path_end is None or request.url.endswith(path_end)):
            posts.append(request.url)

    page.on("request", note)
    return posts


def open_workspace(page, live_server, article):
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")


def select_with_mouse(page, phrase: str):
    """Drag the mouse from the first to the last character of `phrase` in the article body."""
    box = page.evaluate(
        """(phrase) => {
            const walker = document.createTreeWalker(
                document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(phrase);
                if (at === -1) continue;
                const rect = (from, to) => {
                    const range = document.createRange();
                    range.setStart(node, from); range.setEnd(node, to);
                    return range.getBoundingClientRect();
                };
                const first = rect(at, at + 1);
                const last = rect(at + phrase.length - 1, at + phrase.length);
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
            }
            return null;
        }""",
        phrase,
    )
    assert box, f"{phrase!r} not found on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == phrase


def select_range(page, phrase: str):
    """Select the first text node's occurrence of `phrase` in the article body as one DOM
    range: where a mouse drag's path depends on layout (right-to-left lines, a selection
    meant to end inside a character), the selection it ends up with."""
    page.evaluate(
        """(phrase) => {
            const walker = document.createTreeWalker(
                document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(phrase);
                if (at === -1) continue;
                getSelection().setBaseAndExtent(node, at, node, at + phrase.length);
                return;
            }
            throw new Error(`${phrase} not found`);
        }""",
        phrase,
    )


def sign_in_again_in_another_tab(page, live_server, username: str):
    """In a second tab of `page`'s browser (one session cookie for both), sign out and sign
    in as `username`: what `page` then sends goes under that account's session."""
    other = page.context.new_page()
    other.goto(f"{live_server.url}/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url(f"{live_server.url}/accounts/login/")
    other.get_by_label("Username").fill(username)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url(f"{live_server.url}/")
    return other


def assert_accessible(page, name: str):
    """axe-core finds no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        (violation["id"], violation["help"], [n["target"] for n in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
