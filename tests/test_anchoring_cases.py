"""Public anchoring test cases (Apache Annotator, Hypothesis, approx-string-match) on our engine.

The inputs and expected outputs come from the third-party suites summarised in the project's
anchoring yardstick notes; the code is ours. Where an upstream expectation differs from our
contract, the test checks our contract and its docstring says what differs and why.
"""

import itertools
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from annotations.anchoring import (
    anchor,
    describe,
    find_approximate,
    match_quote_all,
    rank_candidates,
    resolve,
)

DATA = Path(__file__).parent / "data" / "anchoring"


def quote(exact, **context):
    return {"type": "TextQuoteSelector", "exact": exact, **context}


def position(start, end):
    return {"type": "TextPositionSelector", "start": start, "end": end}


# A1. Apache Annotator TextQuoteSelector matching

LOREM = "lorem ipsum dolor amet yada yada"

APACHE_QUOTE_MATCHES = [
    ("simple", LOREM, {"exact": "dolor am"}, [(12, 20)]),
    ("first characters", LOREM, {"exact": "lorem ipsum"}, [(0, 11)]),
    ("last characters", LOREM, {"exact": "yada yada"}, [(23, 32)]),
    ("exact element contents", LOREM, {"exact": "ipsum dolor"}, [(6, 17)]),
    ("text inside head", "The titlelorem ipsum dolor amet yada yada", {"exact": "title"}, [(4, 9)]),
    ("two matches in one node", LOREM, {"exact": "yada"}, [(23, 27), (28, 32)]),
    (
        "matches in multiple nodes",
        "Match again and again and again!",
        {"exact": "again"},
        [(6, 11), (16, 21), (26, 31)],
    ),
    ("overlapping matches", "bananas", {"exact": "ana"}, [(1, 4), (3, 6)]),
    ("overlapping matches stretching", "banananas", {"exact": "anana"}, [(1, 6), (3, 8)]),
    ("no matches", LOREM, {"exact": "holy grail"}, []),
    ("with prefix", LOREM, {"exact": "yada", "prefix": "t "}, [(23, 27)]),
    ("with suffix", LOREM, {"exact": "o", "suffix": "l"}, [(13, 14)]),
    ("with prefix and suffix", LOREM, {"exact": "o", "prefix": "l", "suffix": "re"}, [(1, 2)]),
    (
        "with prefix and suffix, two matches",
        LOREM,
        {"exact": "o", "prefix": "l", "suffix": "r"},
        [(1, 2), (15, 16)],
    ),
    ("with prefix, no matches", LOREM, {"exact": "dolor", "prefix": "oopsum "}, []),
    ("with suffix, no matches", LOREM, {"exact": "dolor", "suffix": " amot"}, []),
    ("with suffix, no matches due to whitespace", LOREM, {"exact": "dolor", "suffix": "a"}, []),
    (
        "with empty prefix and suffix",
        LOREM,
        {"exact": "dolor am", "prefix": "", "suffix": ""},
        [(12, 20)],
    ),
    ("empty quote", "lorem", {"exact": ""}, [(i, i) for i in range(6)]),
    ("empty quote, with prefix", LOREM, {"exact": "", "prefix": "dolor"}, [(17, 17)]),
    ("empty quote, with suffix", LOREM, {"exact": "", "suffix": "i"}, [(6, 6)]),
    (
        "empty quote, with prefix and suffix",
        LOREM,
        {"exact": "", "prefix": "lorem ", "suffix": "ipsum"},
        [(6, 6)],
    ),
    ("empty quote, no matches", LOREM, {"exact": "", "prefix": "X"}, []),
]


@pytest.mark.parametrize(
    ("text", "selector", "expected"),
    [case[1:] for case in APACHE_QUOTE_MATCHES],
    ids=[case[0] for case in APACHE_QUOTE_MATCHES],
)
def test_match_quote_all_finds_every_verbatim_match_with_hard_context(text, selector, expected):
    assert match_quote_all(text, **selector) == expected


@pytest.mark.parametrize(
    ("text", "selector", "expected"),
    [case[1:] for case in APACHE_QUOTE_MATCHES if case[2]["exact"] and case[3]],
    ids=[case[0] for case in APACHE_QUOTE_MATCHES if case[2]["exact"] and case[3]],
)
def test_anchor_picks_one_of_the_matches_apache_lists(text, selector, expected):
    """Apache returns every match; `anchor` returns the single best one, so it must be listed."""
    assert anchor(text, [quote(**selector)]) in expected


