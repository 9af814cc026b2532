"""Turning text into search terms, the same way for documents and for queries.

Both databases index *pre-normalised* text: this module decides what a term is,
and the full-text engines (SQLite FTS5 ``unicode61``, PostgreSQL's ``simple``
configuration) only split on the spaces we put in. That keeps matching identical
on both databases and reproducible in plain Python (``brute_force``).

The pipeline, for documents and queries alike:

1. NFKC (full-width Ａ１ → A1), case folding, Traditional → Simplified Chinese with
   OpenCC (so 空調維修 and 空调维修 are the same terms), diacritics dropped
   (café → cafe).
2. Chinese/Japanese text has no spaces between words, and a dictionary segmenter
   would split a query and a document differently. Each ideograph (or kana)
   becomes its own term instead, and a query's run of them is searched as a
   *phrase* of adjacent terms: 保洁 matches 家庭保洁服务 but not 保…洁 apart.
3. Other runs of letters and digits are words. English words get a light suffix
   stemmer (cleaning, cleaned, cleans → clean; houses → hous): conservative rules
   rather than Porter, because a wrong conflation is worse than a missed one and
   the query side also gets prefix matching on its last word (type-ahead).
4. Queries only: a small list of English stop words is dropped (unless nothing
   else is left), at most :data:`MAX_QUERY_UNITS` words/phrases are kept, and an
   unknown word is corrected to the most frequent indexed term one edit away
   (insertion, deletion, substitution or transposition), so "cleening" finds
   "cleaning". The vocabulary is the ``SearchTerm`` table on the database, or the
   documents themselves in ``brute_force``: the same function decides both.

Every term is made of letters and digits only, so no user input can carry FTS5 or
tsquery syntax (quotes, ``*``, ``NEAR(``, ``OR``, ``:``, ``&``) into a query.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc

# Longer words are cut (PostgreSQL refuses lexemes over 2 KB; nobody types 40
# letters into a search box).
MAX_TERM_LENGTH = 40
MAX_QUERY_UNITS = 8
MAX_PHRASE_LENGTH = 20
# Words shorter than this are never corrected: one edit away from a 3-letter word
# is half the dictionary.
MIN_CORRECTABLE_LENGTH = 4
# The last word is also matched as a prefix ("clea" finds "cleaning") from this
# length on; shorter prefixes would match too much to be useful.
MIN_PREFIX_LENGTH = 3
# Only these enter the vocabulary used for typo correction.
MIN_VOCABULARY_LENGTH = 3

_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0003134f"  # extensions B-G
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_HAS_CJK = re.compile(rf"[{_CJK}]")
_LATIN_WORD = re.compile(r"[a-z]+")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = frozenset("aeiouy")
_NO_UNDOUBLING = frozenset("lsz")

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "near",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


@cache
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Width, case, script and accents folded; punctuation still in place."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if _HAS_CJK.search(text):
        text = _traditional_to_simplified().convert(text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
    return text


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A light English suffix stemmer; other words pass through unchanged.

    Plural ``-s``/``-es``/``-ies``, then ``-ing``/``-ed`` (keeping a stem of three
    letters with a vowel), then a final ``-e`` and a doubled final consonant:
    cleaning → clean, moving/move → mov, mopping → mop, cities → city.
    """
    if len(word) < 4 or not _LATIN_WORD.fullmatch(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) >= 3 and _VOWELS & set(base):
                word = base
                if (
                    len(word) > 3
                    and word[-1] == word[-2]
                    and word[-1] not in _VOWELS
                    and word[-1] not in _NO_UNDOUBLING
                ):
                    word = word[:-1]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Every term of ``text`` in order: one per ideograph, one per (stemmed) word."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        if match.lastgroup == "cjk":
            out.extend(match.group())
        else:
            out.append(stem(match.group()[:MAX_TERM_LENGTH]))
    return out


def document_text(*parts: str) -> str:
    """The normalised, space-separated terms of a document field."""
    return " ".join(term for part in parts if part for term in terms(part))


def is_vocabulary_term(term: str) -> bool:
    """Latin words worth correcting towards (CJK typos are not one-letter edits)."""
    return len(term) >= MIN_VOCABULARY_LENGTH and bool(_LATIN_WORD.fullmatch(term))


# --- Queries --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryUnit:
    """One thing a matching document must contain: a word (or, with ``prefix``,
    any word starting with it), or a phrase of adjacent ideographs."""

    terms: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass(frozen=True)
class TextQuery:
    units: tuple[QueryUnit, ...]

    def __bool__(self) -> bool:
        return bool(self.units)


