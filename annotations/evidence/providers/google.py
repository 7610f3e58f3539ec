"""Google Fact Check Tools `claims:search`: fact-checks by others, with their ratings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from annotations.evidence.providers.base import (
    Found,
    Provider,
    ProviderError,
    object_of,
    text_of,
)
from annotations.evidence.query import Query


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


class GoogleFactCheck(Provider):
    """Published fact-checks matching the claim's wording; on when an API key is set."""

    name = "google"
    label = "Google Fact Check Tools"
    is_fact_check = True
    default_rate_limit = 5.0

    def api_key(self) -> str:
        """The configured API key, or ""."""
        return getattr(settings, "FACTCHECK_EVIDENCE_GOOGLE_API_KEY", "") or ""

    def enabled(self) -> bool:
        """On when switched on and an API key is set."""
        return bool(self.api_key()) and super().enabled()

    def search(self, query: Query, *, claim) -> list[Found]:
        """One item per ClaimReview of each matching claim."""
        endpoint = getattr(
            settings,
            "FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT",
            "https://factchecktools.googleapis.com/v1alpha1/claims:search",
        )
        answer = self.get_json(
            endpoint,
            {
                "query": query.text[:500],
                "languageCode": query.language,
                "pageSize": 10,
                "key": self.api_key(),
            },
        )
        if not isinstance(answer, dict):
            raise ProviderError(f"{self.label} answered with something other than an object")
        found = []
        claims = answer.get("claims") or []
        if not isinstance(claims, list):
            raise ProviderError(f"{self.label} answered without a list of claims")
        for rank, item in enumerate(claims):
            if not isinstance(item, dict):
                continue
            reviews = item.get("claimReview")
            for review in reviews if isinstance(reviews, list) else []:
                review = object_of(review)
                if not text_of(review.get("url")):
                    continue
                publisher = object_of(review.get("publisher"))
                claimant = text_of(item.get("claimant"))
                passage = text_of(item.get("text"))
                found.append(
                    Found(
                        url=review["url"],
                        title=text_of(review.get("title")) or passage,
                        publisher=text_of(publisher.get("name")) or text_of(publisher.get("site")),
                        published_on=_date(review.get("reviewDate")),
                        passage=f"{claimant}: {passage}" if claimant else passage,
                        rating=text_of(review.get("textualRating")),
                        score=1.0 / (rank + 1),
                    )
                )
        return found
