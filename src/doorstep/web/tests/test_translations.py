"""The Chinese catalogues are complete, sound, and compiled.

The compiled ``.mo`` files are committed (a fresh machine may have no gettext), so
these tests also catch a ``.po`` edited without running ``compilemessages``.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["zh_Hans", "zh_Hant"]
PLACEHOLDER = re.compile(r"%(?:\([a-zA-Z_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _translations(entries) -> dict[tuple[str | None, str], str]:
    found = {}
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural:
            value = tuple(
                entry.msgstr_plural[key] for key in sorted(entry.msgstr_plural)
            )
        else:
            value = entry.msgstr
        found[(entry.msgctxt, entry.msgid)] = value
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = _catalogue(language)

    assert len(po) > 0
    assert po.untranslated_entries() == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    obsolete = [entry.msgid for entry in po.obsolete_entries()]
    assert obsolete == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    for entry in _catalogue(language):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = (
            entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        )
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == expected, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language):
    po = _catalogue(language)
    mo = polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))

    assert _translations(mo) == _translations(po.translated_entries())


def test_traditional_chinese_is_not_simplified():
    """A cheap guard against pasting the Simplified text into zh_Hant."""
    simplified_only = set("账号录设邮网码讯东车门见说话这还没为发")
    for entry in _catalogue("zh_Hant"):
        assert not simplified_only & set(entry.msgstr), entry.msgid


def test_simplified_chinese_is_not_traditional():
    traditional_only = set("帳號錄設郵網碼訊東車門見說話這還沒為發")
    for entry in _catalogue("zh_Hans"):
        assert not traditional_only & set(entry.msgstr), entry.msgid