@pytest.mark.parametrize(
    ("text", "selector"),
    [case[1:3] for case in APACHE_QUOTE_MATCHES if not case[2]["exact"]],
    ids=[case[0] for case in APACHE_QUOTE_MATCHES if not case[2]["exact"]],
)
def test_anchor_refuses_the_empty_quotes_apache_matches_everywhere(text, selector):
    """Apache matches an empty quote between characters; for us an empty quote is malformed."""
    with pytest.raises(ValueError, match="must not be empty"):
        anchor(text, [quote(**selector)])


def test_anchor_finds_nothing_for_a_quote_that_is_not_there():
    assert anchor(LOREM, [quote("holy grail")]) is None


@pytest.mark.parametrize(
    ("scope", "expected"),
    [((6, 22), [(6, 14)]), ((0, 0), []), ((0, 19), []), ((13, 32), [])],
)
def test_matching_inside_a_scope_only_sees_the_scope(scope, expected):
    """Apache passes a DOM scope; here a scope is a slice and offsets are relative to it."""
    assert match_quote_all(LOREM[slice(*scope)], "dolor am") == expected


def test_matching_on_concatenated_text_nodes_sees_the_whole_text():
    nodes = ["lor", "", "em ip", "sum do", "", "lor amet"]
    assert match_quote_all("".join(nodes), "ipsum dolor") == [(6, 17)]


# A2. Apache Annotator TextPositionSelector matching

SMILE = "l😃rem ipsum dolor amet yada yada"


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        (SMILE, 12, 20, "dolor am"),
        (SMILE, 0, 11, "l😃rem ipsum"),
        (SMILE, 23, 32, "yada yada"),
        (SMILE, 6, 17, "ipsum dolor"),
        ("l😃rem ipsum dolor ametyada yada", 18, 22, "amet"),
        ("l😃rem", 3, 3, ""),
    ],
)
def test_position_selector_counts_code_points(text, start, end, expected):
    found = anchor(text, [position(start, end)])
    assert text[found[0] : found[1]] == expected


# A3. Apache Annotator describeTextQuote

APACHE_DESCRIBE = [
    ("no context", LOREM, 12, 22, "dolor amet", "", ""),
    ("use prefix to complete word", LOREM, 14, 22, "lor amet", "do", ""),
    ("use suffix to complete word", LOREM, 12, 20, "dolor am", "", "et"),
    ("add context to disambiguate", "To annotate or not to annotate", 15, 18, "not", "or ", " to"),
    (
        "only prefix for end of text",
        "To annotate or not to annotate",
        22,
        30,
        "annotate",
        "to ",
        "",
    ),
    (
        "only suffix for start of text",
        "annotate or not to annotate, yada yada",
        0,
        8,
        "annotate",
        "",
        " or",
    ),
    ("overlapping false matches", "a a a a a a a a a a", 8, 13, "a a a", "a a a a ", " a a a"),
    ("across elements", "To annotate or not to annotate", 22, 28, "annota", "to ", "te"),
    ("minimal: no context", LOREM, 12, 20, "dolor am", "", ""),
    ("minimal prefix", "To annotate or not to annotate.", 22, 26, "anno", "to ", ""),
    ("minimal suffix", "To annotate or not to annotate.", 7, 11, "tate", "", " "),
    ("use suffix at start", "to annotate or not to annotate.", 0, 2, "to", "", " annotate "),
    ("use prefix at end", "To annotate or not to annotate", 26, 30, "tate", "to anno", ""),
    ("minimal overlapping", "aaaaaaaaaa", 4, 7, "aaa", "aaaa", "aaa"),
    ("balance prefix and suffix", LOREM, 12, 17, "dolor", "ipsum ", " amet"),
    ("min length, prefix at end", LOREM, 28, 30, "ya", "amet yada ", "da"),
    ("min length, suffix at start", LOREM, 2, 3, "r", "lo", "em ipsum"),
    (
        "too long prefix",
        "Surely counterantidisintermediationism is too long to quote.",
        28,
        31,
        "dia",
        "disinterme",
        "tionism",
    ),
    (
        "too long suffix",
        "Surely counterantidisintermediationism is too long to quote.",
        14,
        18,
        "anti",
        "counter",
        "disinterme",
    ),
    (
        "default should be 50",
        "The chromosome is ACATATTACGTTAGATATGACACCCATATAGTTATTTATAAGATGGGACAGATATTAGTTTAAAAA",
        18,
        27,
        "ACATATTAC",
        "",
        "GTTAGATATGACACCCATATAGTTATTTATAAGATGGGACAGATATTAGT",
    ),
]


