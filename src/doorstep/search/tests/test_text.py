"""Normalisation and query compilation, without a database."""

import pytest

from doorstep.search.text import (
    QueryUnit,
    correct,
    document_text,
    fold,
    matches,
    parse_query,
    stem,
    terms,
)


def vocabulary_of(*texts: str):
    counts: dict[str, int] = {}
    for text in texts:
        for term in set(document_text(text).split()):
            counts[term] = counts.get(term, 0) + 1

    def lookup(candidates):
        return {term: counts[term] for term in candidates if term in counts}

    def has_prefix(prefix):
        return any(term.startswith(prefix) for term in counts)

    return lookup, has_prefix


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cleaning", "clean"),
        ("cleaned", "clean"),
        ("cleans", "clean"),
        ("clean", "clean"),
        ("moving", "mov"),
        ("move", "mov"),
        ("mopping", "mop"),
        ("cities", "city"),
        ("glasses", "glass"),
        ("houses", "hous"),
        ("house", "hous"),
        ("sing", "sing"),
        ("bus", "bus"),
        ("24h", "24h"),
    ],
)
def test_stem_conflates_english_inflections(word, expected):
    assert stem(word) == expected


def test_fold_maps_traditional_to_simplified_and_full_width_to_ascii():
    assert fold("空調維修") == "空调维修"
    assert fold("ＡＢＣ１２") == "abc12"
    assert fold("Café") == "cafe"


def test_chinese_becomes_one_term_per_character_and_words_are_stemmed():
    assert terms("家庭保洁服务 Deep-Cleaning!") == [
        "家",
        "庭",
        "保",
        "洁",
        "服",
        "务",
        "deep",
        "clean",
    ]


def test_a_chinese_query_is_a_phrase_and_the_last_word_a_prefix():
    lookup, has_prefix = vocabulary_of("window cleaning", "保洁")

    query = parse_query("保潔 window clean", lookup, has_prefix=has_prefix)

    assert query.units == (
        QueryUnit(("保", "洁")),
        QueryUnit(("window",)),
        QueryUnit(("clean",), prefix=True),
    )


def test_an_unknown_word_is_corrected_to_the_most_frequent_neighbour():
    lookup, _ = vocabulary_of("cleaning", "cleaning again", "clear")

    assert correct("cleen", lookup) == "clean"
    assert parse_query("cleening", lookup).units == (QueryUnit(("clean",)),)


def test_short_words_are_not_corrected():
    lookup, _ = vocabulary_of("tap")

    assert correct("tip", lookup) is None


def test_a_typo_in_a_suffix_or_a_half_typed_suffix_finds_the_stem():
    lookup, has_prefix = vocabulary_of("cleaning service", "emergency plumbing")

    assert parse_query("cleanin", lookup, has_prefix=has_prefix).units == (
        QueryUnit(("clean",)),
    )
    assert parse_query("plumbnig", lookup, has_prefix=has_prefix).units == (
        QueryUnit(("plumb",)),
    )


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    lookup, has_prefix = vocabulary_of("the cleaning")

    assert parse_query("the cleaning", lookup, has_prefix=has_prefix).units == (
        QueryUnit(("clean",), prefix=True),
    )
    assert parse_query("the", lookup).units == (QueryUnit(("the",), prefix=True),)


@pytest.mark.parametrize(
    "hostile", ['"', "*", "NEAR(", "OR", ")", "'", "\\", "%", "--", "a:b & !c"]
)
def test_hostile_input_compiles_to_letters_and_digits_only(hostile):
    lookup, has_prefix = vocabulary_of("near or a b c")

    query = parse_query(hostile, lookup, has_prefix=has_prefix)

    for unit in query.units:
        assert all(term.isalnum() for term in unit.terms)


def test_phrases_match_adjacent_terms_within_one_field_only():
    query = parse_query("保洁", lambda terms: {})

    assert matches(query, [document_text("家庭保洁服务"), ""])
    assert not matches(query, [document_text("保家洁"), ""])
    assert not matches(query, [document_text("家庭保"), document_text("洁")])
