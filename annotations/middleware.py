"""Middleware of the annotations app: what every signed-in response must say to caches."""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """Send `Cache-Control: private, no-store` with every response to a signed-in request.

    Editor pages and the API show drafts, unpublished verdicts and members' names: no
    shared cache may keep them, and the browser should not write them to disk either.
    Anonymous responses (the sign-in page, public pages) keep whatever the view set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Replace, not add to, what a public view set: "public, max-age=300, private,
            # no-store" would leave caches to pick which directive wins.
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response
