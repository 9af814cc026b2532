"""Static files in production: collected by ``doorstep serve`` when they are
missing or out of date, and part of what ``/readyz`` checks.

With DEBUG off, pages link static files by their hashed names from the manifest
that ``collectstatic`` writes; without it every page is a 500. Rather than rely on
an operator remembering the step after each upgrade, the server compares a
fingerprint of the source files (name, size, modification time of every file the
finders see) with the one stored at the last collection, and collects again when
they differ.
"""

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.utils.functional import empty
from django.utils.module_loading import import_string
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)

# Brotli's two top qualities search far harder for a few per cent: 2.3 s for
# the API docs' 1.5 MB Swagger bundle at 11, 0.1 s at 9 (334 kB against 365 kB).
# The site's own files stay at 11 (they are small and every page sends them);
# the big vendored bundles behind the API docs and the admin get 9.
BROTLI_BEST_BELOW = 128 * 1024
BROTLI_QUALITY_ABOVE = 9


class FastCompressor(Compressor):
    def compress_brotli(self, data: bytes) -> bytes:
        import brotli

        if len(data) < BROTLI_BEST_BELOW:
            return brotli.compress(data)
        return brotli.compress(data, quality=BROTLI_QUALITY_ABOVE)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed, compressed storage, quicker to collect: a fresh
    server collects before it listens (``doorstep serve``), and most of that
    wait was brotli at its best quality on a few large vendored bundles."""

    def create_compressor(self, **kwargs):
        return FastCompressor(**kwargs)


# A file every page links: if its hashed name is known, the manifest is usable.
PROBE = "web/site.css"


def uses_manifest() -> bool:
    """Pages name static files through a manifest (production storage)."""
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    return issubclass(backend, ManifestFilesMixin)


def _fingerprint_path() -> Path:
    root = Path(settings.STATIC_ROOT)
    return root.with_name(f"{root.name}.fingerprint")


def source_fingerprint() -> str:
    """A digest of every source static file's path, size and modification time."""
    digest = hashlib.sha256()
    seen: set[str] = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if path in seen:  # the first finder's file wins, as in collectstatic
                continue
            seen.add(path)
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def static_files_ready() -> bool:
    """Pages can link their static files (always true without a manifest)."""
    if not uses_manifest():
        return True
    try:
        staticfiles_storage.stored_name(PROBE)
    except ValueError:
        return False
    return True


def collect_static_if_stale() -> bool:
    """Run ``collectstatic`` when the manifest is missing or the sources changed
    since the last collection; True when it ran."""
    if not uses_manifest():
        return False
    fingerprint = source_fingerprint()
    stamp = _fingerprint_path()
    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    current = stamp.read_text().strip() if stamp.exists() else ""
    if manifest.exists() and current == fingerprint:
        return False
    logger.warning("collecting static files (manifest missing or out of date)")
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n")
    # The storage read the old manifest (or none) when it was first used.
    staticfiles_storage._wrapped = empty
    return True
