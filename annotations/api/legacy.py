"""The unversioned /api/ paths of before v1: each answers 308 to its v1 twin, for one release."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from annotations.api.errors import problem

# Where each old first segment moved: the workspace's endpoints became the newsroom's.
SUCCESSORS = {
    "articles": "/api/v1/newsroom/articles/",
    "claims": "/api/v1/newsroom/claims/",
    "schema": "/api/v1/schema/",
}
LEGACY_PATTERN = r"^api/(?P<family>articles|claims|schema)/(?P<rest>.*)$"
# RFC 9745's Deprecation header: when the unversioned paths were deprecated, as a
# structured-field date (seconds since the epoch): v1 came on 2026-12-01 (trial D1: the
# draft's "true" is no longer the header's syntax).
DEPRECATED_SINCE = "@1796083200"


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    """308: unlike 301, a client repeats a POST or PATCH (and its body) at the new address."""

    status_code = 308


# Exempt: the redirect changes nothing, and the v1 view it points to checks CSRF itself.
@csrf_exempt
def successor(request, family: str, rest: str):
    """Redirect to the v1 address, same method and query string, marked as deprecated."""
    if family == "claims" and not rest:
        # v1 lists no newsroom's claims all at once, so the list's twin would be a 404:
        # where they are listed now is said instead.
        body = problem(
            410,
            "This list moved: a newsroom's claims are listed by article, at "
            "/api/v1/newsroom/articles/{id}/claims/, and published ones at /api/v1/claims/.",
            slug="gone",
        )
        response = JsonResponse(body, status=410, content_type="application/problem+json")
        response["Deprecation"] = DEPRECATED_SINCE
        return response
    location = SUCCESSORS[family] + rest
    if request.META.get("QUERY_STRING"):
        location += "?" + request.META["QUERY_STRING"]
    response = PermanentRedirectKeepingMethod(location)
    response["Deprecation"] = DEPRECATED_SINCE
    response["Link"] = f'<{location}>; rel="successor-version"'
    return response
