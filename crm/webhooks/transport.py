"""One webhook POST, to the address that was checked, read with care.

urllib3 (the HTTP library under requests) connects to the IP address
``crm.webhooks.addresses.resolve`` checked, while the ``Host`` header, TLS's SNI and
the certificate check use the URL's host name: what was checked is what is reached, and
the certificate must still be the host name's. Redirects are never followed (a redirect
could point inside the network). The answer is read up to the excerpt the log keeps,
within the time limit, then the connection is dropped: a receiver cannot hold a worker
or fill its memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.utils.http import parse_http_date_safe

from ..text import without_control_characters
from .addresses import DestinationRefused, default_port, resolve

USER_AGENT = "cmo-leads-webhooks/1.0"


@dataclass(frozen=True)
class Answer:
    """What came of one attempt."""

    status: int | None = None  # the HTTP status; None when no answer came
    excerpt: str = ""
    error: str = ""  # why there was no usable answer (timeout, refused address, ...)
    retry_after: float | None = None  # seconds, from a Retry-After header
    duration_ms: int = 0
    refused: bool = False  # the destination is not allowed

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value[:9]))
    moment = parse_http_date_safe(value)
    if moment is None:
        return None
    return max(0.0, moment - (now if now is not None else time.time()))


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == (443 if scheme == "https" else 80) else f"{shown}:{port}"


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_private: bool,
    excerpt_chars: int,
) -> Answer:
    """POST ``body`` to ``url``; never raises for anything the receiver or network does."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = default_port(parts)
    try:
        addresses = resolve(host, port, allow_private=allow_private)
    except DestinationRefused as refused:
        return Answer(error=str(refused)[:300], refused=True, duration_ms=elapsed_ms())
    except (OSError, UnicodeError, ValueError) as error:
        return Answer(error=f"cannot resolve {host}: {error}"[:300], duration_ms=elapsed_ms())

    address = str(addresses[0])
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    options = {"timeout": limits, "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    sent_headers = {
        **headers,
        "Host": _host_header(host, port, parts.scheme),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
    }
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers=sent_headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.HTTPError as error:
        pool.close()
        kind = "timeout" if isinstance(error, urllib3.exceptions.TimeoutError) else "error"
        return Answer(error=f"{kind}: {error}"[:300], duration_ms=elapsed_ms())
    try:
        excerpt = _read_excerpt(response, excerpt_chars, deadline=started + timeout)
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return Answer(
            status=response.status,
            excerpt=excerpt,
            retry_after=retry_after,
            duration_ms=elapsed_ms(),
        )
    finally:
        response.close()
        pool.close()


def _read_excerpt(response, chars: int, *, deadline: float) -> str:
    """At most ``chars`` characters of the answer's start, decoded and cleaned.

    Reading stops at the limit or the deadline; a broken or slow body after the status
    line is not the delivery's failure (the status says how it went)."""
    if chars <= 0:
        return ""
    wanted = chars * 4  # UTF-8 takes at most four bytes a character
    data = b""
    try:
        while len(data) < wanted and time.monotonic() < deadline:
            chunk = response.read(min(4096, wanted - len(data)), decode_content=False)
            if not chunk:
                break
            data += chunk
    except (urllib3.exceptions.HTTPError, OSError):
        pass
    return without_control_characters(data.decode("utf-8", errors="replace"))[:chars]
