"""The quantity parser and agreement rules, on a table of cases."""

from pathlib import Path

import pytest

from annotations.evidence import demo_server, numbers, query

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
    # Decimal commas (French, German, Spanish...): one or two digits after the comma.
    ("l'âge médian est de 22,8 ans", "22,8", 22.8, "", "ans", ""),
    ("1,5 million listeners", "1,5 million", 1_500_000, "", "listen", ""),
    ("it cost 3,75 euros", "3,75 euros", 3.75, "euro", "", ""),
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


@pytest.mark.parametrize(
    "text",
    ["COVID-19 vaccines contain microchips", "Covid-19 jabs", "an F-35 fighter", "the G‑20 summit"],
)
def test_a_number_joined_to_a_name_by_a_hyphen_is_no_quantity(text):
    """'COVID-19' was read as 19, and an earlier fact-check rated False 'agreed' by it."""
    assert numbers.parse(text) == []
    assert [q.value for q in numbers.parse(f"{text}: 19 of 35 were")] == [19, 35]


@pytest.mark.parametrize(
    ("text", "values"),
    [("1-in-5 children", [1, 5]), ("a 3-to-1 margin", [3, 1]), ("aged 18-to-24", [18, 24]),
     ("the over-65s", [65])],
)  # fmt: skip
def test_numbers_joined_by_lower_case_words_are_still_quantities(text, values):
    assert [q.value for q in numbers.parse(text)] == values


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


# The reference article's two numeric claims, in its own words.
SAMPLE = Path(__file__).parent / "data" / "evidence" / "imran-khan-twitter-spaces.txt"


def sample_claim(quote: str) -> list[numbers.Quantity]:
    """The quantities of a claim on the sample article's exact words (no-break spaces too)."""
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.replace("\u00a0", " ").index(quote)
    exact = text[start : start + len(quote)]
    return query.build(text=exact, exact=exact).claimed


LISTENERS = "Over 160,000 people listened in at once, breaking the prior record by a Korean pop group of only 44,000 simultaneous listeners"  # noqa: E501
MEDIAN_AGE = "the median age is only 22.8 years"
# The same claim cut in two, as an editor may select it.
ONLY_LISTENERS = "Over 160,000 people listened in at once"
ONLY_PRIOR = "breaking the prior record by a Korean pop group of only 44,000 simultaneous listeners"

