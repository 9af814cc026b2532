"""The transparency log at scale: bulk append, proof latency, verifier time.

    .venv/bin/python bench/tlog.py                 # 1,000,000 entries, SQLite
    .venv/bin/python bench/tlog.py --entries 200000
    .venv/bin/python bench/tlog.py --database-url postgres://postgres@127.0.0.1:5432/doorstep_bench_tlog

Makes a fresh SQLite file in a temporary directory (or uses the given, empty
PostgreSQL database), migrates the transparency app only, then:

1. appends ``--entries`` synthetic records shaped like the log's (canonical
   JSON of about 300 bytes) through the appender's own path
   (``services.append_records`` under the locked cursor), ``--batch`` per
   transaction, and prints entries per second;
2. signs a checkpoint;
3. times ``--proofs`` inclusion proofs of random leaves and as many consistency
   proofs from random earlier sizes, at the full size, each checked against the
   root (p50/p95/max, milliseconds; the target is p95 ≤ 5 ms), as wall time and
   as the thread's CPU time (which other processes on a busy machine inflate far
   less: the wall time's tail there is the run queue); the garbage left by the
   append is collected and frozen first, so that no full collection of it lands
   inside a timed proof;
4. times ``doorstep log verify`` without the source rows (there are none: the
   records are synthetic): every leaf hash, every stored subtree hash, the
   checkpoint's signature and root;
5. times what the standalone verifier does per proof (pure-Python Ed25519 on
   the checkpoint, one inclusion check).
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--database-url", help="an empty database (default: SQLite)")
    parser.add_argument("--skip-verify", action="store_true")
    return parser.parse_args(argv)


def _setup_django(database_url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DOORSTEP_VAR_DIR"] = var_dir
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DOORSTEP_ALLOW_SANDBOX", "true")
    os.environ.setdefault(
        "DOORSTEP_TLOG_SIGNING_KEY", "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ="
    )
    os.environ.setdefault("DOORSTEP_TLOG_SALT", "bench-only-tlog-salt")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "plain")
    os.environ["DOORSTEP_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _records(start: int, count: int):
    from doorstep.transparency.records import Record, canonical_json

    for i in range(start, start + count):
        subject = f"jnl_{i:020d}"
        body = {
            "v": 1,
            "type": "ledger.entry",
            "entry": subject,
            "kind": "capture",
            "order": f"ord_{i // 3:020d}",
            "reverses": None,
            "created_at": "2026-12-04T05:00:00.000000Z",
            "postings": [
                {
                    "account": "acc_gateway",
                    "account_kind": "gateway_funds",
                    "amount": 1000 + i % 977,
                    "currency": "CNY",
                },
                {
                    "account": f"acc_{i // 3:020d}",
                    "account_kind": "order_escrow",
                    "amount": -(1000 + i % 977),
                    "currency": "CNY",
                },
            ],
        }
        yield Record(
            source=f"bench:{i}",
            kind="ledger.entry",
            subject=subject,
            related_ref=body["order"],
            data=canonical_json(body),
        )


def _timed(function, *args, **kwargs):
    """The function's result, its wall time and this thread's CPU time."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.thread_time() - cpu


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def run(options: argparse.Namespace) -> dict:
    from django.core.management import call_command
    from django.db import transaction
    from tools import tlog_verify

    from doorstep.transparency import merkle, queries
    from doorstep.transparency.services import (
        append_records,
        lock_cursor,
        publish_checkpoint,
    )
    from doorstep.transparency.verify import verify_log

    call_command("migrate", "transparency", verbosity=0, interactive=False)
    result: dict = {"entries": options.entries}

    started = time.perf_counter()
    done = 0
    while done < options.entries:
        count = min(options.batch, options.entries - done)
        with transaction.atomic():
            cursor = lock_cursor()
            append_records(cursor, list(_records(done, count)))
            cursor.save()
        done += count
        if done % 100_000 < options.batch:
            print(f"  {done:,} appended", file=sys.stderr)
    elapsed = time.perf_counter() - started
    result["append_seconds"] = round(elapsed, 1)
    result["append_per_second"] = round(options.entries / elapsed)

    checkpoint = publish_checkpoint()
    size, root = checkpoint.size, bytes(checkpoint.root_hash)
    rng = random.Random(7)
    gc.collect()
    gc.freeze()

    inclusion, consistency = [], []
    inclusion_cpu, consistency_cpu = [], []
    for _ in range(options.proofs):
        index = rng.randrange(size)
        proof, wall, cpu = _timed(queries.inclusion_proof, index=index, size=size)
        inclusion.append(wall)
        inclusion_cpu.append(cpu)
        leaf = queries.entry(index)
        assert merkle.verify_inclusion(
            index=index, size=size, leaf=bytes(leaf.leaf_hash), proof=proof, root=root
        )
    roots = {}
    for _ in range(min(options.proofs, 200)):
        first = rng.randrange(1, size)
        roots[first] = queries.root_hash(first)
    firsts = list(roots)
    for i in range(options.proofs):
        first = firsts[i % len(firsts)]
        proof, wall, cpu = _timed(queries.consistency_proof, first=first, second=size)
        consistency.append(wall)
        consistency_cpu.append(cpu)
        assert merkle.verify_consistency(
            first=first,
            second=size,
            first_root=roots[first],
            second_root=root,
            proof=proof,
        )
    result["inclusion_proof"] = _percentiles(inclusion)
    result["consistency_proof"] = _percentiles(consistency)
    result["inclusion_proof_cpu"] = _percentiles(inclusion_cpu)
    result["consistency_proof_cpu"] = _percentiles(consistency_cpu)

    from doorstep.transparency import signing

    t = time.perf_counter()
    tlog_verify.open_checkpoint(checkpoint.note, signing.verifier_key(), pure=True)
    result["tool_pure_ed25519_ms"] = round((time.perf_counter() - t) * 1000, 1)
    proof = queries.inclusion_proof(index=size // 3, size=size)
    leaf = bytes(queries.entry(size // 3).leaf_hash)
    t = time.perf_counter()
    assert tlog_verify.verify_inclusion(size // 3, size, leaf, proof, root)
    result["tool_inclusion_check_ms"] = round((time.perf_counter() - t) * 1000, 3)

    if not options.skip_verify:
        t = time.perf_counter()
        report = verify_log(sources=False)
        result["log_verify_seconds"] = round(time.perf_counter() - t, 1)
        result["log_verify_problems"] = len(report.problems)
        result["log_verify_checked_nodes"] = report.checked_nodes
    return result


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-tlog-") as var_dir:
        url = options.database_url or f"sqlite:///{Path(var_dir) / 'tlog.sqlite3'}"
        _setup_django(url, var_dir)
        from django.db import connection

        result = run(options)
        if connection.vendor == "sqlite":
            version = connection.Database.sqlite_version
        else:
            version = connection.connection.info.server_version
        result["database"] = f"{connection.vendor} {version}"
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
