"""CPU time per request, in-process, for the pages and API calls of the load mix.

    .venv/bin/python bench/cpu_per_request.py --database DB [--src DIR] [-n 200]

Runs Django in this process with production settings (DEBUG off) against a
demo-seeded SQLite database (``bench/request_path.py --keep DIR`` keeps one;
this script adds an API token for the demo customer to it) and sends each
request ``-n`` times through Django's test client after two warm-up requests,
timing the thread's CPU (``time.thread_time``), which a loaded, shared machine
disturbs far less than wall time. ``--src`` points at another copy of ``src/``
(e.g. an exported older commit) to compare in the same run; ``--profile NAME``
prints a cProfile of that endpoint instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environment(database: Path) -> None:
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 24 + "-cpu-per-request-" + "y" * 24,
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DATABASE_URL": f"sqlite:///{database}",
            "DOORSTEP_VAR_DIR": str(database.parent),
            "DOORSTEP_ALLOW_SANDBOX": "true",
            "DOORSTEP_TLOG_SIGNING_KEY": "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ=",
            "DOORSTEP_TLOG_SALT": "bench-only-tlog-salt",
            "DOORSTEP_RATELIMIT": "false",
            "LOG_LEVEL": "warning",
            "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        }
    )


def _endpoints() -> list[tuple[str, str, bool]]:
    from doorstep.accounts.models import User
    from doorstep.accounts.services import create_api_token
    from doorstep.catalog.models import Listing
    from doorstep.messaging.models import Conversation
    from doorstep.orders.models import Order

    listing = Listing.objects.filter(status="published").order_by("id").first()
    word = max(re.findall(r"[A-Za-z]{4,}", listing.title) or [listing.title], key=len)
    query = urllib.parse.urlencode(
        {"q": word, "lat": f"{listing.latitude:.4f}", "lng": f"{listing.longitude:.4f}"}
    )
    customer = User.objects.get(email="customer@demo.doorstep.dev")
    _token, secret = create_api_token(user=customer, name="bench-cpu")
    order = Order.objects.filter(customer=customer).order_by("-id").first()
    conversation = Conversation.objects.filter(customer=customer).order_by("id").first()
    return secret, [
        ("healthz", "/healthz", False),
        ("home page (HTML)", "/", False),
        ("search page (HTML)", f"/search/?{query}", False),
        ("listing page (HTML)", f"/services/{listing.public_id}/", False),
        ("categories (API)", "/api/v1/categories", False),
        ("search text+place (API)", f"/api/v1/services?{query}", False),
        ("listing (API)", f"/api/v1/listings/{listing.public_id}", False),
        ("order detail (API)", f"/api/v1/orders/{order.public_id}", True),
        ("my orders (API)", "/api/v1/orders", True),
        (
            "chat messages (API)",
            f"/api/v1/conversations/{conversation.public_id}/messages",
            True,
        ),
        ("unread count (API)", "/api/v1/me/unread-count", True),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--profile", help="an endpoint name: print its cProfile")
    parser.add_argument("--only", help="only endpoints whose name contains this")
    options = parser.parse_args()

    _environment(options.database.resolve())
    sys.path.insert(0, str(options.src.resolve()))
    import django

    django.setup()
    from django.test import Client

    secret, endpoints = _endpoints()
    client = Client(headers={"X-Forwarded-Proto": "https"})
    bearer = {"Authorization": f"Bearer {secret}"}
    print(f"src: {options.src}  n={options.n}  load: {os.getloadavg()}")
    for name, path, authenticated in endpoints:
        if options.only and options.only not in name:
            continue
        if options.profile and options.profile != name:
            continue
        headers = bearer if authenticated else {}
        for _ in range(2):
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                sys.exit(f"{name}: GET {path}: {response.status_code}")
        profiler = cProfile.Profile() if options.profile else None
        if profiler:
            profiler.enable()
        started = time.thread_time()
        for _ in range(options.n):
            client.get(path, headers=headers)
        elapsed = time.thread_time() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        print(f"{name:26} {elapsed / options.n * 1000:7.2f} ms CPU per request")


if __name__ == "__main__":
    main()
