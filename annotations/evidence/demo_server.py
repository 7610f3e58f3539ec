"""A local stand-in for the web, for the demo and tests: sample pages and a MediaWiki API.

`python -m annotations.evidence.demo_server --port 8765` serves, on 127.0.0.1 only:
- /pages/<slug>.html: news pages that agree or disagree with the sample article on
  160,000 listeners, 44,000 listeners and a median age of 22.8 years;
- /w/api.php: a MediaWiki-shaped API (list=search, prop=extracts|info, formatversion 2);
- /v1alpha1/claims:search: a Google Fact Check Tools-shaped API (any key);
- /claimreview/feed.json: the demo ClaimReview corpus (a DataFeed).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

FEED = Path(__file__).resolve().parent.parent / "fixtures" / "demo_claimreview.json"

# slug -> (title, publisher, date, paragraphs)
PAGES = {
    "spaces-record": (
        "Imran Khan sets a Twitter Spaces record",
        "Daily Ledger",
        "2022-04-14",
        [
            "Former prime minister Imran Khan held a Twitter Spaces session on Wednesday "
            "that drew a record audience.",
            "More than 160,000 listeners tuned in at once at the peak, according to the "
            "platform's own counter.",
            "The previous record for a Twitter Spaces session, 44,000 simultaneous "
            "listeners, was set by a Korean pop group.",
            "Khan spoke for about two hours about the political crisis in Pakistan.",
        ],
    ),
    "spaces-doubt": (
        "How many really listened to Imran Khan?",
        "Metro Checker",
        "2022-04-15",
        [
            "Supporters of Imran Khan celebrated a record on Twitter Spaces this week.",
            "Figures shown on the session itself put the peak at about 120,000 listeners "
            "at once, well short of the number shared afterwards.",
            "The earlier record cited by his party, 41,000 simultaneous listeners by a "
            "K-pop band, is also disputed.",
        ],
    ),
    "pakistan-age": (
        "Pakistan's young population in numbers",
        "Census Watch",
        "2022-03-02",
        [
            "Pakistan is one of the youngest countries in Asia.",
            "The median age in Pakistan is 22.8 years, according to the United Nations "
            "population estimates.",
            "Almost two thirds of the population is under 30.",
        ],
    ),
    "pakistan-age-older": (
        "An ageing Pakistan? Not so fast",
        "Numbers Desk",
        "2022-05-20",
        [
            "New survey data change the picture of Pakistan's population.",
            "The survey puts the median age in Pakistan at 20.6 years, lower than earlier "
            "estimates.",
        ],
    ),
}

# MediaWiki pages: title -> extract (plain text, sections separated by blank lines).
WIKI = {
    "Twitter Spaces": (
        "Twitter Spaces is a live audio feature of Twitter.\n\n"
        "In April 2022 a session held by former Pakistani prime minister Imran Khan was "
        "reported to have reached more than 160,000 simultaneous listeners, a record for "
        "the feature.\n\n"
        "The previous record of 44,000 listeners had been set by a South Korean pop group."
    ),
    "Demographics of Pakistan": (
        "Pakistan is the fifth most populous country in the world.\n\n"
        "The median age of the population is 22.8 years (2020 estimate).\n\n"
        "The population grew rapidly in the second half of the twentieth century."
    ),
    "Imran Khan": (
        "Imran Khan is a Pakistani politician and former cricketer who served as prime "
        "minister of Pakistan from 2018 to 2022.\n\n"
        "He was removed from office through a no-confidence motion in April 2022."
    ),
}

# Google Fact Check Tools: a few published fact-checks about the sample's claims.
GOOGLE_CLAIMS = [
    {
        "text": "Imran Khan's Twitter Spaces session had over 160,000 listeners",
        "claimant": "PTI",
        "claimDate": "2022-04-13T00:00:00Z",
        "claimReview": [
            {
                "publisher": {"name": "Soch Fact Check", "site": "sochfactcheck.example"},
                "url": "https://sochfactcheck.example/spaces-record",
                "title": "Did 160,000 people listen to Imran Khan on Twitter Spaces?",
                "reviewDate": "2022-04-16T00:00:00Z",
                "textualRating": "Mostly true",
                "languageCode": "en",
            }
        ],
    }
]

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> set[str]:
    """Word beginnings, a rough stand-in for a search engine's stemming."""
    return {word.lower()[:5] for word in _WORD.findall(text) if len(word) > 3}


