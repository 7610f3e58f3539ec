"""The provider protocol (a query in, items out), its options, rate limit and registry."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from annotations import fetching, jobs
from annotations.evidence.query import Query


class ProviderError(Exception):
    """A provider's answer could not be used; the message says why, for an editor."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


def text_of(value) -> str:
    """A provider's answer field read as text: "" for one of another type (a number, a list,
    an object), as an answer in a shape the provider does not document gives nothing to
    show, rather than a failed job (review R20)."""
    return value if isinstance(value, str) else ""


def object_of(value) -> dict:
    """A provider's answer field read as an object: {} for one of another type."""
    return value if isinstance(value, dict) else {}


@dataclass
class Found:
    """One thing a provider found: a page with its text, or an earlier fact-check."""

    url: str
    title: str = ""
    publisher: str = ""
    published_on: dt.date | None = None
    text: str = ""  # the page's text (or extract): passages are ranked from it
    passage: str = ""  # or, already, the passage to show (earlier fact-checks)
    rating: str = ""
    score: float = 0.0  # the provider's own relevance, when it has one
    extra: dict = field(default_factory=dict)


class Provider:
    """A source of evidence for claims. Subclass it and list the class in the setting.

    `search(query, claim=...)` returns what was found; network errors from the safe
    fetcher propagate (transient ones are retried by the job), a malformed answer raises
    `ProviderError`. Options per provider come from FACTCHECK_EVIDENCE_OPTIONS[name].
    """

    name = ""
    label = ""
    is_fact_check = False  # its items are other people's verdicts (shown first)
    default_timeout = 10.0
    default_rate_limit = 10.0  # calls per second across all workers; 0 means no limit
    default_enabled = True

    def option(self, key: str, default=None):
        """This provider's option from FACTCHECK_EVIDENCE_OPTIONS, else `default`."""
        options = getattr(settings, "FACTCHECK_EVIDENCE_OPTIONS", {}) or {}
        return (options.get(self.name) or {}).get(key, default)

    @property
    def timeout(self) -> float:
        """Seconds allowed for each call to the provider."""
        return float(self.option("timeout", self.default_timeout))

    @property
    def rate_limit(self) -> float:
        """Calls per second allowed to the provider, 0 for no limit."""
        return float(self.option("rate_limit", self.default_rate_limit))

    def enabled(self) -> bool:
        """Whether the provider is switched on (and configured)."""
        return bool(self.option("enabled", self.default_enabled))

    def search(self, query: Query, *, claim) -> list[Found]:
        """What the provider finds for the claim."""
        raise NotImplementedError

    # Helpers for providers that call a web API.

    def policy(self) -> fetching.FetchPolicy:
        """The safe fetcher's policy with this provider's timeout."""
        base = fetching.policy_from_settings()
        timeout = min(self.timeout, base.total_timeout) if base.total_timeout else self.timeout
        return fetching.policy_from_settings(
            timeout=timeout, max_bytes=min(base.max_bytes, 5 * 1024 * 1024)
        )

    def throttle(self) -> None:
        """Wait for a free slot under the rate limit (shared through the cache)."""
        limit = self.rate_limit
        if limit <= 0:
            return
        # One counter per second per provider; a full second waits for the next one.
        for _ in range(int(self.timeout) + 2):
            now = time.time()
            key = f"evidence-rate:{self.name}:{int(now)}"
            try:
                cache.add(key, 0, timeout=5)
                used = cache.incr(key)
            except Exception:
                return  # no cache, no limit: better than no evidence
            if used <= limit:
                return
            time.sleep(max(0.0, 1.0 - (now % 1.0)))
        raise ProviderError(f"{self.label or self.name}: rate limit reached", transient=True)

    def get_json(self, endpoint: str, params: dict) -> dict:
        """GET `endpoint?params` through the safe fetcher and parse the JSON answer."""
        self.throttle()
        separator = "&" if "?" in endpoint else "?"
        url = f"{endpoint}{separator}{urlencode(params)}" if params else endpoint
        # At most FACTCHECK_IO_PER_HOST calls to one host per worker: a slow site waits
        # its turn instead of filling every thread.
        with jobs.host_slot(url):
            try:
                result = fetching.fetch(url, policy=self.policy())
            except fetching.FetchHTTPError as error:
                reason = _api_error_message(error.body)
                if not reason:
                    raise
                # The API's own words ("API key not valid") say more than the status alone.
                raise type(error)(
                    f"{error}: {reason}", error.status, error.retry_after, error.body
                ) from error
        try:
            return json.loads(result.body.decode(result.charset or "utf-8", errors="replace"))
        except ValueError as error:
            raise ProviderError(
                f"{self.label or self.name} answered with malformed JSON ({error})"
            ) from error


def _api_error_message(body: bytes) -> str:
    """The message of a JSON error answer in the common shapes, else ""."""
    try:
        answer = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return ""
    if not isinstance(answer, dict):
        return ""
    error = answer.get("error")
    # Google APIs: {"error": {"code", "message", "status"}}; many others: {"error": "..."}.
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str):
        message = answer.get("message")
    return " ".join(message.split())[:300] if isinstance(message, str) else ""


class SourcesProvider(Provider):
    """The claim's own cited sources, once fetched: their best passages."""

    name = "sources"
    label = "Cited sources"

    def enabled(self) -> bool:
        """Always on: it only reads what the snapshot task stored."""
        return True

    def search(self, query: Query, *, claim) -> list[Found]:
        """One item per fetched source of the claim, with the source's whole text."""
        found = []
        for source in claim.sources.all():
            text = source_text(source)
            if text:
                found.append(
                    Found(
                        url=source.url,
                        title=source.title,
                        publisher=source.publisher,
                        published_on=source.published_on,
                        text=text,
                        extra={"source_id": source.pk},
                    )
                )
        return found


def source_text(source) -> str:
    """A source's extracted text, or its latest snapshot's of the page it cites now."""
    if source.extracted_text:
        return source.extracted_text
    snapshot = source.snapshots_of_cited_page().first()
    return snapshot.text if snapshot else ""


def load_providers() -> list[Provider]:
    """One instance of each provider the setting lists, in its order."""
    paths = getattr(settings, "FACTCHECK_EVIDENCE_PROVIDERS", []) or []
    return [import_string(path)() for path in paths]


def enabled_providers() -> list[Provider]:
    """The listed providers that are switched on."""
    return [provider for provider in load_providers() if provider.enabled()]


def get_provider(name: str) -> Provider | None:
    """The provider called `name` (the built-in "sources" included), or None."""
    if name == SourcesProvider.name:
        return SourcesProvider()
    for provider in load_providers():
        if provider.name == name:
            return provider
    return None
