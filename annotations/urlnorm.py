"""One normal form for article URLs, so that a page's address finds the article checked on it.

A publisher's page is reached by many spellings of one address: http or https, with or
without `www.`, a trailing slash, campaign parameters, a fragment. The reader embed sends
the page's canonical link or location; the server compares normal forms, never raw URLs.
"""

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

# Query parameters that track a visit and never select a different page.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "ocid", "cmpid"}
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in a path; everything else is percent-encoded once.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def as_typed(url: str) -> str:
    """A web address as a person typed or pasted it, in the form a browser sends: outer
    spaces dropped and inner ones encoded ("/annual report.pdf" as "/annual%20report.pdf"),
    which a browser's address bar does and a validator would otherwise refuse."""
    return "%20".join(url.strip().split(" "))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def url_key(url: str) -> str:
    """The URL's matching key, e.g. `example.org/news/story?id=3`; "" for a non-web URL.

    Scheme, `www.`, default port, fragment, trailing slash, tracking parameters and the
    order of the remaining parameters are ignored; the key is ASCII (IDNA host,
    percent-encoded path) so it fits an index.
    """
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return ""
    host = parts.hostname.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != DEFAULT_PORTS[parts.scheme.lower()]:
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    kept = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    )
    query = urlencode(kept, quote_via=quote)
    return f"{host}{path}?{query}" if query else f"{host}{path}"