def page_html(slug: str) -> str:
    """The HTML of one sample page."""
    title, publisher, date, paragraphs = PAGES[slug]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        f"<meta property='og:site_name' content='{html.escape(publisher)}'>"
        f"<meta name='date' content='{date}'>"
        f"<meta property='article:published_time' content='{date}'>"
        "</head><body><article>"
        f"<h1>{html.escape(title)}</h1><p class='byline'>{html.escape(publisher)}, {date}</p>"
        f"{body}</article></body></html>"
    )


def mediawiki(params: dict, base: str) -> dict:
    """Answer a MediaWiki api.php query the way formatversion=2 does."""
    if params.get("action") != "query":
        return {"error": {"code": "badvalue", "info": "Unrecognized value for action."}}
    if params.get("list") == "search":
        wanted = _words(params.get("srsearch", ""))
        scored = sorted(
            ((len(wanted & _words(title + " " + text)), title) for title, text in WIKI.items()),
            reverse=True,
        )
        limit = int(params.get("srlimit", 10) or 10)
        hits = [
            {"ns": 0, "title": title, "pageid": list(WIKI).index(title) + 1, "snippet": ""}
            for score, title in scored[:limit]
            if score
        ]
        return {
            "batchcomplete": True,
            "query": {"searchinfo": {"totalhits": len(hits)}, "search": hits},
        }
    if "extracts" in params.get("prop", ""):
        pages = []
        for pageid in str(params.get("pageids", "")).split("|"):
            if not pageid.isdigit() or not 0 < int(pageid) <= len(WIKI):
                pages.append({"pageid": int(pageid or 0), "missing": True})
                continue
            title = list(WIKI)[int(pageid) - 1]
            url = f"{base}/wiki/{quote(title.replace(' ', '_'))}"
            pages.append(
                {
                    "pageid": int(pageid),
                    "ns": 0,
                    "title": title,
                    "extract": WIKI[title],
                    "fullurl": url,
                    "canonicalurl": url,
                }
            )
        return {"batchcomplete": True, "query": {"pages": pages}}
    return {"batchcomplete": True, "query": {}}


def claims_search(params: dict) -> dict:
    """Answer claims:search: every claim sharing two or more words with the query."""
    if not params.get("key"):
        return {"error": {"code": 403, "message": "The request is missing a valid API key."}}
    wanted = _words(params.get("query", ""))
    claims = [claim for claim in GOOGLE_CLAIMS if len(wanted & _words(claim["text"])) >= 2]
    return {"claims": claims} if claims else {}


class Handler(BaseHTTPRequestHandler):
    """Serves the sample pages and the API stand-ins."""

    server_version = "factcheck-demo/1"

    def log_message(self, format, *args):
        return  # quiet: the demo's console belongs to the app

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
        match = re.fullmatch(r"/pages/([a-z0-9-]+)\.html", parts.path)
        if match and match.group(1) in PAGES:
            return self._send(200, page_html(match.group(1)), "text/html")
        if parts.path == "/w/api.php":
            return self._send(200, json.dumps(mediawiki(params, base)), "application/json")
        if parts.path.startswith("/wiki/"):
            title = parts.path[len("/wiki/") :].replace("_", " ")
            text = WIKI.get(re.sub(r"%20", " ", title), "")
            if text:
                paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
                page = f"<!doctype html><title>{html.escape(title)}</title>{paragraphs}"
                return self._send(200, page, "text/html")
        if parts.path == "/v1alpha1/claims:search":
            return self._send(200, json.dumps(claims_search(params)), "application/json")
        if parts.path == "/claimreview/feed.json" and FEED.is_file():
            return self._send(200, FEED.read_text(encoding="utf-8"), "application/json")
        if parts.path == "/":
            links = "".join(
                f"<li><a href='/pages/{slug}.html'>{html.escape(page[0])}</a></li>"
                for slug, page in PAGES.items()
            )
            return self._send(
                200, f"<!doctype html><title>Demo pages</title><ul>{links}</ul>", "text/html"
            )
        return self._send(404, "<!doctype html><title>Not found</title>", "text/html")


def start(port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve on 127.0.0.1:`port` (0 picks a free one) in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="evidence-demo", daemon=True)
    thread.start()
    return server, thread


def settings_for(base: str) -> dict:
    """The Django settings that point the providers at a demo server at `base`."""
    return {
        "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT": f"{base}/w/api.php",
        "FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT": f"{base}/v1alpha1/claims:search",
        "FACTCHECK_EVIDENCE_GOOGLE_API_KEY": "demo",
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"Evidence demo server on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
