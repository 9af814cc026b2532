"""Fail when a user-visible string has no Chinese translation.

``makemessages`` is run on a throw-away copy of the package (so the working tree is
never touched) and the merged catalogues are checked: every message must be
translated, and none fuzzy (msgmerge guesses fuzzy matches for new strings, and a
guess is not a translation). Needs GNU gettext (``xgettext``/``msgmerge``).
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LANGUAGES = ("zh_Hans", "zh_Hant")


class Command(BaseCommand):
    help = (
        "Check that every translatable string is translated into zh-Hans and zh-Hant."
    )

    def handle(self, *args, **options) -> None:
        if shutil.which("xgettext") is None:
            raise CommandError(
                "GNU gettext is not installed (apt-get install gettext)."
            )
        package = Path(settings.BASE_DIR)
        problems: list[str] = []
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "doorstep"
            shutil.copytree(
                package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
            )
            command = [
                sys.executable, "-m", "doorstep", "makemessages",
                *[f"-l{language}" for language in LANGUAGES],
                "--no-obsolete", "--no-location", "-v", "0",
            ]  # fmt: skip
            subprocess.run(command, cwd=copy, check=True)  # noqa: S603
            for language in LANGUAGES:
                catalogue = polib.pofile(
                    str(copy / "locale" / language / "LC_MESSAGES" / "django.po")
                )
                for entry in catalogue:
                    if entry.obsolete:
                        continue
                    if not entry.translated() or "fuzzy" in entry.flags:
                        problems.append(f"{language}: {entry.msgid!r}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} strings are not translated. Run `make messages`, "
                "then translate the empty and fuzzy entries."
            )
        self.stdout.write("Every string is translated into zh-Hans and zh-Hant.")
