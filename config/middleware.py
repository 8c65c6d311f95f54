"""The host's own middleware: a Content-Security-Policy on every response, a rate limit on
the admin login, and a ``503`` when the database is busy.

The admin site belongs to the host project, so its protection lives here, not in the apps.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from rest_framework.renderers import BrowsableAPIRenderer

from config.database import is_database_busy
from qualification.throttles import client_address as submission_client_address
from qualification.throttles import parse_rate

logger = logging.getLogger(__name__)


#: Several people may sign in from one office address: the address alone gets this many
#: times the allowance of one (address, username) pair.
ADDRESS_ALLOWANCE_FACTOR = 5


def client_address(request) -> str | None:
    """The client's address, found as DRF's throttles find it (one rule for the whole site).

    ``REST_FRAMEWORK["NUM_PROXIES"]`` (``DJANGO_NUM_PROXIES``) trusted proxies in front:
    with 0, ``REMOTE_ADDR`` (an ``X-Forwarded-For`` header is ignored, whoever sent it);
    with N, the Nth address from the right of ``X-Forwarded-For``, the one the outermost
    trusted proxy saw connect; unset (DRF's ``None``), ``REMOTE_ADDR`` too. Delegates to
    the public submissions' throttle so that it and the admin login limit can never
    disagree about who a client is.
    """
    return submission_client_address(request) or None


class AdminLoginRateLimitMiddleware:
    """Counts POSTs to the admin login per client address and username, in Django's cache.

    Past ``ADMIN_LOGIN_RATE_LIMIT`` posts for one (address, username) pair in a window,
    or five times that for one address whatever the username, the login answers
    ``429`` with ``Retry-After`` until the window ends. The address is
    :func:`client_address` (``REMOTE_ADDR`` unless proxies are declared: a forged
    ``X-Forwarded-For`` then changes nothing). When the cache cannot be reached
    the post goes through: the password check still stands, and staff are not locked
    out of their own site because Redis is down.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._login_path: str | None = None
        parse_rate(settings.ADMIN_LOGIN_RATE_LIMIT)  # a malformed setting stops the start

    def __call__(self, request):
        if request.method == "POST" and request.path_info == self.login_path():
            retry_after = self._retry_after(request)
            if retry_after:
                response = render(
                    request,
                    "admin/login_rate_limited.html",
                    {
                        **admin.site.each_context(request),
                        "title": _("Too many sign-in attempts"),
                        "retry_after": retry_after,
                    },
                    status=429,
                )
                response["Retry-After"] = str(retry_after)
                return response
        return self.get_response(request)

    def login_path(self) -> str | None:
        if self._login_path is None:
            try:
                self._login_path = reverse("admin:login")
            except NoReverseMatch:
                self._login_path = ""
        return self._login_path or None

    def _retry_after(self, request) -> int:
        """Seconds to wait when this post is over the limit, else 0 (it is counted)."""
        try:
            allowance, window = parse_rate(settings.ADMIN_LOGIN_RATE_LIMIT)
            address = client_address(request) or "unknown"
            username = str(request.POST.get("username", "")).strip().lower()
            now = time.time()
            start = math.floor(now / window) * window
            limits = {
                _key(start, address, username): allowance,
                _key(start, address): allowance * ADDRESS_ALLOWANCE_FACTOR,
            }
            # add() starts a window's count without resetting it; incr() is atomic in Redis.
            for key in limits:
                cache.add(key, 0, timeout=window + 1)
            over = [cache.incr(key) > limit for key, limit in limits.items()]
        except Exception as exc:
            logger.warning("Admin login rate limit skipped: the cache is unreachable (%s)", exc)
            return 0
        if any(over):
            logger.warning("Admin login rate limit reached for %s", address)
            return max(1, math.ceil(start + window - now))
        return 0


def _key(window_start: float, *parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"admin-login:{int(window_start)}:{digest}"


#: What a client is told to wait when the database was busy.
DATABASE_BUSY_RETRY_AFTER = 5


class DatabaseBusyMiddleware:
    """A view that found the database busy answers ``503`` with ``Retry-After``, not ``500``.

    Busy: SQLite's "database is locked" after the web busy timeout, PostgreSQL's lock
    timeout, serialization failure, deadlock or cancelled statement
    (:func:`config.database.is_database_busy`). The view's transaction was rolled back,
    so nothing was stored: the client may simply send the same request again. API paths
    get JSON ``{"detail": ...}``, pages a short page in the visitor's language, with
    ``DEBUG`` on too. Any other database error is left alone (a ``500``, logged).
    DRF re-raises what is not an API exception, so its views reach this too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_busy(exception):
            return None
        logger.warning(
            "Database busy, answered 503: %s %s (%s)", request.method, request.path, exception
        )
        retry_after = DATABASE_BUSY_RETRY_AFTER
        if request.path_info.startswith("/api/"):
            response = JsonResponse(
                {"detail": _("The service is busy. Nothing was saved: try again shortly.")},
                status=503,
            )
        else:
            # No request context: a busy database must not be asked for the session or user.
            html = render_to_string("database_busy.html", {"retry_after": retry_after})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(retry_after)
        response._has_been_logged = True  # the warning above says it; not an ERROR
        return response


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.CSP_DIRECTIVES`` as the ``Content-Security-Policy`` of every response
    (pages, JSON, errors), unless a view set its own.

    Django 5.2 has no CSP of its own. The policy allows no inline script or style at all:
    the project's templates keep their scripts and styles in static files, and the API
    docs use drf-spectacular's split view (its init script is a separate request). One
    exception: DRF's browsable API pages (the staff API opened in a browser) have style
    attributes and a ``<style>`` in DRF's own templates, so they get ``style-src 'self'
    'unsafe-inline'``; their scripts stay as strict as everywhere else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(
                inline_styles=_is_browsable_api_page(response)
            )
        return response


def content_security_policy(*, inline_styles: bool = False) -> str:
    directives = dict(settings.CSP_DIRECTIVES)
    if inline_styles:
        directives["style-src"] = [*directives.get("style-src", ["'self'"]), "'unsafe-inline'"]
    return "; ".join(" ".join([directive, *sources]) for directive, sources in directives.items())


def _is_browsable_api_page(response) -> bool:
    renderer = getattr(response, "accepted_renderer", None)
    return isinstance(renderer, BrowsableAPIRenderer)