@pytest.mark.parametrize(
    ("text", "start", "end", "exact", "apache_prefix", "apache_suffix"),
    [case[1:] for case in APACHE_DESCRIBE],
    ids=[case[0] for case in APACHE_DESCRIBE],
)
def test_describe_gives_fixed_32_character_context_consistent_with_apache(
    text, start, end, exact, apache_prefix, apache_suffix
):
    """Apache trims context to what disambiguates or completes words; we always keep 32 code
    points (the Hypothesis convention), so both must agree where they overlap."""
    quote_selector, position_selector = describe(text, start, end)
    assert quote_selector["exact"] == exact
    assert quote_selector["prefix"] == text[max(0, start - 32) : start]
    assert quote_selector["suffix"] == text[end : end + 32]
    ours, theirs = quote_selector["prefix"], apache_prefix
    assert ours.endswith(theirs) or theirs.endswith(ours)
    ours, theirs = quote_selector["suffix"], apache_suffix
    assert ours.startswith(theirs) or theirs.startswith(ours)
    assert anchor(text, [quote_selector]) == (start, end)
    assert anchor(text, [position_selector]) == (start, end)


@pytest.mark.parametrize(
    ("scope", "start", "end", "exact"),
    [((15, 30), 22, 26, "anno"), ((12, 20), 12, 20, "dolor am")],
)
def test_describe_inside_a_scope_keeps_to_the_scope(scope, start, end, exact):
    """Apache's scope is a DOM range; ours is a slice, so offsets shift by the scope start."""
    text = "To annotate or not to annotate." if exact == "anno" else LOREM
    scoped = text[slice(*scope)]
    quote_selector, _ = describe(scoped, start - scope[0], end - scope[0])
    assert quote_selector["exact"] == exact
    assert scoped.endswith(quote_selector["exact"] + quote_selector["suffix"])


def test_describe_refuses_the_empty_ranges_apache_describes():
    """Apache describes a collapsed range ({exact: ""}); an empty claim is invalid for us."""
    with pytest.raises(ValueError, match="span"):
        describe("To annotate or not to annotate", 11, 11)


@pytest.mark.parametrize(
    ("text", "selector", "expected"),
    [case[1:] for case in APACHE_QUOTE_MATCHES if case[2]["exact"] and case[3]],
    ids=[case[0] for case in APACHE_QUOTE_MATCHES if case[2]["exact"] and case[3]],
)
def test_describing_each_match_round_trips_to_that_match(text, selector, expected):
    for start, end in expected:
        quote_selector, _ = describe(text, start, end)
        assert quote_selector["exact"] == selector["exact"]
        assert quote_selector["prefix"].endswith(selector.get("prefix", ""))
        assert quote_selector["suffix"].startswith(selector.get("suffix", ""))
        assert anchor(text, describe(text, start, end)) == (start, end)


# B1. Hypothesis matchQuote

SOL = (
    "Many years later, as he faced the firing squad, Colonel Aureliano Buendía was to remember "
    "that distant afternoon when his father took him to discover ice"
)
TWO = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
    "age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the "
    "season of Light, it was the season of Darkness, it was the spring of hope, it was the winter "
    "of despair, we had everything before us, we had nothing before us, we were all going direct "
    "to Heaven, we were all going direct the other way."
)


def best_candidate(text, **selector):
    candidates = rank_candidates(text, [quote(**selector)])
    return candidates[0] if candidates else None


def test_exact_quote_scores_one():
    result = resolve(SOL, [quote("discover ice")])
    assert (result.start, result.end, result.score) == (141, 153, 1.0)


