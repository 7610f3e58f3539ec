"""The quantity parser and agreement rules, on a table of cases."""

import pytest

from annotations.evidence import numbers

PARSED = [
    # text, surface, value, unit, noun, comparator
    ("Over 160,000 people listened in at once", "160,000", 160_000, "", "people", "over"),
    ("160 000 people listened", "160 000", 160_000, "", "people", ""),
    ("160\u00a0000 people listened", "160\u00a0000", 160_000, "", "people", ""),
    ("some 160k listeners", "160k", 160_000, "", "listen", "about"),
    ("about 0.16 million listeners", "0.16 million", 160_000, "", "listen", "about"),
    ("the median age is only 22.8 years", "22.8 years", 22.8, "year", "", "only"),
    ("only 44,000 simultaneous listeners", "44,000", 44_000, "", "listen", "only"),
    ("at least 3 people were hurt", "3", 3, "", "people", "at least"),
    ("a record 160,000 listeners", "160,000", 160_000, "", "listen", "record"),
    ("it costs $3.2 billion", "$3.2 billion", 3_200_000_000, "dollar", "", ""),
    ("turnout was 62% this year", "62%", 62, "percentage", "", ""),
    ("turnout was 62 per cent", "62 per cent", 62, "percentage", "", ""),
    ("it weighs 5 kg", "5 kg", 5, "kilogram", "", ""),
    ("fewer than 1,000 votes", "1,000", 1000, "", "vote", "under"),
    ("no more than 12 players", "12", 12, "", "play", "at most"),
]


@pytest.mark.parametrize(("text", "surface", "value", "unit", "noun", "comparator"), PARSED)
def test_parser_reads_value_unit_noun_and_comparator(text, surface, value, unit, noun, comparator):
    quantity = numbers.parse(text)[0]
    assert quantity.text == surface
    assert quantity.value == pytest.approx(value)
    assert quantity.unit == unit
    assert quantity.noun == noun
    assert quantity.comparator == comparator
    assert text[quantity.start : quantity.end] == surface


def test_offsets_are_code_points_after_astral_characters():
    text = "🎉🎉 Over 160,000 people listened"
    quantity = numbers.parse(text)[0]
    assert text[quantity.start : quantity.end] == "160,000"
    assert quantity.start == 8


def test_calendar_years_are_not_amounts():
    quantities = numbers.parse("In 2022 the record was 41,000 listeners")
    assert [q.is_year for q in quantities] == [True, False]


def test_a_number_list_is_not_read_as_one_grouped_number():
    quantities = numbers.parse("in 2022 160 people came")
    assert [q.value for q in quantities] == [2022, 160]


CLAIM = "Over 160,000 people listened in at once, breaking the prior record by a Korean pop group of only 44,000 simultaneous listeners"  # noqa: E501
AGE = "the median age is only 22.8 years"

AGREEMENT = [
    # claim, passage, the passage number's agreement
    (CLAIM, "More than 160,000 listeners tuned in", "agrees"),
    (CLAIM, "about 0.16 million people listened", "agrees"),
    (CLAIM, "some 160k people listened live", "agrees"),
    (CLAIM, "162,000 people listened at the peak", "agrees"),  # "over 160,000"
    (CLAIM, "about 120,000 listeners at once", "disagrees"),
    (CLAIM, "a K-pop band had 41,000 simultaneous listeners", "disagrees"),
    (CLAIM, "the old record of 44,000 listeners", "agrees"),
    (CLAIM, "Pakistan has 220 million people", "unrelated"),
    (CLAIM, "the stadium holds 40,000 people", "unrelated"),
    (AGE, "the median age in Pakistan is 22.8 years", "agrees"),
    (AGE, "the median age in Pakistan at 20.6 years", "disagrees"),
    (AGE, "Khan ruled for 10 years", "unrelated"),
    (AGE, "Pakistan's median age of 23 years", "agrees"),  # 22.8 rounded
]


@pytest.mark.parametrize(("claim", "passage", "expected"), AGREEMENT)
def test_passage_numbers_agree_disagree_or_are_unrelated(claim, passage, expected):
    marked = numbers.mark(numbers.parse(claim), passage)
    assert [item["agreement"] for item in marked if not item["is_year"]] == [expected]


def test_any_disagreement_makes_the_passage_disagree():
    marked = numbers.mark(
        numbers.parse(CLAIM), "160,000 listeners, beating a record of 41,000 listeners"
    )
    assert [item["agreement"] for item in marked] == ["agrees", "disagrees"]
    assert numbers.overall(marked) == "disagrees"
    assert numbers.overall([]) == "unrelated"


def test_unit_words_come_from_quantulum3_lexicon():
    assert numbers.unit_name("years") == "year"
    assert numbers.unit_name("kilometres") in {"kilometre", "kilometer"}
    assert numbers.unit_name("people") == ""
