"""A publisher's page around an article, served from its own loopback origin (embed tests, bench).

The page is the article as a newsroom's CMS would print it, not as the instance stores it:
curly quotes straightened, en dashes as em dashes, extra spaces and line breaks, some words
in links or bold (so quotes cross element boundaries), a navigation bar, a comment form, and
the site's own script and styles under a strict Content-Security-Policy.
"""

import html
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE_CSS = """
body { font-family: Georgia, serif; margin: 0; background: rgb(250, 248, 240); }
body { color: rgb(34, 34, 34); }
nav.site-nav { background: rgb(20, 40, 80); color: rgb(255, 255, 255); padding: 8px 16px; }
nav.site-nav a { color: rgb(255, 255, 255); margin-right: 12px; }
main { max-width: 40em; margin: 0 auto; padding: 16px; }
h1 { font-size: 30px; line-height: 1.2; }
p { line-height: 1.6; font-size: 18px; }
mark { background: rgb(255, 0, 255); }
#menu.open { display: block; }
#menu { display: none; }
.print-edition { display: none; }
/* Copies kept out of sight without display:none: faded out, or for screen readers only. */
.print-edition.faded { display: block; opacity: 0; }
.print-edition.off-page { display: block; position: absolute; left: -10000px; top: auto; }
.print-edition.screen-reader-only {
  display: block; position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
.comments textarea { width: 100%; height: 80px; }
"""

# The site's own behaviour: a menu button, a comment counter, and a record of any CSP
# violation on the page (so a test sees what the browser refused).
SITE_JS = """
window.siteViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.siteViolations.push(event.violatedDirective + " " + event.blockedURI);
});
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("menu-toggle");
  button.addEventListener("click", () => {
    const menu = document.getElementById("menu");
    menu.classList.toggle("open");
    button.textContent = menu.classList.contains("open") ? "Close menu" : "Menu";
  });
  const form = document.getElementById("comment-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    document.getElementById("comment-count").textContent = "1 comment";
  });
});
"""

# An app's way with the article: its body arrives by script, 800 ms after the page loaded
# (data-insert="auto"), or when the test calls insertArticle() (data-insert="manual").
APP_JS = """
window.insertArticle = () => {
  const later = document.getElementById("article-later");
  if (later) later.replaceWith(later.content.cloneNode(true));
};
window.addEventListener("load", () => {
  if (document.documentElement.dataset.insert === "auto") setTimeout(window.insertArticle, 800);
});
"""

_BOLD = re.compile(r"\b(\d[\d,.]*)\b")


def reformat(paragraph: str, seed: int) -> str:
    """One paragraph as the publisher's CMS prints it, as HTML."""
    text = paragraph.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2013", "\u2014")
    words = html.escape(text, quote=False).split(" ")
    out = []
    for n, word in enumerate(words):
        if (n + seed) % 9 == 4:
            word = _BOLD.sub(r"<strong>\1</strong>", word)
        if (n + seed) % 13 == 7:
            word = f'<a href="/tag/{n}">{word}</a>'
        out.append(word)
        if n < len(words) - 1:
            # Extra spaces, line breaks and indentation, as hand-edited HTML has them.
            out.append(["\n        ", "  ", " ", "&nbsp;", " \n "][(n + seed) % 5])
    return "".join(out)


# A publisher's loader that adds the embed tag once the page has loaded (README), so its
# `load` event never waits on the instance; a file of the site's own, for its strict CSP.
AFTER_LOAD_JS = """
const loader = document.currentScript;
addEventListener("load", () => {
  const tag = document.createElement("script");
  tag.src = loader.dataset.instance + "/embed.js";
  tag.dataset.organization = loader.dataset.organization;
  tag.crossOrigin = "anonymous";
  document.head.append(tag);
});
"""