# A lookup from candidate terms to their document counts (terms absent: unknown).
Vocabulary = Callable[[Iterable[str]], dict[str, int]]


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {left + right[1:] for left, right in splits if right}
    transposes = {
        left + right[1] + right[0] + right[2:]
        for left, right in splits
        if len(right) > 1
    }
    replaces = {
        left + ch + right[1:] for left, right in splits if right for ch in _ALPHABET
    }
    inserts = {left + ch + right for left, right in splits for ch in _ALPHABET}
    return (deletes | transposes | replaces | inserts) - {word}


def correct(word: str, vocabulary: Vocabulary) -> str | None:
    """The most frequent indexed term that ``word`` (as typed, folded) becomes
    after one edit and stemming (ties: alphabetical), or ``None``. Editing the
    typed word, not its stem, catches typos in a suffix: "plumbnig" → plumbing
    → plumb."""
    if len(word) < MIN_CORRECTABLE_LENGTH or not _LATIN_WORD.fullmatch(word):
        return None
    own = stem(word)
    candidates = {stem(edit) for edit in _edits(word)} - {own}
    counts = vocabulary(sorted(candidates))
    if not counts:
        return None
    return min(counts, key=lambda term: (-counts[term], term))


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """``(low, high)`` such that exactly the strings starting with ``prefix``
    satisfy ``low <= s < high``: a range scan of a text index."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def parse_query(
    text: str,
    vocabulary: Vocabulary,
    *,
    has_prefix: Callable[[str], bool] | None = None,
) -> TextQuery:
    """Compile what a person typed into units every match must contain.

    Words are looked up in ``vocabulary``: known ones are kept; the last word, if
    it starts some indexed term (``has_prefix``), matches as a prefix; otherwise
    an unknown word is replaced by its correction, or kept (and matches nothing).
    """
    raw_units: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(fold(text)):
        kind = match.lastgroup or "word"
        raw_units.append((kind, match.group()))
    content = [u for u in raw_units if not (u[0] == "word" and u[1] in STOP_WORDS)]
    raw_units = (content or raw_units)[:MAX_QUERY_UNITS]
    if not raw_units:
        return TextQuery(())

    words = [
        stem(value[:MAX_TERM_LENGTH]) for kind, value in raw_units if kind == "word"
    ]
    known = vocabulary(words) if words else {}
    units: list[QueryUnit] = []
    for index, (kind, value) in enumerate(raw_units):
        if kind == "cjk":
            units.append(QueryUnit(tuple(value[:MAX_PHRASE_LENGTH])))
            continue
        word = stem(value[:MAX_TERM_LENGTH])
        is_last = index == len(raw_units) - 1
        prefix_ok = is_last and len(word) >= MIN_PREFIX_LENGTH
        if word in known:
            units.append(QueryUnit((word,), prefix=prefix_ok))
            continue
        if prefix_ok and has_prefix is not None and has_prefix(word):
            units.append(QueryUnit((word,), prefix=True))
            continue
        corrected = correct(value[:MAX_TERM_LENGTH], vocabulary)
        if corrected is not None:
            units.append(QueryUnit((corrected,)))
            continue
        # Half-typed suffixes ("cleanin") are not in the index, which holds stems
        # ("clean"): retry the prefix a letter or two shorter.
        shorter = _shorter_prefix(word, has_prefix) if prefix_ok else None
        units.append(QueryUnit((shorter or word,), prefix=shorter is not None))
    return TextQuery(tuple(dict.fromkeys(units)))


def _shorter_prefix(word: str, has_prefix: Callable[[str], bool] | None) -> str | None:
    if has_prefix is None:
        return None
    for cut in (1, 2):
        candidate = word[:-cut]
        if len(candidate) >= MIN_PREFIX_LENGTH + 1 and has_prefix(candidate):
            return candidate
    return None


def matches(query: TextQuery, fields: Iterable[str]) -> bool:
    """Whether a document whose fields hold these normalised texts matches: each
    word anywhere, each phrase as adjacent terms within one field (as FTS5 and
    the PostgreSQL document separator make it)."""
    field_terms = [field.split() for field in fields]
    vocabulary = {term for terms_ in field_terms for term in terms_}
    for unit in query.units:
        if unit.is_phrase:
            if not any(_contains_run(terms_, unit.terms) for terms_ in field_terms):
                return False
        elif unit.prefix:
            if not any(term.startswith(unit.terms[0]) for term in vocabulary):
                return False
        elif unit.terms[0] not in vocabulary:
            return False
    return True


def _contains_run(haystack: list[str], needle: tuple[str, ...]) -> bool:
    width = len(needle)
    first = needle[0]
    return any(
        haystack[i] == first and tuple(haystack[i : i + width]) == needle
        for i in range(len(haystack) - width + 1)
    )
