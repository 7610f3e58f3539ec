"""JSON-LD documents and their plain-JSON twin, written by orjson, for the linked-data reads."""

import orjson
from rest_framework.renderers import BaseRenderer


class JSONLDRenderer(BaseRenderer):
    """`application/ld+json` (a view adds its profile to the answer where it has one)."""

    media_type = "application/ld+json"
    format = "jsonld"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data)


class PlainJSONRenderer(JSONLDRenderer):
    """The same document as plain JSON, for clients that ask only for application/json."""

    media_type = "application/json"
    format = "json"
