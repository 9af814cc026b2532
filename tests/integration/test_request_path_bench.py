"""The request-path benchmark's smoke run (bench/request_path.py --smoke): a
fresh production server, the bare Starlette and Django apps beside it, every
benchmarked endpoint answered without error and within generous bounds of bare
Starlette — an endpoint ten times slower than its bound fails here."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
@pytest.mark.skipif(
    os.environ.get("DOORSTEP_BENCH_SMOKE") != "1",
    reason="several minutes (a demo database, three servers): DOORSTEP_BENCH_SMOKE=1",
)
def test_the_request_path_benchmark_smoke_run_passes():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "request_path.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "categories (API)" in done.stdout
