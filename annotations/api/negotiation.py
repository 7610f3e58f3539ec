"""Content negotiation for the API: a `?format=` no renderer of the view has is a 400."""

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
