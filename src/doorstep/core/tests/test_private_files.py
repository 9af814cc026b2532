"""Private files leave the site only through ``private_file_response``
(a presigned, expiring URL on S3; streamed from disk otherwise)."""

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
ONLY_HERE = SOURCE / "core" / "storage.py"


def test_no_view_serves_a_stored_file_another_way():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path == ONLY_HERE or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"\bFileResponse\(", text) or re.search(
            r"HttpResponse\([^)]*\.read\(\)", text
        ):
            offenders.append(str(path.relative_to(SOURCE)))

    assert offenders == []