FRAMED = [
    # claim, passage, each (non-year) passage number's agreement
    # A value the claim states agrees, however the passage frames it (but see SUPERSEDED).
    (LISTENERS, "The previous record of 44,000 listeners was set by a K-pop group", ["agrees"]),
    (LISTENERS, "BTS held the previous record, with 44,000 people listening", ["agrees"]),
    (LISTENERS, "The prior record was only 44,000", ["agrees"]),
    (LISTENERS, "Khan's audience was up from 44,000 listeners for BTS", ["agrees"]),
    (LISTENERS, "Listeners rose from 44,000 to 160,000", ["agrees", "agrees"]),
    (MEDIAN_AGE, "Pakistan's median age was 22.8 years in 2020", ["agrees"]),
    # Another value for the same quantity, stated as today's, disagrees.
    (LISTENERS, "about 60,000 people listened", ["disagrees"]),
    (LISTENERS, "Former prime minister Imran Khan drew about 60,000 listeners", ["disagrees"]),
    (LISTENERS, "Unlike the previous record holder, Khan drew about 60,000 listeners",
     ["disagrees"]),
    (LISTENERS, "Khan beat the previous record with about 60,000 listeners", ["disagrees"]),
    (MEDIAN_AGE, "the median age in Pakistan is 20.6 years", ["disagrees"]),
    (MEDIAN_AGE, "The survey puts the median age in Pakistan at 20.6 years, lower than earlier "
     "estimates.", ["disagrees"]),
    # An earlier record is weighed against the claim's own earlier record (44,000).
    (LISTENERS, "The earlier record cited by his party, 41,000 simultaneous listeners, is "
     "disputed", ["disagrees"]),
    (LISTENERS, "the prior record was 41,000 listeners", ["disagrees"]),
    # Today's count and an earlier record are not rivals, either way round.
    (ONLY_LISTENERS, "The previous record for a Twitter Spaces session, 44,000 simultaneous "
     "listeners, was set by a Korean pop group.", ["unrelated"]),
    (ONLY_LISTENERS, "the old record of 44,000 listeners", ["unrelated"]),
    (ONLY_LISTENERS, "A Korean pop group held the Twitter Spaces record with 44,000 "
     "simultaneous listeners", ["unrelated"]),
    (ONLY_LISTENERS, "Khan held a record-breaking session with about 60,000 listeners",
     ["disagrees"]),
    (ONLY_LISTENERS, "the previous record-setting session drew 90,000 listeners", ["unrelated"]),
    (ONLY_PRIOR, "about 120,000 listeners at once", ["unrelated"]),
    (ONLY_PRIOR, "The previous record of 41,000 listeners", ["disagrees"]),
    (ONLY_LISTENERS, "about 120,000 listeners at once", ["disagrees"]),
    # Earlier values and figures for other years are not compared at all.
    (LISTENERS, "Khan drew 160,000 listeners, up from 100,000 listeners last year",
     ["agrees", "unrelated"]),
    (LISTENERS, "Listeners rose from 41,000 to about 60,000", ["unrelated", "disagrees"]),
    (LISTENERS, "compared with 100,000 listeners for his last session", ["unrelated"]),
    (LISTENERS, "down from 120,000 listeners", ["unrelated"]),
    (LISTENERS, "an earlier session drew 41,000 listeners", ["unrelated"]),
    (LISTENERS, "A year earlier, 41,000 people listened", ["unrelated"]),
    (LISTENERS, "The record was 41,000 listeners before Khan's session", ["unrelated"]),
    (LISTENERS, "He had previously drawn 90,000 listeners", ["unrelated"]),
    (LISTENERS, "Khan's sessions drew 90,000 listeners two years ago", ["unrelated"]),
    (LISTENERS, "Khan had about 60,000 listeners before the session ended", ["disagrees"]),
    (MEDIAN_AGE, "earlier estimates of 24.1 years were revised", ["unrelated"]),
    (LISTENERS, "In 2021, a K-pop group drew 30,000 simultaneous listeners", ["unrelated"]),
    (LISTENERS, "a session drew 90,000 listeners in the previous year", ["unrelated"]),
    (MEDIAN_AGE, "the median age in Pakistan was 19.8 years in 2000", ["unrelated"]),
    (MEDIAN_AGE, "The median age of the population is 20.6 years (2020 estimate).",
     ["unrelated"]),
    (MEDIAN_AGE, "the median age fell to 20.6 years, down from 24.1 years in the last census",
     ["disagrees", "unrelated"]),
]  # fmt: skip


@pytest.mark.parametrize(("claim", "passage", "expected"), FRAMED)
def test_earlier_values_are_not_compared_and_claimed_values_never_disagree(
    claim, passage, expected
):
    marked = numbers.mark(sample_claim(claim), passage)
    assert [item["agreement"] for item in marked if not item["is_year"]] == expected


SUPERSEDED = [
    # A value the claim gives as today's, which the passage gives as what the quantity was
    # before, or names to deny it, does not agree: both were marked "agrees".
    ("The city has 1,200 buses", "The city now operates 950 buses, down from 1,200 buses "
     "in 2019, the transit authority said.", ["disagrees", "unrelated"]),
    ("Ridership rose 40 percent in 2024", "Ridership rose 12 percent in 2024, not 40 "
     "percent.", ["disagrees", "disagrees"]),
    ("Ridership rose 40 percent in 2024", "It rose 12 percent rather than 40 percent.",
     ["disagrees", "disagrees"]),
    ("Ridership rose 40 percent in 2024", "Ridership rose by 40 percent in 2024, not by "
     "the 12 percent first reported.", ["agrees", "unrelated"]),
    # The claim denies a value itself: a source denying it too agrees, one stating it
    # disagrees (the marks were the other way round).
    ("Ridership rose 12 percent in 2024, not 40 percent.", "Ridership rose 12 percent in "
     "2024, not 40 percent as reported.", ["agrees", "agrees"]),
    ("Ridership rose 12 percent in 2024, not 40 percent.", "Ridership rose 40 percent.",
     ["disagrees"]),
]  # fmt: skip


