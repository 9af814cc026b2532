"""deploy/doorstep.env.example lists every variable Doorstep reads."""

import re
from pathlib import Path

from doorstep.payments import conf as payments_conf

ROOT = Path(__file__).resolve().parents[4]
SOURCE = ROOT / "src" / "doorstep"
TEMPLATE = ROOT / "deploy" / "doorstep.env.example"


def _read_by_settings() -> set[str]:
    names = set()
    for path in [
        SOURCE / "settings.py",
        SOURCE / "cli.py",
        SOURCE / "core" / "storage_conf.py",
    ]:
        text = path.read_text()
        names |= set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', text))
        names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]*)"', text))
    return names | set(payments_conf.DEFAULTS)


def _listed() -> set[str]:
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", TEMPLATE.read_text(), re.M))


def test_the_environment_template_lists_every_variable():
    read = _read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URLS", "PORT"} <= read
    assert read - _listed() == set()
    # Nothing listed that nobody reads (uvicorn reads FORWARDED_ALLOW_IPS itself).
    assert _listed() - read == {"FORWARDED_ALLOW_IPS"}
