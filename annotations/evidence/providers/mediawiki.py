"""MediaWiki (Wikipedia by default): the search API, then each hit's plain-text extract."""

from __future__ import annotations

from django.conf import settings

from annotations.evidence.providers.base import (
    Found,
    Provider,
    ProviderError,
    object_of,
    text_of,
)
from annotations.evidence.query import Query


class MediaWiki(Provider):
    """Pages of a MediaWiki whose text matches the claim's key terms."""

    name = "mediawiki"
    label = "Wikipedia"
    default_rate_limit = 5.0  # the Wikimedia API etiquette: be gentle
    pages = 3

    def endpoint(self) -> str:
        """The wiki's api.php, with `{language}` replaced by the configured language."""
        endpoint = getattr(
            settings,
            "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT",
            "https://{language}.wikipedia.org/w/api.php",
        )
        language = getattr(settings, "FACTCHECK_EVIDENCE_MEDIAWIKI_LANGUAGE", "en") or "en"
        return endpoint.replace("{language}", language)

    def _check(self, answer) -> dict:
        if not isinstance(answer, dict):
            raise ProviderError(f"{self.label} answered with something other than an object")
        if "error" in answer:
            error = object_of(answer["error"])
            said = text_of(error.get("info")) or text_of(error.get("code")) or "no reason given"
            raise ProviderError(f"{self.label} refused the query: {said}")
        return object_of(answer.get("query"))

    def search(self, query: Query, *, claim) -> list[Found]:
        """Search the wiki, then fetch the plain text of the best few pages."""
        endpoint = self.endpoint()
        hits: list = []
        # A search engine ANDs the words: when the claim's words with the article's topic
        # find nothing, the claim's words alone may.
        attempts = dict.fromkeys(
            text for text in (query.search_text(max_terms=6), " ".join(query.terms[:5])) if text
        )
        for terms in attempts:
            hits = self._check(
                self.get_json(
                    endpoint,
                    {
                        "action": "query",
                        "list": "search",
                        "srsearch": terms,
                        "srlimit": self.pages,
                        "srprop": "snippet",
                        "format": "json",
                        "formatversion": "2",
                    },
                )
            ).get("search")
            if not isinstance(hits, list):
                raise ProviderError(f"{self.label} answered without a list of search results")
            if hits:
                break
        found = []
        for rank, hit in enumerate(hits[: self.pages]):
            if not isinstance(hit, dict) or "pageid" not in hit:
                continue
            pages = self._check(
                self.get_json(
                    endpoint,
                    {
                        "action": "query",
                        "prop": "extracts|info",
                        "pageids": hit["pageid"],
                        "explaintext": "1",
                        "exsectionformat": "plain",
                        "inprop": "url",
                        "format": "json",
                        "formatversion": "2",
                    },
                )
            ).get("pages")
            if isinstance(pages, dict):  # formatversion 1 keys pages by id
                pages = list(pages.values())
            for page in pages if isinstance(pages, list) else []:
                page = object_of(page)
                if not text_of(page.get("extract")):
                    continue
                found.append(
                    Found(
                        url=text_of(page.get("fullurl")) or text_of(page.get("canonicalurl")),
                        title=text_of(page.get("title")),
                        publisher=self.label,
                        text=page["extract"],
                        score=1.0 / (rank + 1),
                    )
                )
        return [item for item in found if item.url]
