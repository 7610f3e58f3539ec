"""A generic W3C Web Annotation Protocol client that relies only on what the specifications promise.

It finds a container from a page's `Link: <…>; rel="http://www.w3.org/ns/oa#annotationService"`
header, reads the container as JSON-LD in the anno.jsonld profile, walks its pages by `first`
and `next`, reads single annotations at their IRIs, and creates one with POST (then finds its
IRI in `Location`). Nothing here knows this application's URLs or JSON shapes.

    python tests/wap_client.py http://localhost:8000/a/demo-desk/some-article/
    python tests/wap_client.py CONTAINER_URL --token KEY --create "a quote from the article"
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator

import httpx

PROFILE = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{PROFILE}"'
ANNOTATION_SERVICE = "http://www.w3.org/ns/oa#annotationService"
PREFER_DESCRIPTIONS = (
    'return=representation;include="http://www.w3.org/ns/oa#PreferContainedDescriptions"'
)
PREFER_IRIS = 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'


def link_targets(header: str, rel: str) -> list[str]:
    """The targets of the `Link` header's links whose `rel` includes `rel` (RFC 8288)."""
    found = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:\"[^\"]*\"|[^;,]*))?)*)", header):
        target, params = match.groups()
        for name, value in re.findall(r";\s*([^=;,\s]+)\s*=\s*(\"[^\"]*\"|[^;,]*)", params):
            if name.lower() == "rel" and rel in value.strip('"').split():
                found.append(target)
    return found


class Client:
    """Reads and writes one annotation server over HTTP."""

    def __init__(self, *, token: str | None = None, http: httpx.Client | None = None):
        headers = {"Accept": MEDIA_TYPE}
        if token:
            headers["Authorization"] = f"Token {token}"
        self.http = http or httpx.Client(headers=headers, timeout=30)

    def discover(self, page_url: str) -> str | None:
        """The annotation container a web page advertises, or None."""
        response = self.http.get(page_url, headers={"Accept": "text/html, */*;q=0.1"})
        response.raise_for_status()
        targets = link_targets(response.headers.get("Link", ""), ANNOTATION_SERVICE)
        return str(response.url.join(targets[0])) if targets else None

    def get(self, iri: str, *, prefer: str | None = None) -> tuple[httpx.Response, dict]:
        """GET a JSON-LD resource; returns the response and its decoded body."""
        headers = {"Accept": MEDIA_TYPE, **({"Prefer": prefer} if prefer else {})}
        response = self.http.get(iri, headers=headers)
        response.raise_for_status()
        return response, response.json()

    def pages(self, container: str, *, prefer: str = PREFER_DESCRIPTIONS) -> Iterator[dict]:
        """Every page of the container, from `first` following `next`."""
        _response, collection = self.get(container, prefer=prefer)
        page = collection.get("first")
        while page:
            if isinstance(page, str):
                _response, page = self.get(page)
            yield page
            page = page.get("next")

    def annotations(self, container: str) -> Iterator[dict]:
        """Every annotation in the container, each read whole (IRIs are dereferenced)."""
        for page in self.pages(container):
            for item in page.get("items", []):
                yield self.get(item)[1] if isinstance(item, str) else item

    def total(self, container: str) -> int:
        """How many annotations the container says it holds."""
        prefer = 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
        return self.get(container, prefer=prefer)[1].get("total", 0)

    def create(self, container: str, annotation: dict) -> tuple[str, dict]:
        """POST an annotation; returns its new IRI (from `Location`) and the stored annotation."""
        response = self.http.post(
            container,
            content=json.dumps(annotation),
            headers={"Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE},
        )
        response.raise_for_status()
        return response.headers["Location"], response.json()


def quote_annotation(source: str, quote: str, comment: str = "") -> dict:
    """A minimal Web Annotation of `quote` in the document at `source`."""
    annotation = {
        "@context": PROFILE,
        "type": "Annotation",
        "target": {
            "source": source,
            "selector": {"type": "TextQuoteSelector", "exact": quote},
        },
    }
    if comment:
        annotation["body"] = {"type": "TextualBody", "value": comment, "purpose": "commenting"}
    return annotation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a page that advertises a container, or a container")
    parser.add_argument("--token", help="an API token, to create annotations")
    parser.add_argument("--create", metavar="QUOTE", help="annotate this quote")
    parser.add_argument("--comment", default="", help="the new annotation's comment")
    args = parser.parse_args(argv)
    client = Client(token=args.token)
    container = client.discover(args.url) or args.url
    print(f"container: {container}")
    total = client.total(container)
    count = 0
    for annotation in client.annotations(container):
        count += 1
        bodies = annotation.get("body", [])
        bodies = bodies if isinstance(bodies, list) else [bodies]
        label = next(
            (
                b.get("value")
                for b in bodies
                if isinstance(b, dict) and b.get("purpose") == "assessing"
            ),
            "",
        )
        print(f"{annotation['id']}  {label}")
    print(f"{count} annotations read; the container says {total}.")
    if args.create:
        _response, collection = client.get(container)
        first = collection.get("first")
        first = client.get(first)[1] if isinstance(first, str) else first
        items = (first or {}).get("items") or []
        source = args.url
        if items and isinstance(items[0], dict):
            target = items[0].get("target", {})
            source = target.get("source", source) if isinstance(target, dict) else target
        iri, _stored = client.create(container, quote_annotation(source, args.create, args.comment))
        print(f"created {iri}")
    return 0 if count == total else 1


if __name__ == "__main__":
    sys.exit(main())
