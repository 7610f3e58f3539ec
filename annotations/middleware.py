"""Middleware of the annotations app: what signed-in responses say to caches, busy databases,
bodyless error pages, forms sent after signing out."""

import logging
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import DatabaseError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from annotations.api.errors import RETRY_AFTER_BUSY, database_busy, is_api_request

logger = logging.getLogger(__name__)


class PrivateNoStoreMiddleware:
    """Send `Cache-Control: private, no-store` with every response to a signed-in request.

    Editor pages and the API show drafts, unpublished verdicts and members' names: no
    shared cache may keep them, and the browser should not write them to disk either.
    Anonymous responses (the sign-in page, public pages) keep whatever the view set, but a
    404 is sent `no-cache`: an address that does not exist yet (a newsroom before its first
    publication, a claim before it is published) must not stay missing in a shared cache
    once it does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            # Replace, not add to, what a public view set: "public, max-age=300, private,
            # no-store" would leave caches to pick which directive wins.
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        elif response.status_code == 404 and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_cache=True)
        return response


def _authenticated(request) -> bool | None:
    """Whether the request's user is signed in; None when the session cannot be read now.

    Reading `request.user` reads the session from the database: while it is down, that
    raised in a middleware, around a view that had answered 503, and turned the answer
    into a server error for every signed-in member.
    """
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return user.is_authenticated
    except DatabaseError as error:
        logger.info("Session not read (database): %s", error)
        return None


def _signed_in(request) -> bool:
    """Whether the request is a signed-in member's. Unread, a request that carries a
    session is taken as signed in, so that nothing private is left to a shared cache."""
    authenticated = _authenticated(request)
    if authenticated is None:
        return settings.SESSION_COOKIE_NAME in request.COOKIES
    return authenticated


class DatabaseBusyMiddleware:
    """Answer a page whose database was busy for now (locked, out of connections) with a 503
    that says to try again, and Retry-After, instead of a server error.

    The API says the same as problem details (see `api.errors`); this covers the pages, such
    as signing in, which writes the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and database_busy(exception)):
            return None
        logger.warning("Database busy, answered 503: %s", exception)
        # Without the request: its context (the member, their unread notifications) reads
        # the database, which failed the page a second time.
        response = HttpResponse(render_to_string("busy.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_BUSY)
        return response


class MethodNotAllowedPageMiddleware:
    """Give a page's bare 405 (from `require_POST` and the like) a page that says what happened.

    Django answers a GET on a button's form address with an empty body, which the browser
    shows as a blank page. The API's 405s become problem details in `api.errors` instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or is_api_request(request):
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page


class SignedOutFormMiddleware:
    """Say so when a form is sent after its session ended, instead of a bare sign-in page.

    `login_required` answers such a POST with a redirect to sign in, which the browser
    follows with a GET: the typing is gone from view and nothing says it was not saved.
    This page says so, and offers signing in in a new tab, so that going back to the form
    finds what was typed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Asked before the view: signing out is also an anonymous POST sent to sign in after.
        # A session the database cannot read now is left to the view, which says it is busy.
        signed_out_before = request.method == "POST" and _authenticated(request) is False
        response = self.get_response(request)
        if not signed_out_before or response.status_code != 302 or is_api_request(request):
            return response
        target = urlsplit(response["Location"])
        if target.path != resolve_url(settings.LOGIN_URL):
            return response
        next_url = parse_qs(target.query).get(REDIRECT_FIELD_NAME, [request.path])[0]
        return render(request, "signed_out_form.html", {"next": next_url}, status=403)
