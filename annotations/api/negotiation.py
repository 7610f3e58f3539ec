"""Content negotiation for the API: a `?format=` no renderer of the view has is a 400, and
a type the client refuses (`q=0`) is never sent."""

import math

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class StrictFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that an unknown `?format=` names the formats there are.

    DRF answers it with a 404, which a client reads as "this endpoint is gone"; every other
    bad parameter of the API is a 400 naming it, and so is this one.
    """

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = sorted({renderer.format for renderer in renderers})
            raise exceptions.ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: [f"One of: {', '.join(offered)}."]}
            )
        return matching

    def select_renderer(self, request, renderers, format_suffix=None):
        # `?format=` names the representation instead of Accept, as the schema says: DRF
        # still matched it against Accept, so a browser's "text/html" with ?format=json
        # was a 406.
        format = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if format:
            chosen = self.filter_renderers(renderers, format)[0]
            return chosen, chosen.media_type
        # DRF reads Accept by specificity alone, so "application/json;q=0" (never send me
        # JSON) was answered with JSON. A renderer whose type the most specific matching
        # range refuses is left out; none left is a 406.
        ranges = _accept_ranges(request.headers.get("Accept", ""))
        offered = [r for r in renderers if _quality(r.media_type, ranges) != 0]
        if not offered:
            raise exceptions.NotAcceptable(available_renderers=renderers)
        # DRF also ignores the order the client's qualities give: "application/ld+json;q=0.5,
        # application/json" got JSON-LD, the view's first renderer. Only those the client
        # rates highest are left to DRF, which picks among them as before (parameters such
        # as a profile, then the view's order).
        named = [(_quality(r.media_type, ranges), r) for r in offered]
        best = max((quality for quality, _ in named if quality is not None), default=None)
        if best is not None:
            offered = [r for quality, r in named if quality == best]
        return super().select_renderer(request, offered, format_suffix)

    def get_accept_list(self, request):
        return [token for token in super().get_accept_list(request) if not _refuses(token)]


def _range_and_quality(token: str) -> tuple[str, float]:
    media, *params = (part.strip() for part in token.split(";"))
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 1.0
            if not math.isfinite(quality):  # "q=nan" matched no quality, and every type 406
                quality = 1.0
    return media.lower(), quality


def _refuses(token: str) -> bool:
    return _range_and_quality(token)[1] <= 0


def _accept_ranges(header: str) -> dict[str, float]:
    ranges = {}
    for token in header.split(",")[:100]:
        if token.strip():
            media, quality = _range_and_quality(token)
            ranges[media] = quality
    return ranges


def _quality(media_type: str, ranges: dict[str, float]) -> float | None:
    """The quality the most specific of `ranges` gives `media_type`; None if none names it."""
    base = media_type.split(";")[0].strip().lower()
    for candidate in (base, f"{base.split('/')[0]}/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return None
