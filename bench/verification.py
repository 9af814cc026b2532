"""Time the verification queues with 10,000 items waiting.

    .venv/bin/python bench/verification.py

Builds, on a fresh SQLite file in a temporary directory, ``--items`` providers
(10,000 by default) with a submitted application and an approved document that
expires within 30 days, written in bulk. Then times, ``--runs`` times each, the
ops home (both queues summarised), the application queue page and the expiring
documents page, through the test client as a signed-in ops admin with a second
factor, and prints the 50th and 95th percentile in milliseconds.
Target: p95 ≤ 200 ms per page.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 200.0


def _setup_django(var_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    os.environ["DOORSTEP_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The test suite's mode: the sandbox gateway, plain HTTP, "testserver" allowed.
    os.environ["DOORSTEP_TESTING"] = "true"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _build(items: int) -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from doorstep.accounts.models import ProviderProfile, User
    from doorstep.core.geo import cell_of
    from doorstep.trust.models import (
        ApplicationStatus,
        DocumentStatus,
        DocumentType,
        ProviderApplication,
        ProviderDocument,
    )

    now = timezone.now()
    id_card = DocumentType.objects.get(code="id_card")
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(email=f"p{n}@bench.example", name=f"P {n}") for n in range(items)],
            batch_size=500,
        )
        providers = ProviderProfile.objects.bulk_create(
            [
                ProviderProfile(
                    user=user,
                    display_name=user.name,
                    latitude=31.23,
                    longitude=121.47,
                    h3_cell=cell_of(31.23, 121.47),
                )
                for user in users
            ],
            batch_size=500,
        )
        ProviderApplication.objects.bulk_create(
            [
                ProviderApplication(
                    provider=provider,
                    status=ApplicationStatus.SUBMITTED,
                    submitted_at=now - timedelta(minutes=n),
                )
                for n, provider in enumerate(providers)
            ],
            batch_size=500,
        )
        ProviderDocument.objects.bulk_create(
            [
                ProviderDocument(
                    provider=provider,
                    document_type=id_card,
                    status=DocumentStatus.APPROVED,
                    number=f"31010119900101{n:04d}",
                    expires_on=(now + timedelta(days=1 + n % 29)).date(),
                    file=f"documents/bench/{n}.pdf",
                    content_type="application/pdf",
                    size=1000,
                    uploaded_at=now,
                )
                for n, provider in enumerate(providers)
            ],
            batch_size=500,
        )


def _time(client, url: str, runs: int) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as var_dir:
        _setup_django(var_dir)
        from django.core.management import call_command
        from django.test import Client

        from tests.factories import make_ops, sign_in_ops

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        _build(args.items)
        print(f"built {args.items:,} items in {time.perf_counter() - started:.1f} s")
        client = Client()
        sign_in_ops(client, make_ops("Ops admin"))
        worst = 0.0
        for label, url in (
            ("ops home", "/ops/"),
            ("applications", "/ops/verification/"),
            ("expiring documents", "/ops/verification/expiring/"),
        ):
            p50, p95 = _time(client, url, args.runs)
            worst = max(worst, p95)
            print(f"{label:20} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    return 0 if worst <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
