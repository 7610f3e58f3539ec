"""The claim spotter on its own: sentence splitting, ranking, and the training command."""

import itertools
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations import spotting, spotting_train

SAMPLE = (Path(__file__).parent / "data" / "spotting" / "imran-khan-twitter-spaces.txt").read_text(
    encoding="utf-8"
)

# Sentences (by a phrase they contain) a fact-checker would pick from the sample...
CHECK_WORTHY = [
    "Over 160,000 people listened in at once",
    "the median age is only 22.8 years",
    "ousted in a no-confidence motion earlier this month",
]
# ...and its opinions and page boilerplate, which must rank below every one of them.
NOT_CHECK_WORTHY = [
    "That’s not at all to imply that PTI is a national security threat",
    "Try as they might, all such attempts thus far haven’t been successful.",
    "In the Pakistani context, this leads to the indisputable conclusion",
    "The same, it should be said, is observable in Pakistan nowadays too",
    "By\xa0Andrew Korybko",
    "Disclaimer: The views expressed in this article",
    "Analysing The Significance Of Imran Khan’s Record-Shattering",
]


def _sample_scores():
    sentences = spotting.split_sentences(SAMPLE)
    scores = spotting.score_sentences([s.text for s in sentences])
    return sentences, scores


def _score_of(sentences, scores, phrase):
    # The sample has no-break spaces where the phrases above have plain ones.
    matches = [
        score
        for s, score in zip(sentences, scores, strict=True)
        if phrase.replace("\xa0", " ") in s.text.replace("\xa0", " ")
    ]
    assert len(matches) == 1, f"{phrase!r} is in {len(matches)} sentences"
    return matches[0]


@pytest.mark.parametrize("high", CHECK_WORTHY)
def test_numeric_and_factual_sentences_rank_above_opinion_and_boilerplate(high):
    sentences, scores = _sample_scores()
    high_score = _score_of(sentences, scores, high)
    for low in NOT_CHECK_WORTHY:
        assert high_score > _score_of(sentences, scores, low), f"{high!r} <= {low!r}"


def test_the_numeric_claims_are_among_the_top_five_of_the_sample():
    sentences, scores = _sample_scores()
    ranked = [s.text for s, _ in sorted(zip(sentences, scores, strict=True), key=lambda p: -p[1])]
    top = " ".join(ranked[:5])
    assert "160,000 people" in top and "22.8 years" in top


def test_scores_are_deterministic_and_one_per_sentence():
    texts = ["The deficit fell by 3 percent last year.", "Thank you all for coming."]
    first = spotting.score_sentences(texts)
    assert first == spotting.score_sentences(texts)
    assert len(first) == 2 and first[0] > first[1]
    assert spotting.score_sentences([]) == []


def test_speakers_are_optional_and_unknown_ones_change_nothing():
    texts = ["Crime rose 20 percent in 2019.", "Thank you, Senator.", "We will win."]
    plain = spotting.score_sentences(texts)
    assert spotting.score_sentences(texts, speakers=["unknown"] * 3) == plain
    assert spotting.score_sentences(texts, speakers=[None, "", "unknown"]) == plain


def test_a_batch_is_scored_as_each_sentence_alone_apart_from_its_context_features():
    # Sentences joined into one batch must not leak words into each other: a sentence with a
    # line break inside, or an overlong one, is still one sentence.
    texts = ["Unemployment fell\nto 3.5 percent.", "x" * 5000, "Thank you."]
    tokens = spotting.tokenise(texts)
    assert tokens.n == 3
    assert sorted(set(tokens.rows.tolist())) == [0, 1, 2]
    counts = spotting.word_counts(texts)
    assert counts.n == 3 and set(counts.rows.tolist()) == {0, 1, 2}


