"""Where a webhook may go: a public address only, unless private networks are allowed.

A receiver's URL is a request by staff to have this server connect somewhere; a URL
that names (or resolves to) an address inside the network would let it reach internal
services or a cloud's metadata endpoint (SSRF). So every address the host name resolves
to is checked *at each delivery*, and the connection is made to the checked address
(``crm.webhooks.transport``), never to a second resolution that could answer otherwise
(DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: NAT64's well-known prefix embeds an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


def address_refused(address: IPAddress) -> bool:
    """Whether ``address`` is anything but a public unicast address.

    ``is_global`` is false for loopback, private (RFC 1918, ULA), link-local (cloud
    metadata at 169.254.169.254), shared (100.64/10, e.g. 100.100.100.200), reserved,
    documentation and unspecified ranges; multicast is refused too. An IPv6 address that
    carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by that one as well.
    """
    if address.is_multicast or not address.is_global:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return any(inner is not None and address_refused(inner) for inner in embedded)
    return False


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` cannot be a receiver's address (in the user's language), or None.

    https only (plain http too when private networks are allowed, for development), no
    user name or password in it, no fragment; a host that is an IP address (or
    ``localhost``) outside the public internet is refused at once. A host name is
    resolved and checked at each delivery.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("Enter a valid URL.")
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        return _("The address must start with https://.")
    if not parts.hostname:
        return _("Enter a valid URL.")
    if parts.username is not None or parts.password is not None:
        return _("The address may not contain a user name or password.")
    if parts.fragment:
        return _("The address may not contain a fragment (#…).")
    if port == 0:
        return _("Enter a valid URL.")
    if allow_private:
        return None
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return _("Webhooks may not go to a private, loopback or link-local address.")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address_refused(literal):
        return _("Webhooks may not go to a private, loopback or link-local address.")
    return None


def resolve(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """Every address ``host`` resolves to, all of them checked.

    Raises ``DestinationRefused`` when one of them may not be reached (a name that
    answers both a public and a private address is refused: the attacker controls the
    answer), ``OSError`` when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"{host} has no address")
    if not allow_private:
        refused = [str(a) for a in addresses if address_refused(a)]
        if refused:
            raise DestinationRefused(
                f"{host} resolves to {', '.join(refused)}: not a public address"
            )
    return addresses