@pytest.mark.parametrize(("claim", "passage", "expected"), SUPERSEDED)
def test_a_value_given_as_before_or_denied_does_not_agree(claim, passage, expected):
    marked = numbers.mark(numbers.parse(claim), passage)
    assert [item["agreement"] for item in marked if not item["is_year"]] == expected


def test_the_reference_claims_own_numbers_are_framed_as_today_and_as_the_prior_record():
    listeners, prior = sample_claim(LISTENERS)
    (age,) = sample_claim(MEDIAN_AGE)
    assert (listeners.value, listeners.earlier) == (160_000, "")
    assert (prior.value, prior.earlier) == (44_000, "record")
    assert (age.value, age.unit, age.earlier) == (22.8, "year", "")


@pytest.mark.parametrize(
    ("claim_year", "expected"), [(2022, "disagrees"), (2021, "unrelated"), (0, "unrelated")]
)
def test_a_dated_figure_is_weighed_only_against_a_claim_of_the_same_year(claim_year, expected):
    claimed = query.build(text=LISTENERS, year=claim_year).claimed
    marked = numbers.mark(claimed, "In 2022, about 60,000 people listened to the session")
    assert [item["agreement"] for item in marked if not item["is_year"]] == [expected]


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("30,000 listeners in 2021", [2021]),
        ("In 2021, a K-pop group drew 30,000 listeners", [2021]),
        ("22.8 years (2020 estimate)", [2020]),
        ("21 years in 2010, and it is 22.8 years now", [2010, 0]),
        ("In April 2022 a session held by former Pakistani prime minister Imran Khan reached "
         "more than 160,000 listeners", [0]),
        ("Khan drew 160,000 in 2022. Listeners: 44,000", [2022, 0]),
    ],
)  # fmt: skip
def test_a_year_right_next_to_a_number_in_its_sentence_dates_it(text, years):
    assert [q.year for q in numbers.parse(text) if not q.is_year] == years


# The loopback site's pages (demo_server): which numbers each marks as disagreeing.
PAGE_DISAGREEMENTS = [
    (LISTENERS, "spaces-record", []),
    (ONLY_LISTENERS, "spaces-record", []),
    (ONLY_LISTENERS, "spaces-doubt", ["120,000"]),
    (ONLY_PRIOR, "spaces-record", []),
    (ONLY_PRIOR, "spaces-doubt", ["41,000"]),
    (LISTENERS, "spaces-doubt", ["120,000", "41,000"]),
    (MEDIAN_AGE, "pakistan-age", []),
    (MEDIAN_AGE, "pakistan-age-older", ["20.6 years"]),
]


@pytest.mark.parametrize(("claim", "slug", "disagreeing"), PAGE_DISAGREEMENTS)
def test_the_loopback_pages_mark_only_rival_values_as_disagreeing(claim, slug, disagreeing):
    title, _publisher, _date, paragraphs = demo_server.PAGES[slug]
    marked = [
        item
        for paragraph in [title, *paragraphs]
        for item in numbers.mark(sample_claim(claim), paragraph)
    ]
    assert [item["text"] for item in marked if item["agreement"] == "disagrees"] == disagreeing
    claimed_values = {quantity.value for quantity in sample_claim(claim)}
    for item in marked:
        if item["value"] in claimed_values:
            assert item["agreement"] == "agrees", item


def test_the_loopback_wiki_extracts_state_the_claims_values_and_no_rival_one():
    for claim, title in [(LISTENERS, "Twitter Spaces"), (MEDIAN_AGE, "Demographics of Pakistan")]:
        marked = numbers.mark(sample_claim(claim), demo_server.WIKI[title])
        agreements = [item["agreement"] for item in marked if not item["is_year"]]
        assert "disagrees" not in agreements
        assert "agrees" in agreements