HARD_CASES = [
    ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones.", "They talked."]),
    (
        "The U.S. economy grew. Exports rose.",
        ["The U.S. economy grew.", "Exports rose."],
    ),
    (
        "The median age is 22.8 years. That is young.",
        ["The median age is 22.8 years.", "That is young."],
    ),
    ("He paused… Then he spoke.", ["He paused…", "Then he spoke."]),
    (
        "He said “Stop it.” She did not.",
        ["He said “Stop it.”", "She did not."],
    ),
    ("It cost $4.5bn (roughly). Nobody asked.", ["It cost $4.5bn (roughly).", "Nobody asked."]),
    ("Heading\n\nFirst line\nSecond line", ["Heading", "First line", "Second line"]),
    ("  Leading space.  And 😀 emoji here.  ", ["Leading space.", "And 😀 emoji here."]),
    # A list item's number is no sentence of its own (it was suggested as "1.").
    ("1. Twelve ships sank.\n\n12. Nine came back.", ["Twelve ships sank.", "Nine came back."]),
    # Thai ends a sentence with a space and no stop; one beside a number is a word's edge.
    (
        "อัตราการว่างงานของไทยอยู่ที่ 1.2% ในปี 2024 ต่ำที่สุดในรอบสิบปี "
        "รัฐบาลกล่าวว่าเศรษฐกิจฟื้นตัวแล้ว นักวิเคราะห์ไม่เห็นด้วย",
        [
            "อัตราการว่างงานของไทยอยู่ที่ 1.2% ในปี 2024 ต่ำที่สุดในรอบสิบปี",
            "รัฐบาลกล่าวว่าเศรษฐกิจฟื้นตัวแล้ว",
            "นักวิเคราะห์ไม่เห็นด้วย",
        ],
    ),
    # Thai digits and the repetition mark ๆ keep the words after them in the sentence.
    (
        "ราคาสูงขึ้นเรื่อยๆ ทุกเดือน ในปี ๒๕๖๗ ราคาเพิ่มขึ้น",
        ["ราคาสูงขึ้นเรื่อยๆ ทุกเดือน", "ในปี ๒๕๖๗ ราคาเพิ่มขึ้น"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), HARD_CASES)
def test_the_splitter_handles_abbreviations_decimals_ellipses_and_quotes(text, expected):
    sentences = spotting.split_sentences(text)
    assert [s.text for s in sentences] == expected
    for sentence in sentences:
        # Code-point offsets round-trip to the very same characters.
        assert text[sentence.start : sentence.end] == sentence.text


def test_offsets_round_trip_on_the_sample_with_curly_quotes_and_no_break_spaces():
    sentences = spotting.split_sentences(SAMPLE)
    assert len(sentences) > 30
    for sentence in sentences:
        assert SAMPLE[sentence.start : sentence.end] == sentence.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(sentences))


def test_the_splitter_handles_five_megabytes_in_seconds():
    import time

    big = (SAMPLE + "\n\n") * (5_000_000 // len(SAMPLE))
    started = time.monotonic()
    sentences = spotting.split_sentences(big)
    assert time.monotonic() - started < 10
    assert len(sentences) > 20_000


def test_sentence_keys_ignore_case_and_spacing_but_not_words():
    key = spotting.sentence_key
    assert key("The  median age\u00a0is 22.8.") == key("the median age is 22.8.")
    assert key("The median age is 22.8.") != key("The median age is 22.9.")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Over 160,000 people listened.", True),
        ("Two thirds of voters agreed.", True),
        ("It doubled in a year.", True),
        ("This is a milestone in digital diplomacy.", False),
    ],
)
def test_has_number_marks_digits_and_number_words(sentence, expected):
    assert spotting.has_number(sentence) is expected


def test_average_precision_follows_the_checkthat_definition():
    # Positives at ranks 1 and 3: (1/1 + 2/3) / 2.
    assert spotting_train.average_precision([0.9, 0.5, 0.4, 0.1], [1, 0, 1, 0]) == pytest.approx(
        (1 + 2 / 3) / 2
    )
    assert spotting_train.average_precision([0.1, 0.2], [0, 0]) is None
    assert spotting_train.mean_average_precision([[0.9, 0.1], [0.1, 0.9]], [[1, 0], [1, 0]]) == 0.75


def test_the_training_transcripts_never_include_a_test_transcript():
    test_sentences = {s for t in spotting_train.load_test() for s in t.sentences if len(s) > 60}
    training = spotting_train.load_training()
    assert len(test_sentences) > 100 and len(training) > 50
    for transcript in training:
        long = [s for s in transcript.sentences if len(s) > 60]
        shared = sum(1 for s in long if s in test_sentences)
        assert shared < 0.05 * max(1, len(long)), transcript.name


def test_train_command_on_a_slice_writes_a_loadable_model(tmp_path, capsys):
    output = tmp_path / "slice.npz"
    call_command("train_spotter", "--limit", "3", "--folds", "3", "--output", str(output))
    printed = capsys.readouterr().out
    assert "cross-validated MAP" in printed and "CLEF 2019 test set" in printed
    model = spotting.SpotterModel.load(output)
    assert model.meta["version"].endswith("slice3")
    assert model.meta["seed"] == spotting_train.SEED
    scores = spotting.score_sentences(
        ["Unemployment fell to 3.5 percent in 2019.", "Thank you."], model_path=output
    )
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)


def test_training_twice_with_the_fixed_seed_gives_the_same_model(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for path in (a, b):
        spotting_train.train_and_report(
            output=path, limit=2, cross_validation=False, log=lambda m: None
        )
    texts = ["Crime rose 20 percent.", "I love this country."]
    assert spotting.score_sentences(texts, model_path=a) == spotting.score_sentences(
        texts, model_path=b
    )


def test_the_shipped_model_is_small_and_loads_without_pickle():
    assert spotting.MODEL_PATH.stat().st_size < 50_000_000
    model = spotting.SpotterModel.load(spotting.MODEL_PATH)
    assert model.meta["method"] in spotting_train.METHODS