def test_loosely_similar_quote_is_a_candidate_but_not_an_anchor():
    """Hypothesis accepts "some years later" for "Many years later" (score < 1); our contract
    needs 85% similarity (this is 75%), so the words count as replaced and nothing anchors."""
    candidate = best_candidate(SOL, exact="some years later")
    assert 0 < candidate.score < 1
    assert SOL[candidate.start : candidate.end] == "Many years later"
    assert anchor(SOL, [quote("some years later")]) is None
    assert anchor(SOL, [quote("Many yers later")]) == (0, 16)


def scores(text, selectors):
    return [best_candidate(text, **selector).score for selector in selectors]


def strictly_decreasing(values):
    return all(a > b for a, b in itertools.pairwise(values))


def test_scores_fall_as_the_quote_drifts_from_the_text():
    quotes = ["Many years later", "Many yers later", "Some years later", "Some years after"]
    assert strictly_decreasing(scores(SOL, [{"exact": q} for q in quotes]))


def test_scores_fall_as_the_prefix_drifts_from_the_text():
    prefixes = ["Many years later", "Many yers later", "Some years later", "Some years after"]
    exact = ", as he faced the firing squad"
    assert strictly_decreasing(scores(SOL, [{"exact": exact, "prefix": p} for p in prefixes]))


def test_scores_fall_as_the_suffix_drifts_from_the_text():
    suffixes = [
        ", as he faced the firing squad",
        ", as she faced the firing squad",
        ", as he awaited the firing squad",
        ", as he awaited his death",
    ]
    exact = "Many years later"
    assert strictly_decreasing(scores(SOL, [{"exact": exact, "suffix": s} for s in suffixes]))


def test_quote_from_another_text_does_not_anchor():
    assert anchor(TWO, [quote(SOL)]) is None


def test_empty_text_anchors_nothing_and_empty_quote_is_refused():
    """Hypothesis returns null for an empty quote; for us an empty quote is malformed."""
    assert anchor("", [quote("foobar")]) is None
    with pytest.raises(ValueError, match="must not be empty"):
        anchor("foobar", [quote("")])


@pytest.mark.parametrize(
    ("exact", "context", "expected_at"),
    [
        ("before us", {"prefix": "we had everything"}, "before us, we had nothing"),
        ("before us", {"prefix": "we had nothing"}, "before us, we were all going"),
        ("before us", {"prefix": "we had every-thing"}, "before us, we had nothing"),
        ("before us", {"prefix": "we had nout"}, "before us, we were all going"),
        ("we had", {"suffix": "everything"}, "we had everything"),
        ("we had", {"suffix": "nothing"}, "we had nothing"),
        ("we had", {"suffix": "ever ting"}, "we had everything"),
        ("we had", {"suffix": "nutting"}, "we had nothing"),
    ],
)
def test_context_picks_between_repeated_quotes_even_when_misspelt(exact, context, expected_at):
    start = TWO.index(expected_at)
    assert anchor(TWO, [quote(exact, **context)]) == (start, start + len(exact))


def test_position_breaks_a_tie_between_equally_good_approximate_matches():
    first = TWO.index("before us", TWO.index("everything"))
    second = TWO.index("before us", TWO.index("nothing"))
    misspelt = quote("befor us")
    assert anchor(TWO, [misspelt, position(first, first + 9)]) == (first, first + 9)
    assert anchor(TWO, [misspelt, position(second, second + 9)]) == (second, second + 9)
    assert anchor(TWO, [misspelt]) == (first, first + 9)


def test_prefix_longer_than_the_text_before_the_quote_is_tolerated():
    """Only five characters precede the quote, too few to judge the prefix by; as far as they
    go they agree with it, so the quote anchors (Hypothesis finds it by scoring)."""
    found = anchor(SOL, [quote("years later", prefix="It used to be many")])
    assert SOL[found[0] : found[1]] == "years later"


def test_quote_at_the_very_end_with_a_suffix_is_still_found():
    text = "Some document text"
    assert anchor(text, [quote("text", suffix="missing")]) == (14, 18)


# B2. Hypothesis TextQuote / TextPosition conversions

GETTYSBURG = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal."
)


