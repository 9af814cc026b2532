"""One HTTP POST to a vetted target, connecting to the vetted address.

``requests`` (already a dependency) with short timeouts, no redirects, no
retries of its own, no proxies from the environment, and at most
``RESPONSE_BODY_LIMIT`` bytes of the answer read. For https the connection goes
to the vetted IP while TLS checks the certificate against the host name (SNI
and hostname verification), so pinning the address costs no security.
"""

import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from doorstep.webhooks.guard import Target

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
RESPONSE_BODY_LIMIT = 2048
# What TLS certificates are checked against: the ``certifi`` bundle (requests'
# default). Tests point it at their own authority.
CA_BUNDLE: str | bool = True


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    body: str = ""
    error: str = ""


class _PinnedTLS(HTTPAdapter):
    """Connects to an IP, but speaks TLS to (and verifies) ``hostname``."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _netloc(target: Target) -> str:
    ip = f"[{target.ip}]" if ":" in target.ip else target.ip
    return f"{ip}:{target.port}"


def post(*, target: Target, headers: dict[str, str], body: bytes) -> Outcome:
    url = f"{target.scheme}://{_netloc(target)}{target.path}"
    default_port = 443 if target.scheme == "https" else 80
    host = (
        target.host if target.port == default_port else f"{target.host}:{target.port}"
    )
    session = requests.Session()
    session.trust_env = False  # never through a proxy named in the environment
    session.verify = CA_BUNDLE
    if target.scheme == "https":
        session.mount(f"https://{_netloc(target)}", _PinnedTLS(target.host))
    started = time.monotonic()
    try:
        with session.post(
            url,
            data=body,
            headers={**headers, "Host": host, "User-Agent": "Doorstep-Webhooks/1"},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(RESPONSE_BODY_LIMIT, decode_content=True) or b""
            return Outcome(
                status_code=response.status_code,
                duration_ms=_since(started),
                body=raw.decode("utf-8", errors="replace"),
            )
    except requests.RequestException as error:
        return Outcome(
            status_code=None,
            duration_ms=_since(started),
            error=f"{type(error).__name__}: {error}"[:300],
        )
    finally:
        session.close()


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
