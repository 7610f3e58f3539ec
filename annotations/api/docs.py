"""The OpenAPI document and its interactive documentation, both served by this instance."""

from django.urls import reverse
from django.utils import translation
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document: JSON that a browser shows; YAML with `?format=yaml`.

    drf-spectacular answers YAML first, as `application/vnd.oai.openapi`, which browsers
    download instead of showing; plain `application/json` comes first here.
    """

    renderer_classes = [
        OpenApiJsonRenderer2,
        OpenApiJsonRenderer,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]
    # The same document for everyone, signed in or not: no credentials are read.
    authentication_classes = []

    def _get_schema_response(self, request):
        # The document depends only on the code: made once per process and language, as
        # each generation costs a fifth of a second of CPU that anyone could ask for.
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        if key not in _DOCUMENTS:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            _DOCUMENTS[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_DOCUMENTS[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


_DOCUMENTS: dict[tuple, dict] = {}


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, its script and styles from this instance.

    The split view loads its start-up script from `?script` instead of inlining it, so the
    page runs under the site's Content-Security-Policy without `unsafe-inline`.
    """

    template_name = "api/docs.html"
    title = "Fact-check API v1"
    authentication_classes = []

    def _get_schema_url(self, request):
        # Django's reverse: DRF's would prefix the version namespace a second time.
        return reverse("v1:schema")

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if isinstance(response.data, dict) and "script_url" in response.data:
            response.data["schema_url"] = self._get_schema_url(request)
        return response
