"""Turning uploaded and fetched documents into canonical article text (no Django needed)."""

from annotations.ingest.base import (
    Extracted,
    IngestError,
    IngestLimits,
    IngestTooLarge,
    check_size,
    limits_from_settings,
)
from annotations.ingest.extract import extract
from annotations.ingest.text import canonical_text

__all__ = [
    "Extracted",
    "IngestError",
    "IngestLimits",
    "IngestTooLarge",
    "canonical_text",
    "check_size",
    "extract",
    "limits_from_settings",
]