def page(
    *,
    title: str,
    paragraphs: list[str],
    instance: str,
    organization: str,
    canonical: str,
    embed: bool = True,
    teaser: str = "",
    print_edition: list[str] | None = None,
    print_edition_hidden_by: str = "attribute",
    top: str = "",
    inserted_by_script: str = "",
    after_load: bool = False,
) -> str:
    """The whole host page as HTML; `None` paragraphs are left out, `teaser` goes above.

    `print_edition` is a copy of paragraphs before the article that the site's styles hide
    (as CMSs keep one for printing), by the `hidden` attribute or by one of the site's
    classes named in `print_edition_hidden_by`; `top` is raw HTML at the top of the body.
    `inserted_by_script` ("auto" or "manual") keeps the paragraphs in a <template> that the
    site's app script puts in the article after load (`APP_JS`).
    """
    body = "\n".join(
        f'    <p id="p-{n}">\n      {reformat(paragraph, n)}\n    </p>'
        for n, paragraph in enumerate(paragraphs)
        if paragraph is not None
    )
    copy = "".join(f"<p>{html.escape(p)}</p>" for p in print_edition or [] if p)
    how = (
        'class="print-edition" hidden'
        if print_edition_hidden_by == "attribute"
        else f'class="print-edition {print_edition_hidden_by}"'
    )
    hidden = f"  <div {how}>{copy}</div>" if print_edition else ""
    app = ""
    if inserted_by_script:
        body = f'<template id="article-later">{body}</template>'
        app = '<script src="/app.js"></script>'
    insert = f' data-insert="{inserted_by_script}"' if inserted_by_script else ""
    # crossorigin="anonymous": the script itself is fetched without the instance's cookies too.
    tag = (
        f'<script src="{instance}/embed.js" data-organization="{organization}" async '
        'crossorigin="anonymous"></script>'
        if embed
        else ""
    )
    if embed and after_load:
        tag = (
            f'<script src="/after-load.js" data-instance="{instance}" '
            f'data-organization="{organization}"></script>'
        )
    return f"""<!doctype html>
<html lang="en"{insert}>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)} | Voice of East</title>
  <link rel="canonical" href="{html.escape(canonical)}">
  <link rel="stylesheet" href="/site.css">
  <script src="/site.js"></script>
  {app}
  {tag}
</head>
<body>
  {top}
  <nav class="site-nav" aria-label="Sections">
    <a href="/">Home</a> <a href="/politics/">Politics</a> <a href="/world/">World</a>
    <button id="menu-toggle" type="button">Menu</button>
    <ul id="menu">
      <li><a href="/about/">About us</a></li><li><a href="/tips/">Send a tip</a></li>
    </ul>
  </nav>
  <main>
  <aside class="related"><h2>Most read</h2><p>{html.escape(teaser)}</p></aside>
{hidden}
  <article>
    <h1>
      {html.escape(title)}
    </h1>
    <p class="byline">By Andrew Korybko | 15 April 2022</p>
{body}
  </article>
  <section class="comments">
    <h2>Comments (<span id="comment-count">0 comments</span>)</h2>
    <form id="comment-form">
      <label for="comment">Your comment</label>
      <textarea id="comment">Over 160,000 people listened in at once? I doubt it.</textarea>
      <button type="submit">Post comment</button>
    </form>
  </section>
  </main>
  <footer><p>&copy; Voice of East. All rights reserved.</p></footer>
</body>
</html>
"""


def strict_csp(instance: str) -> str:
    """What a careful publisher sends: nothing inline, only itself and the instance."""
    return (
        f"default-src 'self'; script-src 'self' {instance}; style-src 'self' {instance}; "
        f"connect-src 'self' {instance}; img-src 'self' {instance} data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class HostServer:
    """A small HTTP server on 127.0.0.1 serving `pages` (path -> HTML) and the site's files.

    A page in `slow` (path -> seconds) sends its <head> at once and its <body> that much
    later, as a busy CMS or a slow network delivers it.
    """

    def __init__(self, pages: dict[str, str], csp: str, slow: dict[str, float] | None = None):
        self.pages = pages
        self.slow = slow or {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/site.css":
                    body, kind = SITE_CSS, "text/css"
                elif path == "/site.js":
                    body, kind = SITE_JS, "text/javascript"
                elif path == "/app.js":
                    body, kind = APP_JS, "text/javascript"
                elif path == "/after-load.js":
                    body, kind = AFTER_LOAD_JS, "text/javascript"
                elif path in server.pages:
                    body, kind = server.pages[path], "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Security-Policy", csp)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                delay = server.slow.get(path)
                if delay:
                    head, _, rest = data.partition(b"<body>")
                    self.wfile.write(head)
                    self.wfile.flush()
                    time.sleep(delay)  # the server being slow, not the test waiting
                    data = b"<body>" + rest
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