def test_describing_a_phrase_keeps_32_characters_each_side():
    start = GETTYSBURG.index("our fathers")
    quote_selector, position_selector = describe(GETTYSBURG, start, start + 11)
    assert quote_selector["prefix"] == GETTYSBURG[:start]  # only 31 characters precede it
    assert quote_selector["suffix"] == GETTYSBURG[start + 11 : start + 43]
    assert position_selector == {"type": "TextPositionSelector", "start": 31, "end": 42}


def test_describing_the_first_word_has_no_prefix_and_anchors_back():
    selectors = describe(GETTYSBURG, 0, 4)
    assert selectors[0] == {
        "type": "TextQuoteSelector",
        "exact": "Four",
        "prefix": "",
        "suffix": " score and seven years ago our f",
    }
    assert anchor(GETTYSBURG, selectors[:1]) == (0, 4)


def test_a_quote_missing_from_the_text_is_not_found():
    assert anchor(GETTYSBURG, [quote("five score and nine years ago")]) is None


# B3. Hypothesis HTML anchoring with mixed selectors


class BodyText(HTMLParser):
    """textContent of <body> as a scripting browser computes it (see the data folder README)."""

    CDATA_CONTENT_ELEMENTS = ("script", "style", "noscript")

    def __init__(self, whole_document=False):
        super().__init__(convert_charrefs=True)
        self.inside_body = whole_document
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.inside_body = True

    def handle_data(self, data):
        if self.inside_body:
            self.parts.append(data)


def text_content(filename, whole_document=False):
    parser = BodyText(whole_document)
    parser.feed((DATA / filename).read_text(encoding="utf-8"))
    parser.close()
    return "".join(parser.parts)


FIXTURE = text_content("html-anchoring-fixture.html", whole_document=True)
SED = "Lorem sed do eiusmod tempor."
FIXTURE_RANGES = [
    (13, "habitant morbi"),
    (0, "Pellentesque habitant morbi tristique"),
    (22, "morbi tristique senectus et"),
    (0, "Pellentesque habitant morbi tristique senectus et"),
    (202, "egestas semper. Aenean ultricies mi vitae est."),
    (582, "Level 2\n\n\n  Lorem ipsum"),
    (0, FIXTURE[: FIXTURE.index("\n")]),
    (691, SED),
    (735, SED),
    (795, SED),
    (841, "Header Level 2\n\n\n  Mauris lacinia ipsum nulla, id iaculis quam egestas quis.\n\n\n"),
    (972, "Test"),
]


def test_fixture_container_text_has_the_upstream_length():
    assert len(FIXTURE) == 978


@pytest.mark.parametrize(("start", "exact"), FIXTURE_RANGES)
def test_each_selector_alone_reproduces_the_described_range(start, exact):
    end = start + len(exact)
    assert FIXTURE[start:end] == exact
    quote_selector, position_selector = describe(FIXTURE, start, end)
    assert anchor(FIXTURE, [position_selector]) == (start, end)
    assert anchor(FIXTURE, [quote_selector]) == (start, end)


def test_failing_position_selector_is_ignored_in_favour_of_the_quote():
    found = anchor(FIXTURE, [position(1000, 1010), quote("Lorem ipsum")])
    assert FIXTURE[found[0] : found[1]] == "Lorem ipsum"


def test_quote_absent_from_the_page_fails_to_anchor():
    assert anchor(FIXTURE, [quote("This text does not appear in the web page")]) is None


# B3 baselines: selectors Hypothesis stored on real pages


def stored_selectors():
    cases = []
    for page in ("minimal", "wikipedia-regression-testing"):
        text = text_content(f"{page}.html")
        rows = json.loads((DATA / f"{page}.json").read_text(encoding="utf-8"))["rows"]
        for row in rows:
            selectors = [
                selector
                for selector in row["target"][0]["selector"]
                if selector["type"] != "RangeSelector"
            ]
            cases.append(pytest.param(text, selectors, id=f"{page}-{row['id']}"))
    return cases


def _parts(selectors):
    by_type = {selector["type"]: selector for selector in selectors}
    return by_type["TextQuoteSelector"], by_type["TextPositionSelector"]


def test_wikipedia_page_repeats_regression_testing_nine_times():
    assert text_content("wikipedia-regression-testing.html").count("Regression testing") == 9


