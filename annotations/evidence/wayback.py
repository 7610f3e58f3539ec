"""The Internet Archive's Wayback Machine: find a capture of a source, or ask for a new one."""

# Off unless FACTCHECK_WAYBACK_ENABLED. Two public APIs, both reached through the safe
# fetcher, each request within the worker's per-host limit (`jobs.host_slot`), and both
# configurable (a test or a private mirror points them elsewhere):
# - the availability API, GET {AVAILABILITY_URL}?url=...&timestamp=YYYYMMDDhhmmss, answers
#   {"url": ..., "archived_snapshots": {"closest": {"available": true, "url": ...,
#   "timestamp": ..., "status": "200"}}} (an empty "archived_snapshots" when none exists);
# - Save Page Now 2, POST {SAVE_URL} with url=... and "Authorization: LOW key:secret",
#   answers {"url": ..., "job_id": ...}; GET {SAVE_URL}/status/{job_id} then says
#   "pending", "success" (with "timestamp" and "original_url") or "error" ("message").

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from django.conf import settings

from annotations import fetching, jobs

WAYBACK_PREFIX = "https://web.archive.org/web"


class WaybackError(Exception):
    """The archive did not give a capture; the message says why, for an editor."""


@dataclass(frozen=True)
class WaybackConfig:
    """Where the archive's APIs are and the credentials for Save Page Now."""

    enabled: bool
    availability_url: str
    save_url: str
    access_key: str = ""
    secret_key: str = ""
    poll_interval: float = 3.0
    poll_timeout: float = 60.0

    @property
    def can_save(self) -> bool:
        """Whether Save Page Now may be asked (credentials are set)."""
        return bool(self.access_key and self.secret_key)

    @classmethod
    def from_settings(cls) -> WaybackConfig:
        """The configuration the Django settings give (FACTCHECK_WAYBACK_*)."""
        return cls(
            enabled=settings.FACTCHECK_WAYBACK_ENABLED,
            availability_url=settings.FACTCHECK_WAYBACK_AVAILABILITY_URL,
            save_url=settings.FACTCHECK_WAYBACK_SAVE_URL.rstrip("/"),
            access_key=settings.FACTCHECK_WAYBACK_ACCESS_KEY,
            secret_key=settings.FACTCHECK_WAYBACK_SECRET_KEY,
            poll_interval=settings.FACTCHECK_WAYBACK_POLL_INTERVAL,
            poll_timeout=settings.FACTCHECK_WAYBACK_POLL_TIMEOUT,
        )


def archive_link(timestamp: str, url: str) -> str:
    """The Wayback Machine's address of the capture of `url` at `timestamp`."""
    return f"{WAYBACK_PREFIX}/{timestamp}/{url}"


def _json(result: fetching.FetchResult, what: str) -> dict:
    try:
        data = json.loads(result.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WaybackError(f"the archive's {what} answer was not JSON") from None
    if not isinstance(data, dict):
        raise WaybackError(f"the archive's {what} answer was not a JSON object")
    return data


def closest(url: str, *, when: datetime | None = None, config: WaybackConfig | None = None):
    """The URL of the archive's capture of `url` closest to `when`, or '' if it has none."""
    config = config or WaybackConfig.from_settings()
    query = {"url": url}
    if when is not None:
        query["timestamp"] = when.strftime("%Y%m%d%H%M%S")
    separator = "&" if "?" in config.availability_url else "?"
    address = f"{config.availability_url}{separator}{urlencode(query)}"
    result = _in_host_slot(
        address, lambda: fetching.fetch(address, policy=fetching.policy_from_settings())
    )
    data = _json(result, "availability")
    found = (data.get("archived_snapshots") or {}).get("closest") or {}
    if not isinstance(found, dict) or found.get("available") is not True:
        return ""
    if str(found.get("status", "200")) != "200" or not found.get("url"):
        return ""
    return _https(str(found["url"]))


def save(url: str, *, config: WaybackConfig | None = None, sleep=time.sleep) -> str:
    """Ask Save Page Now for a new capture of `url`; return its address once it is made.

    Raises WaybackError when the archive refuses, reports an error or takes longer than
    the configured poll timeout.
    """
    config = config or WaybackConfig.from_settings()
    if not config.can_save:
        raise WaybackError("Save Page Now needs FACTCHECK_WAYBACK_ACCESS_KEY and _SECRET_KEY")
    policy = fetching.policy_from_settings()
    auth = {
        "Authorization": f"LOW {config.access_key}:{config.secret_key}",
        "Accept": "application/json",
    }
    answer = _json(
        _in_host_slot(
            config.save_url,
            lambda: fetching.post(
                config.save_url,
                content=urlencode({"url": url}).encode(),
                content_type="application/x-www-form-urlencoded",
                headers=auth,
                policy=policy,
            ),
        ),
        "Save Page Now",
    )
    job_id = answer.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        message = answer.get("message") or "no job id in its answer"
        raise WaybackError(f"Save Page Now refused the capture: {message}")
    poll_for = config.poll_timeout
    if (left := fetching.budget_left()) is not None:
        poll_for = min(poll_for, left)  # the job's time limit comes first
    deadline = time.monotonic() + poll_for
    while True:
        status = _status(config, job_id, policy, deadline)
        state = status.get("status")
        if state == "success" and status.get("timestamp"):
            return archive_link(str(status["timestamp"]), str(status.get("original_url") or url))
        if state == "error":
            reason = status.get("message") or status.get("status_ext") or "an error"
            raise WaybackError(f"Save Page Now reported {reason}")
        if time.monotonic() + config.poll_interval > deadline:
            raise WaybackError("Save Page Now did not finish in time")
        sleep(config.poll_interval)


def _status(config: WaybackConfig, job_id: str, policy, deadline: float) -> dict:
    # The status of a capture job is public: a plain GET, no credentials.
    address = f"{config.save_url}/status/{quote(job_id, safe='')}"
    # Each poll takes its own turn at the archive's host and gives it back before the
    # pause, so up to a minute of polling never holds a connection while it sleeps. Waiting
    # for the turn counts against the poll timeout.
    wait = max(0.0, deadline - time.monotonic())
    result = _in_host_slot(address, lambda: fetching.fetch(address, policy=policy), wait=wait)
    return _json(result, "Save Page Now status")


def _in_host_slot(url: str, send, *, wait: float | None = None) -> fetching.FetchResult:
    """Send one request to the archive within the worker's per-host connection limit."""
    try:
        with jobs.host_slot(url, wait=wait):
            return send()
    except jobs.Deferred as busy:
        # The snapshot is already stored; a busy archive only costs its link.
        raise WaybackError(f"the archive is busy: {busy}") from None


def _https(url: str) -> str:
    # The availability API answers with http:// links; the archive serves them over https.
    return "https://" + url[len("http://") :] if url.startswith("http://web.archive.org/") else url


def archive_source_url(url: str, *, when: datetime | None = None) -> str:
    """The archive link for a fetched source: a new capture if allowed, else the closest one.

    Returns '' when the archive is off or has nothing; raises WaybackError or FetchError.
    """
    config = WaybackConfig.from_settings()
    if not config.enabled:
        return ""
    if config.can_save:
        try:
            return save(url, config=config)
        except (WaybackError, fetching.FetchError):
            pass  # an existing capture is still worth showing
    return closest(url, when=when, config=config)
