"""The API's front door at /api/v1/: where its documentation and collections are."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import caching
from annotations.api.filters import refuse_unknown_parameters
from annotations.api.public import FastJSONRenderer

# Name -> URL name in the "v1" namespace. The newsroom's need a member's session or token.
PUBLIC = {
    "claims": "public-claim-list",
    "articles": "public-article-list",
    "organizations": "public-organization-list",
    "claimreview": "claimreview-feed",
    "annotations": "wap-annotations",
}
NEWSROOM = {
    "articles": "api-article-list",
    "notifications": "api-notifications",
}


class ApiRoot(APIView):
    """GET /api/v1/: the addresses of the documentation, the public reads and the newsroom.

    A developer's first request was a 404, and every address had to come from the README.
    """

    # The same answer for everyone: no credentials are read, so none can change it.
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="api_root",
        summary="Where everything is",
        description=(
            "The addresses of the documentation, the OpenAPI document, the public reads "
            "(anyone) and the newsroom (a member's token or session), absolute on this host."
        ),
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The API's addresses."),
            304: OpenApiResponse(description="Not modified: what you hold is current."),
            400: OpenApiResponse(description="A query parameter: the root takes none."),
        },
    )
    def get(self, request):
        # `format` is negotiation's (json, or a 400 naming it), before this is reached.
        refuse_unknown_parameters(request, ("format",), of="the API root")

        def address(name: str) -> str:
            return request.build_absolute_uri(reverse(f"v1:{name}"))

        data = {
            "version": "v1",
            "docs": address("docs"),
            "schema": address("schema"),
            "public": {key: address(name) for key, name in PUBLIC.items()},
            "newsroom": {key: address(name) for key, name in NEWSROOM.items()},
        }
        validators = caching.Validators.of_content(request, data)
        unchanged = caching.not_modified(request, validators)
        if unchanged is not None:
            return unchanged
        return caching.public(Response(data), validators)