@pytest.mark.parametrize(("text", "selectors"), stored_selectors())
def test_stored_selectors_anchor_to_their_recorded_text(text, selectors):
    quote_selector, position_selector = _parts(selectors)
    start, end = position_selector["start"], position_selector["end"]
    assert anchor(text, selectors) == (start, end)
    assert anchor(text, [quote_selector]) == (start, end)
    assert describe(text, start, end) == [quote_selector, position_selector]


def _typo(exact):
    """Swap two letters in the middle of the quote, away from digits."""
    middle = len(exact) // 2
    while not (exact[middle].isalpha() and exact[middle + 1].isalpha()):
        middle += 1
    return exact[:middle] + exact[middle + 1] + exact[middle] + exact[middle + 2 :]


@pytest.mark.parametrize(("text", "selectors"), stored_selectors())
def test_stored_selectors_survive_a_typo_inside_and_an_insertion_before_the_quote(text, selectors):
    quote_selector, position_selector = _parts(selectors)
    start, end = position_selector["start"], position_selector["end"]
    insertion = "Inserted sentence before the quote. "
    cut = max(0, start - 40)
    revised = text[:cut] + insertion + text[cut:start] + _typo(text[start:end]) + text[end:]
    moved = (start + len(insertion), end + len(insertion))
    assert anchor(revised, selectors) == moved
    assert anchor(revised, [quote_selector]) == moved


# C. approx-string-match search

SENTENCE = 'This is a string which exceeds the "word size" of the JS language.'


@pytest.mark.parametrize(
    ("text", "pattern", "max_errors", "acceptable"),
    [
        ("three blind mice", "blind", 5, [[(6, 11, 0)]]),
        ("three blind mice", "three", 5, [[(0, 5, 0)]]),
        ("three blind mice", "bliind", 6, [[(6, 11, 1)]]),
        ("three blind mice", "blnd", 4, [[(6, 11, 1)]]),
        ("three blind mice", "thrae", 5, [[(0, 4, 1), (0, 5, 1)]]),
        ("facebook", "fccebook", 8, [[(0, 8, 1)]]),
        ("facebook", "fcebook", 7, [[(1, 8, 1)], [(0, 8, 1)]]),
        ("foursquare andseven", "four square and seven", 21, [[(0, 19, 2)]]),
        ("four squareand seven", "square  and", 11, [[(5, 14, 2)]]),
        ("sm😊le", "smile", 5, [[(0, 5, 1)]]),
        ("sm😊le", "sm😊le", 5, [[(0, 5, 0)]]),
        ("foo" * 5 + "bar" * 20 + "baz" * 5, "bar" * 20, 60, [[(15, 75, 0)]]),
        (
            "foo" * 5 + "bar" * 10 + "zog" + "bar" * 10 + "baz" * 5,
            "bar" * 20,
            60,
            [[(15, 75, 3), (15, 78, 3)]],
        ),
        ("four candles", "foouur", 1, [[]]),
        ("four score", "score", 50, [[(5, 10, 0)]]),
        ("", "foo", 0, [[]]),
        ("foo", "", 0, [[]]),
        (SENTENCE, SENTENCE[1:33], 0, [[(1, 33, 0)]]),
        (SENTENCE, SENTENCE[23:56], 0, [[(23, 56, 0)]]),
        (
            "for Native Americans as well.\nThe last global ice age trapped much",
            " well.\n \n2. The First Americans\nThe last global ice age trapped ",
            32,
            [[(23, 62, 25)]],
        ),
    ],
)
def test_find_approximate_returns_the_fewest_error_matches(text, pattern, max_errors, acceptable):
    """The "sm😊le" rows use code points: upstream counts UTF-16 units and reports (0, 6, ...)."""
    assert find_approximate(text, pattern, max_errors) in acceptable


def test_find_approximate_lists_every_repeat():
    assert len(find_approximate("foo bar " * 5, "foo", 0)) == 5
    assert [m[0] for m in find_approximate(SENTENCE * 5, SENTENCE, 0)] == [
        i * len(SENTENCE) for i in range(5)
    ]


def test_find_approximate_matches_the_whole_misspelt_word():
    text = (
        "\n  A great discovery solves a great problem but there is a grain of discovery in\n"
        "  the solution of any problem.\n  "
    )
    matches = find_approximate(text, "discvery", 2)
    assert matches
    assert {text[start:end] for start, end, _ in matches} == {"discovery"}
