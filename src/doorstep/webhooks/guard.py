"""The SSRF guard: a webhook may only reach the public internet.

A URL is vetted by resolving its host and refusing it if any address it
resolves to is private, loopback, link-local, multicast, reserved or
unspecified — IPv4 and IPv6, with IPv4-mapped IPv6 (``::ffff:127.0.0.1``)
judged as the IPv4 address it stands for. It is vetted when an endpoint is
registered and again before every attempt, and the attempt connects to the
address that was vetted (not to a second DNS answer), so a host that resolves
to a public address at registration and to ``127.0.0.1`` later (DNS rebinding)
is refused. Redirects are never followed.

The operator may allow private targets (``DOORSTEP_WEBHOOKS_ALLOW_PRIVATE``, on
in development and tests so a receiver on this machine works) and plain http
(``DOORSTEP_WEBHOOKS_ALLOW_HTTP``).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class RefusedTarget(ValueError):
    """The URL may not be called; the message says why, for people."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for the Host header and TLS)
    port: int
    ip: str  # the vetted address to connect to
    path: str  # path and query


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
        if address.teredo is not None:
            return is_public(address.teredo[1])
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedTarget(_("The address's host name does not resolve.")) from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def vet_url(url: str) -> Target:
    """The target ``url`` may be called at, or ``RefusedTarget``."""
    parts = urlsplit(url)
    allow_http = getattr(settings, "DOORSTEP_WEBHOOKS_ALLOW_HTTP", False)
    if parts.scheme not in ("https", "http") or (
        parts.scheme == "http" and not allow_http
    ):
        raise RefusedTarget(_("Use an https:// address."))
    if not parts.hostname:
        raise RefusedTarget(_("Enter a full address, with a host name."))
    if parts.username or parts.password:
        raise RefusedTarget(_("Put no user name or password in the address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedTarget(_("The port is not valid.")) from error
    addresses = _resolve(parts.hostname, port)
    if not addresses:
        raise RefusedTarget(_("The address's host name does not resolve."))
    if not getattr(settings, "DOORSTEP_WEBHOOKS_ALLOW_PRIVATE", False):
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not is_public(ip):
                raise RefusedTarget(
                    _(
                        "This address leads to a private or local network, "
                        "which webhooks may not reach."
                    )
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)
