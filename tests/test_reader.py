"""Reader pages on the server: what anonymous readers see, what never leaks, headers, caching."""

import base64
import hashlib
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import dateformat, timezone
from lxml import html as lxml_html

from annotations import contrast, queries, reader, services, versions
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Membership,
    Organization,
    PublishedVersion,
    Rating,
)
from tests import factories
from tests.conftest import once_this_second_is_over

TEXT = (
    "Over 160,000 people listened in at once, breaking the prior record by a Korean pop "
    "group of only 44,000 simultaneous listeners.\n\n"
    "This majority youthful country where the median age is only 22.8 years has the "
    "demographic prerequisite for change.\n\n"
    "Twitter banned former US President Donald Trump after the riot.\n\n"
    "The Belt & Road Initiative’s flagship project runs through the country."
)
LISTENERS = "Over 160,000 people listened in at once"
MEDIAN = "the median age is only 22.8 years"
CANARY = "zebra-canary-7741"


def publish(article, editor, reviewer, quote, label, *, conclusion="Checked.", **fields):
    """A claim on `quote`, rated `label`, with one source, published by `reviewer`."""
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, quote),
        claimant=fields.pop("claimant", "Andrew Korybko"),
    )
    services.source_add(
        claim=claim,
        actor=editor,
        url=fields.pop("source_url", "https://example.org/record"),
        title="The record",
        stance="supports",
    )
    rating = Rating.objects.get(scale__organization=article.organization, label=label)
    services.claim_update(
        claim=claim,
        actor=editor,
        expected_version=None,
        rating=rating,
        conclusion=conclusion,
        **fields,
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def republish(claim, editor, reviewer, note, **fields):
    claim = services.claim_update(claim=claim, actor=editor, expected_version=None, **fields)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note=note
    )


@pytest.fixture
def desk(db):
    organization = factories.OrganizationFactory(name="Deadline Desk", slug="deadline-desk")
    editor = factories.member(organization, Membership.Role.EDITOR, username="editor-qx5")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="reviewer-qx5")
    article = services.article_create(
        organization=organization,
        title="Listeners, ages and bans",
        text=TEXT,
        created_by=editor,
        canonical_url="https://news.example/listeners",
        language="en",
    )
    return SimpleNamespace(
        organization=organization, editor=editor, reviewer=reviewer, article=article
    )


def article_url(article):
    return reverse("reader-article", args=[article.organization.slug, article.slug])


def page(response):
    return lxml_html.fromstring(response.content)


_SIMPLE = re.compile(r"([a-z0-9]*)((?:[.#][\w-]+)*)((?:\[[\w-]+=\"[^\"]*\"\])*)$")


def select(element, selector: str) -> list:
    """Elements under `element` matching a simple CSS selector (tags, classes, ids, [a="v"])."""
    path = "."
    axis = "//"
    for step in selector.split():
        if step == ">":
            axis = "/"
            continue
        tag, names, attributes = _SIMPLE.match(step).groups()
        tests = []
        for kind, name in re.findall(r"([.#])([\w-]+)", names):
            if kind == "#":
                tests.append(f"@id='{name}'")
            else:
                tests.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")
        for name, value in re.findall(r'\[([\w-]+)="([^"]*)"\]', attributes):
            tests.append(f"@{name}='{value}'")
        path += axis + (tag or "*") + "".join(f"[{test}]" for test in tests)
        axis = "//"
    return element.xpath(path)


# What readers see


def test_anonymous_reader_sees_each_published_claim_highlighted_with_its_label(client, desk):
    first = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    second = publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")

    response = client.get(article_url(desk.article))

    assert response.status_code == 200
    tree = page(response)
    highlights = select(tree, "#article-body a.hl")
    assert [(h.text_content(), h.get("data-claims")) for h in highlights] == [
        (LISTENERS, str(first.pk)),
        (MEDIAN, str(second.pk)),
    ]
    assert highlights[0].get("href") == f"#claim-{first.pk}"
    tags = select(tree, "#article-body a.tag")
    assert [t.text_content() for t in tags] == [
        "Claim 1, rated Mostly true",
        "Claim 2, rated False",
    ]
    assert [t.get("href") for t in tags] == [f"#claim-{first.pk}", f"#claim-{second.pk}"]
    summary = " ".join(select(tree, ".summary-line")[0].text_content().split())
    assert summary == "2 claims checked: 1 Mostly true, 1 False"
    legend = [" ".join(dt.text_content().split()) for dt in select(tree, ".legend dt")]
    # Not "4 of 5", which beside "Claim 4 of 5" read as a count of claims (trial G11).
    assert legend == ["Mostly true 4 on a scale of 1 to 5", "False 1 on a scale of 1 to 5"]


def test_the_legend_explains_each_verdict_on_the_page_once_best_first(client, desk):
    for quote, label in [
        (LISTENERS, "False"),
        (MEDIAN, "Unverifiable"),
        ("Twitter banned former US President Donald Trump", "True"),
        ("breaking the prior record", "True"),
        ("flagship project runs through the country", "Mostly true"),
    ]:
        publish(desk.article, desk.editor, desk.reviewer, quote, label)

    tree = page(client.get(article_url(desk.article)))

    best_first = ["True", "Mostly true", "False", "Unverifiable"]
    chips = select(tree, ".legend dt .chip")
    assert [chip.text_content() for chip in chips] == best_first
    descriptions = {label: description for label, *_, description in services.DEFAULT_SCALE}
    assert [dd.text_content() for dd in select(tree, ".legend dd")] == [
        descriptions[label] for label in best_first
    ]
    # Each legend chip wears the colour rule of the verdicts it explains.
    tags = {tag.get("class").split()[-1] for tag in select(tree, "#article-body a.tag")}
    assert {chip.get("class").split()[-1] for chip in chips} == tags


def test_a_recoloured_verdict_is_counted_once_in_the_summary_under_its_label(client, desk):
    """After "True" was recoloured, the summary read "3 claims checked: 2 True, 1 True"."""
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "True")
    scale = Rating.objects.get(scale__organization=desk.organization, label="True").scale
    entries = [
        {field: getattr(rating, field) for field in ("id", "label", "value", "colour")}
        | {"description": rating.description, "is_hidden": rating.is_hidden}
        for rating in scale.ratings.order_by("position")
    ]
    for entry in entries:
        if entry["label"] == "True":
            entry["colour"] = "#0969da"
    admin = factories.member(desk.organization, Membership.Role.ADMIN, username="admin-qx5")
    services.scale_update(scale=scale, actor=admin, ratings=entries)
    publish(desk.article, desk.editor, desk.reviewer, "breaking the prior record", "False")
    publish(desk.article, desk.editor, desk.reviewer, "flagship project runs through", "True")

    tree = page(client.get(article_url(desk.article)))

    summary = " ".join(select(tree, ".summary-line")[0].text_content().split())
    assert summary == "4 claims checked: 3 True, 1 False"
    # The chip wears the newest colour; the legend explains "True" once, in that colour,
    # with the earlier one beside it as a swatch (it listed "True" twice).
    chips = select(tree, ".summary-line .chip")
    assert chips[0].get("class").endswith("-0969da")
    [true] = [dt for dt in select(tree, ".legend dt") if "True" in dt.text_content()]
    classes = [c.get("class") for c in true.xpath(".//span[contains(@class, 'chip')]")]
    assert classes == [chips[0].get("class"), "chip swatch " + classes[1].split()[-1]]
    assert classes[1].endswith("-1a7f37")
    assert (
        " ".join(true.text_content().split())
        == "True also shown in an earlier colour 5 on a scale of 1 to 5"
    )


def test_a_pale_ratings_passages_keep_an_underline_that_shows_on_white():
    """A rating recoloured white drew white lines on a white page: passages looked unchecked."""
    assert reader.line_colour("#1a7f37") == "#1a7f37"  # dark enough already: unchanged
    for pale in ("#ffffff", "#fff8c4", "#ffeb3b"):
        line = reader.line_colour(pale)
        assert line != pale and contrast.ratio(line, "#ffffff") >= 3, pale
    css = reader.scale_css([SimpleNamespace(pk=7, colour="#ffffff")])
    assert css == ".r-7{--c:#ffffff;--t:#000000;--u:#808080;--ud:#ffffff}"


def test_a_dark_ratings_passages_keep_an_underline_that_shows_on_the_dark_page():
    """Readers whose device asks for dark pages get them: a black or navy rating would draw
    its underline unseen there."""
    from annotations import contrast

    assert reader.line_colour_on_dark("#ffeb3b") == "#ffeb3b"  # light enough already
    for dark in ("#000000", "#1f2328", "#0a3069", "#a40e26"):
        line = reader.line_colour_on_dark(dark)
        assert line != dark and contrast.ratio(line, contrast.DARK_PAPER) >= 3, dark
    css = reader.scale_css([SimpleNamespace(pk=7, colour="#000000")])
    assert css == ".r-7{--c:#000000;--t:#ffffff;--u:#000000;--ud:#666666}"


def test_the_claim_list_gives_everything_without_javascript(client, desk):
    claim = publish(
        desk.article,
        desk.editor,
        desk.reviewer,
        LISTENERS,
        "Mostly true",
        conclusion="Screenshots showed **about 164,000** listeners.",
    )

    tree = page(client.get(article_url(desk.article)))

    (entry,) = select(tree, ".claim-list > li")
    assert entry.get("id") == f"claim-{claim.pk}"
    assert select(entry, ".entry-verdict .chip")[0].text == "Mostly true"
    assert select(entry, ".entry-claim")[0].text == LISTENERS
    assert select(entry, ".conclusion strong")[0].text == "about 164,000"
    source = select(entry, ".sources li")[0]
    assert select(source, ".stance")[0].text == "Supports"
    assert select(source, "a")[0].get("href") == "https://example.org/record"
    assert "Claimed by Andrew Korybko" in entry.text_content()
    assert "by Deadline Desk" in entry.text_content()
    permalink = entry.xpath(".//a[contains(., 'Permalink')]")[0]
    assert permalink.get("href") == reverse("reader-claim", args=[claim.pk])
    assert entry.xpath(".//a[contains(., 'Back to the passage')]")[0].get("href") == (
        f"#tag-{claim.pk}"
    )


def test_overlapping_claims_are_cut_into_segments_that_know_all_their_claims(client, desk):
    """Numbered in the order their labels stand (where each claim ends): numbered by start,
    the nested claim's "Claim 2" came before "Claim 1", in reading and in tabbing."""
    outer = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    inner = publish(desk.article, desk.editor, desk.reviewer, "people listened in", "False")

    tree = page(client.get(article_url(desk.article)))

    segments = [
        (h.text_content(), h.get("data-claims"), "hl-multi" in h.get("class"))
        for h in select(tree, "#article-body a.hl")
    ]
    assert segments == [
        ("Over 160,000 ", f"{outer.pk}", False),
        ("people listened in", f"{inner.pk} {outer.pk}", True),
        (" at once", f"{outer.pk}", False),
    ]
    first_paragraph = select(tree, "#article-body p")[0].text_content()
    assert first_paragraph.startswith(
        "Over 160,000 people listened inClaim 1, rated False at onceClaim 2, rated Mostly true,"
    )


def fake_entry(claim_id, number, start, end):
    verdict = SimpleNamespace(pk=9, key="9-cf222e", label="False")
    version = SimpleNamespace(claim_id=claim_id, verdict=verdict, published_at=None)
    return reader.Entry(number=number, version=version, start=start, end=end)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        # one claim in the middle of a paragraph
        ([(1, 4, 7)], ["abc <1>def</1>[1] ghi", "jkl"]),
        # a claim to the end of a paragraph gets its tag inside that paragraph
        ([(1, 8, 11)], ["abc def <1>ghi</1>[1]", "jkl"]),
        # nested claims: the outer one goes on after the inner one's tag
        ([(1, 0, 11), (2, 4, 7)], ["<1>abc </1><1 2>def</1 2>[2]<1> ghi</1>[1]", "jkl"]),
        # a claim across the paragraph break is highlighted in both paragraphs
        ([(1, 8, 16)], ["abc def <1>ghi</1>", "<1>jkl</1>[1]"]),
        # claims ending at the same place: tags in claim order
        ([(1, 0, 3), (2, 0, 3)], ["<1 2>abc</1 2>[1][2] def ghi", "jkl"]),
    ],
)
def test_highlights_render_spans_as_segments_and_tags(spans, expected):
    text = "abc def ghi\n\njkl"
    entries = [fake_entry(claim_id, claim_id, start, end) for claim_id, start, end in spans]
    rendered = reader.highlighted_paragraphs(text, entries)

    def simplify(paragraph: str) -> str:
        paragraph = re.sub(
            r'<a class="tag[^"]*"[^>]*data-claims="(\d+)"[^>]*>.*?</a>', r"[\1]", paragraph
        )
        paragraph = re.sub(
            r'<a class="hl[^"]*"[^>]*data-claims="([\d ]+)"[^>]*>', r"<\1>", paragraph
        )
        paragraph = re.sub(r"<([\d ]+)>([^<]*)</a>", r"<\1>\2</\1>", paragraph)
        return paragraph.removeprefix('<p dir="auto">').removesuffix("</p>")

    assert [simplify(p) for p in rendered] == expected


@pytest.mark.parametrize(
    ("spans", "links"),
    [
        # the innermost claim's entry: the one that starts last, then ends first
        ([(1, 0, 11), (2, 4, 11), (3, 4, 7)], ["#claim-1", "#claim-3", "#claim-2"]),
        # claims on the very same words: the first in the list
        ([(1, 4, 7), (2, 4, 7)], ["#claim-1"]),
    ],
)
def test_a_segment_links_to_its_innermost_claim(spans, links):
    entries = [fake_entry(claim_id, claim_id, start, end) for claim_id, start, end in spans]

    rendered = "".join(reader.highlighted_paragraphs("abc def ghi\n\njkl", entries))

    assert re.findall(r'<a class="hl[^"]*" href="([^"]+)"', rendered) == links


def test_article_text_is_escaped(client, desk):
    article = services.article_create(
        organization=desk.organization,
        title="Markup <b>in</b> the title",
        text='He wrote <script>alert("x")</script> and <img src=x onerror=alert(1)> here.',
        created_by=desk.editor,
    )
    publish(article, desk.editor, desk.reviewer, "<script>alert", "False")

    response = client.get(article_url(article))

    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    assert b"<img src=x" not in response.content
    assert b"&lt;script&gt;alert" in response.content


def test_the_conclusion_is_sanitised_markdown(client, desk):
    publish(
        desk.article,
        desk.editor,
        desk.reviewer,
        LISTENERS,
        "True",
        conclusion='**Yes.** <img src=x onerror="alert(1)"> [link](javascript:alert(1))',
    )

    tree = page(client.get(article_url(desk.article)))

    (conclusion,) = select(tree, ".claim-list .conclusion")
    assert select(conclusion, "strong")[0].text == "Yes."
    assert select(conclusion, "img") == []
    assert conclusion.xpath(".//@onerror | .//a[starts-with(@href, 'javascript')]") == []


def test_a_conclusions_headings_fit_under_the_pages_own_and_images_are_links(client, desk):
    """ "## What we found" is a heading below the entry's and the claim page's own (it was
    stripped to bare text), and an image is a link to it, not an outside image."""
    claim = publish(
        desk.article, desk.editor, desk.reviewer, LISTENERS, "True",
        conclusion="## What we found\n\nThe count was lower.\n\n![chart](https://x.example/c.png)",
    )  # fmt: skip

    for url, selector in (
        (article_url(desk.article), ".claim-list .conclusion"),
        (reverse("reader-claim", args=[claim.pk]), ".conclusion"),
    ):
        (conclusion,) = select(page(client.get(url)), selector)
        assert [(e.tag, e.text) for e in conclusion] == [
            ("h3", "What we found"),
            ("p", "The count was lower."),
            ("p", None),
        ], url
        (link,) = conclusion[2]
        assert (link.tag, link.text, link.get("href")) == (
            "a",
            "Image: chart",
            "https://x.example/c.png",
        )
        assert not conclusion.findall(".//img")


# Nothing private


def test_nothing_but_published_versions_reaches_the_page(client, desk):
    """Drafts, claims in review, working copies and orphans leave no trace anywhere."""
    article = desk.article
    live = publish(article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    services.claim_create(
        article=article,
        creator=desk.editor,
        selectors=factories.quote_selectors(article.text, "Twitter banned"),
        claim_reviewed=f"draft {CANARY}",
        claimant=f"draft claimant {CANARY}",
    )
    in_review = services.claim_create(
        article=article,
        creator=desk.editor,
        selectors=factories.quote_selectors(article.text, "Korean pop group"),
        claim_reviewed=f"in review {CANARY}",
    )
    services.source_add(
        claim=in_review, actor=desk.editor, url=f"https://{CANARY}.example/", title=CANARY
    )
    services.claim_update(
        claim=in_review,
        actor=desk.editor,
        expected_version=None,
        rating=Rating.objects.get(scale__organization=desk.organization, label="False"),
        conclusion=f"review conclusion {CANARY}",
    )
    services.claim_transition(claim=in_review, actor=desk.editor, to_status="in_review")
    orphan = publish(
        article,
        desk.editor,
        desk.reviewer,
        "flagship project runs",
        "False",
        conclusion=f"orphan {CANARY}",
    )
    # A working-copy change to the live claim, not republished.
    services.claim_update(
        claim=live,
        actor=desk.editor,
        expected_version=None,
        conclusion=f"working copy {CANARY}",
        claimant=f"working claimant {CANARY}",
        tags=[CANARY],
    )
    services.source_add(
        claim=live, actor=desk.editor, url=f"https://{CANARY}.example/new", title=CANARY
    )
    # The orphan's words leave the article: its published version is hidden.
    services.article_update_text(
        article=article,
        actor=desk.editor,
        text=TEXT.replace("The Belt & Road Initiative’s flagship project runs", "A road runs"),
    )
    factories.text_shown_to_readers(article)
    assert not queries.published_claims().filter(claim=orphan).exists()

    pages = [client.get(article_url(article)), client.get(reverse("reader-claim", args=[live.pk]))]

    for response in pages:
        assert response.status_code == 200
        assert CANARY.encode() not in response.content
        for name in ("editor-qx5", "reviewer-qx5"):
            assert name.encode() not in response.content
    tree = page(pages[0])
    assert [e.get("id") for e in select(tree, ".claim-list > li")] == [f"claim-{live.pk}"]
    assert select(tree, ".claim-list .conclusion p")[0].text == "Checked."
    for claim in Claim.objects.exclude(pk=live.pk):
        response = client.get(reverse("reader-claim", args=[claim.pk]))
        assert response.status_code == 404, claim.claim_reviewed
        assert CANARY.encode() not in response.content


def test_a_claim_hidden_since_its_words_changed_says_so_and_shows_nothing_of_it(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    services.article_update_text(
        article=desk.article, actor=desk.editor, text=TEXT.replace(LISTENERS, "Many listened")
    )
    factories.text_shown_to_readers(desk.article)

    response = client.get(reverse("reader-claim", args=[claim.pk]))

    assert response.status_code == 404
    text = response.content.decode()
    assert "This fact-check is being checked again" in text
    assert '<meta name="robots" content="noindex">' in text
    assert reverse("reader-organization", args=[desk.article.organization.slug]) in text
    for shown in (LISTENERS, "Mostly true", "Checked."):
        assert shown not in text
    # A number never published stays a plain "not found".
    assert b"being checked again" not in client.get(reverse("reader-claim", args=[99999])).content


def test_an_article_page_says_how_many_of_its_verdicts_are_being_checked_again(client, desk):
    """An editor's text change hid a published verdict from the page at once, and the page
    said nothing: its summary counted one claim fewer, as if there had never been one."""
    publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")
    hidden = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url = article_url(desk.article)
    assert b"being checked again" not in client.get(url).content

    services.article_update_text(
        article=desk.article, actor=desk.editor, text=TEXT.replace(LISTENERS, "Many listened")
    )
    factories.text_shown_to_readers(desk.article)

    summary = " ".join(select(page(client.get(url)), ".summary")[0].text_content().split())
    assert summary.startswith("1 claim checked: 1 False ")
    assert (
        "1 fact-check of this article is being checked again: the article's words it rated "
        "changed after it was published, and its verdict returns once re-checked."
    ) in summary
    assert hidden.claim_reviewed not in summary and "Mostly true" not in summary


def test_an_article_whose_verdicts_are_all_hidden_since_its_words_changed_says_so(client, desk):
    """A reader following a shared link to the article used to get a bare "not found"."""
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url = article_url(desk.article)
    services.article_update_text(
        article=desk.article, actor=desk.editor, text=TEXT.replace(LISTENERS, "Many listened")
    )
    factories.text_shown_to_readers(desk.article)

    response = client.get(url)

    assert response.status_code == 404
    text = response.content.decode()
    assert "This article's fact-checks are being checked again" in text
    assert '<meta name="robots" content="noindex">' in text
    for shown in (LISTENERS, "Mostly true", "Checked.", claim.claim_reviewed):
        assert shown not in text
    # Another address of the organization stays a plain "not found".
    other = url.replace(desk.article.slug, "no-such-article")
    assert b"being checked again" not in client.get(other).content


def test_an_article_without_published_claims_is_not_found(client, desk):
    services.claim_create(
        article=desk.article,
        creator=desk.editor,
        selectors=factories.quote_selectors(desk.article.text, LISTENERS),
    )

    assert client.get(article_url(desk.article)).status_code == 404


def test_unknown_addresses_are_not_found(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    other = factories.OrganizationFactory(slug="other-desk")

    assert client.get(article_url(desk.article)).status_code == 200
    assert client.get(f"/a/{other.slug}/{desk.article.slug}/").status_code == 404
    assert client.get(f"/a/{desk.organization.slug}/no-such-article/").status_code == 404
    assert client.get(reverse("reader-claim", args=[claim.pk + 1000])).status_code == 404


def test_a_claim_never_published_has_no_page(client, desk):
    draft = services.claim_create(
        article=desk.article,
        creator=desk.editor,
        selectors=factories.quote_selectors(desk.article.text, LISTENERS),
    )

    assert client.get(reverse("reader-claim", args=[draft.pk])).status_code == 404


def test_the_page_does_not_say_who_published(client, desk):
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    desk.reviewer.first_name, desk.reviewer.last_name = "Rosalind", "Quexley"
    desk.reviewer.save()

    content = client.get(article_url(desk.article)).content

    assert b"Quexley" not in content and b"reviewer-qx5" not in content


# The claim page


def test_claim_page_has_exactly_one_claimreview_whose_url_is_the_page(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url = reverse("reader-claim", args=[claim.pk])

    response = client.get(url)

    tree = page(response)
    scripts = tree.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    review = json.loads(scripts[0].text)
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"http://testserver{url}"
    assert review["claimReviewed"] == LISTENERS
    assert review["reviewRating"]["alternateName"] == "Mostly true"
    assert tree.xpath('//link[@rel="canonical"]/@href') == [f"http://testserver{url}"]
    assert tree.xpath('//meta[@property="og:title"]/@content') == [
        f"Rated Mostly true: {LISTENERS}"
    ]
    assert tree.xpath('//meta[@name="twitter:card"]/@content') == ["summary"]
    assert select(tree, "h1")[0].text == LISTENERS
    assert select(tree, ".entry-verdict .chip")[0].text == "Mostly true"


def test_article_page_carries_no_claimreview_and_links_each_claim_page(client, desk):
    """Google reads one ClaimReview per page: the article page points to the claim pages."""
    claims = [
        publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True"),
        publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False"),
    ]

    tree = page(client.get(article_url(desk.article)))

    assert tree.xpath('//script[@type="application/ld+json"]') == []
    links = tree.xpath("//a[contains(., 'Permalink')]/@href")
    assert links == [reverse("reader-claim", args=[c.pk]) for c in claims]
    description = tree.xpath('//meta[@name="description"]/@content')[0]
    assert description.startswith("2 claims checked: 1 True, 1 False")
    assert tree.xpath('//meta[@property="og:description"]/@content') == [description]
    assert tree.xpath('//link[@rel="canonical"]/@href') == [
        f"http://testserver{article_url(desk.article)}"
    ]


def test_json_ld_cannot_close_its_script_element(client, desk):
    claim = publish(
        desk.article,
        desk.editor,
        desk.reviewer,
        LISTENERS,
        "True",
        claimant="</script><script>alert(1)</script>",
    )

    response = client.get(reverse("reader-claim", args=[claim.pk]))

    assert b"<script>alert(1)" not in response.content
    tree = page(response)
    review = json.loads(tree.xpath('//script[@type="application/ld+json"]')[0].text)
    assert review["itemReviewed"]["author"]["name"] == "</script><script>alert(1)</script>"


def test_a_retracted_claim_page_says_so_with_the_note(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    services.claim_transition(
        claim=claim,
        actor=desk.reviewer,
        to_status=Claim.Status.RETRACTED,
        note="the screenshots were edited",
    )
    publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")

    response = client.get(reverse("reader-claim", args=[claim.pk]))

    assert response.status_code == 200
    tree = page(response)
    notice = select(tree, ".retraction")[0].text_content()
    assert "This fact-check was retracted" in notice
    assert "because the screenshots were edited" in notice
    assert tree.xpath('//script[@type="application/ld+json"]') == []
    # The reader who follows the article link lands on this claim's retraction notice.
    link = select(tree, "figcaption cite a")[0].get("href")
    assert link == f"{article_url(desk.article)}#claim-{claim.pk}"
    article_tree = page(client.get(article_url(desk.article)))
    notice = article_tree.get_element_by_id(f"claim-{claim.pk}")
    assert notice.getparent().getparent().get("class") == "retracted"
    assert [e.get("id") for e in select(article_tree, ".claim-list > li")] != [f"claim-{claim.pk}"]
    # The summary at the top says a verdict was withdrawn, beside the one that stands: the
    # passage only lost its highlight, and the notice was at the foot of the page.
    summary = " ".join(select(article_tree, ".summary")[0].text_content().split())
    assert summary.startswith("1 claim checked: 1 False ")
    assert (
        "1 fact-check of this article was retracted: its verdict is no longer shown on the text."
    ) in summary
    assert select(article_tree, ".summary .retracted-note a")[0].get("href") == "#retracted-title"
    # One line, the note as its reason: "…: retracted on 6 Dec 2026. the screenshots …"
    # read as a sentence of its own starting in lower case.
    entry = " ".join(notice.text_content().split())
    assert entry == (
        f"{claim.claim_reviewed} (retracted on {versions.day(timezone.localtime())} because the "
        "screenshots were edited)"
    )


def test_a_correction_appears_only_once_republished_with_its_note(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    services.claim_update(
        claim=claim,
        actor=desk.editor,
        expected_version=None,
        rating=Rating.objects.get(scale__organization=desk.organization, label="Half true"),
    )
    before = page(client.get(article_url(desk.article)))
    assert select(before, ".claim-list .chip")[0].text == "Mostly true"
    assert select(before, ".corrections") == []

    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=desk.editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim,
        actor=desk.reviewer,
        to_status=Claim.Status.PUBLISHED,
        note="the organisers' own count was lower",
    )

    after = page(client.get(article_url(desk.article)))
    assert select(after, ".claim-list .chip")[0].text == "Half true"
    (correction,) = select(after, ".corrections li")
    assert "rating changed from Mostly true to Half true" in correction.text_content()
    assert "because the organisers' own count was lower" in correction.text_content()
    footer = select(after, ".entry-footer")[0]
    assert "Updated" in footer.text_content()
    first, latest = PublishedVersion.objects.filter(claim=claim).order_by("number")
    assert [time.get("datetime") for time in footer.xpath(".//time")] == [
        timezone.localtime(first.published_at).isoformat(),
        timezone.localtime(latest.published_at).isoformat(),
    ]
    claim_page = page(client.get(reverse("reader-claim", args=[claim.pk])))
    assert len(select(claim_page, ".history .versions li")) == 2


def test_a_reader_told_the_conclusion_was_revised_can_read_the_one_before(client, desk):
    """The history said "conclusion revised" and nothing more (trial G11)."""
    claim = publish(
        desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true",
        conclusion="The *first* count was 160,000 <script>alert(1)</script>.",
    )  # fmt: skip

    def republish(note, **changes):
        claim.refresh_from_db()
        services.claim_update(claim=claim, actor=desk.editor, expected_version=None, **changes)
        services.claim_transition(claim=claim, actor=desk.editor, to_status=Claim.Status.IN_REVIEW)
        services.claim_transition(
            claim=claim, actor=desk.reviewer, to_status=Claim.Status.PUBLISHED, note=note
        )

    republish("the organisers recounted", conclusion="The recount found 150,000.")
    republish("a typo", claimant="Andrew  Korybko.")

    claim_page = page(client.get(reverse("reader-claim", args=[claim.pk])))
    entries = select(claim_page, ".history .versions > li")
    assert len(entries) == 3
    # Under the version its successor replaced the conclusion of, and only there.
    [earlier] = select(entries[0], "details.earlier-conclusion")
    assert [len(select(entry, "details")) for entry in entries[1:]] == [0, 0]
    assert earlier.xpath("string(summary)") == "The conclusion as published then"
    shown = earlier.xpath("div[@class='conclusion']")[0]
    # Markdown rendered, and the tag shown as the words typed, never run.
    assert shown.text_content().strip() == "The first count was 160,000 <script>alert(1)</script>."
    assert select(shown, "em")[0].text == "first" and select(shown, "script") == []
    assert (
        "The recount found 150,000."
        in select(claim_page, "article > .conclusion")[0].text_content()
    )


def test_versions_on_an_earlier_revision_are_listed_but_not_highlighted(client, desk, settings):
    """While a large article is re-anchored in the background, its versions index old text
    (in a newsroom without the two-person rule, whose new text readers see at once)."""
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    Organization.objects.filter(pk=desk.article.organization_id).update(
        requires_two_person_review=False
    )
    desk.article.organization.refresh_from_db()
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 0
    report = services.article_update_text(
        article=desk.article, actor=desk.editor, text="New first paragraph.\n\n" + TEXT
    )
    assert report.deferred

    tree = page(client.get(article_url(desk.article)))

    assert select(tree, "#article-body a.hl") == []
    assert [e.get("id") for e in select(tree, ".claim-list > li")] == [f"claim-{claim.pk}"]
    assert select(tree, f'a[href="#tag-{claim.pk}"]') == []


# Right to left


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ur", ("ur", "rtl")),
        ("ar-EG", ("ar-EG", "rtl")),
        ("fa", ("fa", "rtl")),
        ("he", ("he", "rtl")),
        ("pa-Arab", ("pa-Arab", "rtl")),
        ("az-Latn", ("az-Latn", "ltr")),
        ("en", ("en", "ltr")),
        ("", ("en", "ltr")),
        ("English (UK)", ("en", "ltr")),
    ],
)
def test_text_language_and_direction_come_from_the_article(language, expected):
    assert reader.text_language(language) == expected


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Andrew Korybko", "Andrew Korybko"),
        ("By\u00a0Andrew Korybko", "Andrew Korybko"),
        ("by the desk", "the desk"),
        ("Byron Sharp", "Byron Sharp"),
        ("", ""),
    ],
)
def test_a_byline_is_the_name_without_its_by(stored, shown):
    """The page writes its own "By" before the name, so a stored one is not said twice."""
    assert reader.byline(stored) == shown


def test_an_urdu_article_renders_right_to_left(client, desk):
    text = "عمران خان کے ٹوئٹر اسپیسز سیشن میں ایک لاکھ ساٹھ ہزار لوگ شریک ہوئے۔\n\nدوسرا پیراگراف۔"  # noqa: RUF001
    article = services.article_create(
        organization=desk.organization,
        title="ٹوئٹر اسپیسز",
        text=text,
        created_by=desk.editor,
        language="ur",
    )
    publish(article, desk.editor, desk.reviewer, "ایک لاکھ ساٹھ ہزار لوگ", "False")

    response = client.get(reverse("reader-article", args=[desk.organization.slug, article.slug]))

    tree = page(response)
    body = select(tree, "#article-body")[0]
    assert body.get("lang") == "ur" and body.get("dir") == "rtl"
    assert select(tree, "#article-body a.hl")[0].text_content() == "ایک لاکھ ساٹھ ہزار لوگ"


def test_each_paragraph_takes_the_direction_of_its_own_words(client, desk):
    """An Arabic quotation in an English article keeps its full stop and label in place."""
    text = "The minister spoke on Sunday.\n\nقال الوزير إن التضخم بلغ ٤٪ في مارس.\n\nEnd."  # noqa: RUF001
    article = services.article_create(
        organization=desk.organization, title="Mixed", text=text, created_by=desk.editor
    )
    publish(article, desk.editor, desk.reviewer, "The minister spoke on Sunday", "False")

    tree = page(client.get(article_url(article)))

    paragraphs = select(tree, "#article-body > p")
    assert len(paragraphs) == 3
    assert {p.get("dir") for p in paragraphs} == {"auto"}


def test_an_arabic_articles_own_words_carry_its_language_and_the_page_stays_english(client, desk):
    """The interface's words keep English and left to right around an Arabic article; the
    title, byline name, body and quoted passage each say they are Arabic, right to left."""
    text = "قال رئيس الوزراء إن أكثر من 160 ألف شخص استمعوا.\n\nفقرة ثانية."
    article = services.article_create(
        organization=desk.organization, title="جلسة تويتر", text=text, created_by=desk.editor,
        language="ar", byline="By محرر",
    )  # fmt: skip
    claim = publish(article, desk.editor, desk.reviewer, "أكثر من 160 ألف شخص", "True")

    tree = page(client.get(article_url(article)))
    assert (tree.get("lang"), tree.get("dir")) == ("en-us", "ltr")
    title = select(tree, "h1#article-title")[0]
    assert (title.get("lang"), title.get("dir")) == ("ar", "rtl")
    body = select(tree, "#article-body")[0]
    assert (body.get("lang"), body.get("dir")) == ("ar", "rtl")
    name = tree.xpath("//p[@class='article-meta']//bdi")[0]
    assert name.text == "محرر" and name.get("lang") == "ar"
    assert name.getparent().text == "By "
    # The interface's words are outside every Arabic element.
    summary = select(tree, ".summary")[0]
    assert not summary.xpath("ancestor-or-self::*[@lang='ar' or @dir='rtl']")

    claim_page = page(client.get(reverse("reader-claim", args=[claim.pk])))
    assert (claim_page.get("lang"), claim_page.get("dir")) == ("en-us", "ltr")
    quote = select(claim_page, ".quote blockquote")[0]
    assert (quote.get("lang"), quote.get("dir")) == ("ar", "rtl")
    assert select(claim_page, "h1#claim-title")[0].get("dir") == "auto"


def _isolated(element, stop) -> bool:
    """Whether `element` takes its own direction (`dir` or `<bdi>`) below `stop`."""
    while element is not None and element is not stop:
        if element.tag == "bdi" or element.get("dir"):
            return True
        element = element.getparent()
    return False


def test_newsroom_text_in_another_direction_than_the_article_is_isolated(client, desk):
    """A Hebrew article's English claim, claimant, conclusion and source keep their order."""
    text = "הנוסחה =HYPERLINK של הגיליון הופיעה בכתבה.\n\nפסקה שנייה."  # noqa: RUF001
    article = services.article_create(
        organization=desk.organization, title="גיליון", text=text, created_by=desk.editor,
        language="he",
    )  # fmt: skip
    claim = publish(
        article, desk.editor, desk.reviewer, "=HYPERLINK", "False",
        claim_reviewed='=HYPERLINK("http://x.example", "y")', claimant="Excel User",
        conclusion="The formula **runs** on open.",
    )  # fmt: skip

    tree = page(client.get(article_url(article)))
    assert select(tree, "#article-body")[0].get("dir") == "rtl"
    entry = select(tree, f"li#claim-{claim.pk}")[0]
    title = select(entry, ".entry-claim")[0]
    assert title.text_content() == '=HYPERLINK("http://x.example", "y")'
    assert title.get("dir") == "auto"
    assert select(entry, ".conclusion")[0].get("dir") == "auto"
    claimant = entry.xpath(".//*[text()='Excel User']")[0]
    source = entry.xpath(".//*[text()='The record']")[0]
    publisher = entry.xpath(f".//*[text()='{desk.organization.name}']")[0]
    for element in (claimant, source, publisher):
        assert _isolated(element, entry), element.text

    claim_page = page(client.get(reverse("reader-claim", args=[claim.pk])))
    assert select(claim_page, "h1#claim-title")[0].get("dir") == "auto"
    assert select(claim_page, ".conclusion")[0].get("dir") == "auto"
    body = select(claim_page, "article")[0]
    for name in ("Excel User", "The record"):
        assert _isolated(body.xpath(f".//*[text()='{name}']")[0], body), name


# Headers and caching


def test_pages_send_security_headers_and_allow_the_colour_rules_by_hash(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    once_this_second_is_over()

    for url in (article_url(desk.article), reverse("reader-claim", args=[claim.pk])):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
        )
        assert directives["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp and "nonce-" not in csp
        style = page(response).xpath("//style")[0].text
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert directives["style-src"] == ["'self'", f"'sha256-{digest}'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
        assert response["ETag"].startswith('W/"')
        assert response["Last-Modified"]
        assert "Set-Cookie" not in response.headers
        tree = page(response)
        assert tree.xpath("//script[not(@src) and not(@type='application/ld+json')]") == []
        assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
        assert tree.xpath("//@style") == []


def test_signed_in_readers_see_the_page_but_it_is_not_cached_for_others(client, desk):
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    client.force_login(desk.editor)

    response = client.get(article_url(desk.article))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "max-age" not in response["Cache-Control"], "no mixed signals to caches"
    assert b"editor-qx5" not in response.content


def test_an_unchanged_page_answers_304_and_a_republished_claim_changes_it(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url = article_url(desk.article)
    once_this_second_is_over()
    first = client.get(url)
    etag = first["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # No policy of its own: the browser keeps the page's, which allows its colour rules.
    assert "Content-Security-Policy" in first and "Content-Security-Policy" not in again
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304

    # A working-copy edit changes nothing readers see.
    services.claim_update(claim=claim, actor=desk.editor, expected_version=None, conclusion="New")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    republish(
        claim,
        desk.editor,
        desk.reviewer,
        "the count was checked again",
        rating=Rating.objects.get(scale__organization=desk.organization, label="True"),
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_claim_page_answers_304_until_its_claim_changes(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url = reverse("reader-claim", args=[claim.pk])
    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.claim_transition(
        claim=claim, actor=desk.reviewer, to_status=Claim.Status.RETRACTED, note="wrong count"
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_article_text_change_changes_the_etag(client, desk):
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    url = article_url(desk.article)
    etag = client.get(url)["ETag"]

    services.article_update_text(article=desk.article, actor=desk.editor, text=TEXT + " More.")
    factories.text_shown_to_readers(desk.article)

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_working_copy_edit_of_the_article_leaves_the_pages_validators(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    # The article's pages, and every public list its claim is in: the newsroom's page,
    # the front page and the ClaimReview feed (whole and filtered).
    pages = [
        article_url(desk.article),
        reverse("reader-claim", args=[claim.pk]),
        reverse("reader-organization", args=[desk.article.organization.slug]),
        reverse("article-list"),
        reverse("v1:claimreview-feed"),
        reverse("v1:claimreview-feed") + f"?organization={desk.article.organization.slug}",
    ]
    once_this_second_is_over()
    before = [client.get(url) for url in pages]

    # Readers see the title as published until a reviewer republishes; neither the ETag
    # nor the Last-Modified date may give away when the newsroom edited it.
    services.article_update_details(
        article=desk.article, actor=desk.editor, title="A working title"
    )
    # As if the edit were made two hours later (the clock is not faked here).
    Article.objects.filter(pk=desk.article.pk).update(
        updated_at=timezone.now() + timedelta(hours=2)
    )
    after = [client.get(url) for url in pages]

    for url, old, new in zip(pages, before, after, strict=True):
        body = b"".join(new.streaming_content) if new.streaming else new.content
        assert b"A working title" not in body, url
        assert (new["ETag"], new["Last-Modified"]) == (old["ETag"], old["Last-Modified"]), url


def test_the_page_names_claim_pages_under_the_sites_prefix(client, desk):
    """The script builds links to claim pages it does not show from this address, so a site
    served under a prefix links inside it."""
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    url = article_url(desk.article)
    plain = client.get(url).content.decode()
    assert 'data-claim-page="/c/918273645/"' in plain

    # What the WSGI handler does for a site mounted at /checks/ (the test client does not).
    set_script_prefix("/checks/")
    try:
        prefixed = client.get(url).content.decode()
    finally:
        set_script_prefix("/")
    assert 'data-claim-page="/checks/c/918273645/"' in prefixed


def test_pages_answer_head_and_refuse_post(client, desk):
    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")

    assert client.head(article_url(desk.article)).status_code == 200
    assert client.post(article_url(desk.article)).status_code == 405
    assert client.post(reverse("reader-claim", args=[claim.pk])).status_code == 405


def test_queries_do_not_grow_with_the_number_of_claims(client, desk):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(article_url(desk.article))
        assert response.status_code == 200
        return len(captured)

    claim = publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    republish(claim, desk.editor, desk.reviewer, "re-rated", conclusion="Again.")
    few = count_queries()
    for quote, label in (
        (MEDIAN, "False"),
        ("Twitter banned former US President", "Misleading"),
        ("Korean pop group", "Unverifiable"),
        ("flagship project", "Half true"),
    ):
        publish(desk.article, desk.editor, desk.reviewer, quote, label)

    assert len(select(page(client.get(article_url(desk.article))), ".claim-list > li")) == 5
    assert count_queries() == few
    assert few <= 8  # one of them finds the sources' archived copies


def test_published_version_rows_stay_the_source(desk):
    """The page's claims are exactly `queries.published_claims()` for the article."""
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")

    shown = queries.article_published_claims(desk.article)

    assert [v.id for v in shown] == list(
        queries.published_claims()
        .filter(claim__article=desk.article)
        .order_by("start")
        .values_list("pk", flat=True)
    )


def test_an_unchanged_page_is_answered_from_three_queries_without_being_made(client, desk):
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")
    url = article_url(desk.article)
    etag = client.get(url)["ETag"]

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert len(captured) == 3  # the article, its versions' stamp and the scale


def test_a_version_freezes_its_conclusion_as_sanitised_html(client, desk):
    """Rendered once when published: a later edit of the working copy changes nothing."""
    claim = publish(
        desk.article, desk.editor, desk.reviewer, LISTENERS, "True", conclusion="First *words*."
    )
    services.claim_update(
        claim=claim, actor=desk.editor, expected_version=None, conclusion="Second **words**."
    )

    version = PublishedVersion.objects.get(claim=claim, is_current=True)
    (conclusion,) = select(page(client.get(article_url(desk.article))), ".claim-list .conclusion")

    assert version.conclusion_html == "<p>First <em>words</em>.</p>\n"
    assert select(conclusion, "em")[0].text == "words"
    assert select(conclusion, "strong") == []


def test_every_text_in_the_claim_list_is_escaped(client, desk):
    markup = '<b id="injected">x</b>'
    publish(
        desk.article,
        desk.editor,
        desk.reviewer,
        LISTENERS,
        "True",
        claimant=f"Claimant {markup}",
        claim_reviewed=f"Wording {markup}",
        source_url='https://example.org/?a=1&b="2"',
    )
    desk.organization.name = f"Desk {markup}"
    desk.organization.save()

    response = client.get(article_url(desk.article))

    tree = page(response)
    assert tree.xpath("//*[@id='injected']") == []
    (entry,) = select(tree, ".claim-list > li")
    assert select(entry, ".entry-claim")[0].text == f"Wording {markup}"
    assert f"Claimed by Claimant {markup}" in entry.text_content()
    assert f"by Desk {markup}" in entry.text_content()
    assert select(entry, ".sources a")[0].get("href") == 'https://example.org/?a=1&b="2"'


def test_pages_are_made_without_the_cache_when_it_is_down(client, desk, settings):
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "True")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    response = client.get(article_url(desk.article))

    assert response.status_code == 200
    assert select(page(response), "#article-body a.hl")[0].text_content() == LISTENERS


@pytest.mark.parametrize(
    ("context", "keep_end", "shown"),
    [
        ("me Minister Imran Khan, who was ", True, "…Minister Imran Khan, who was "),
        (" that he blamed on a US-orchestr", False, " that he blamed on a…"),
        ("Short start ", True, "Short start "),
        (" short end.", False, " short end."),
    ],
)
def test_quote_context_is_cut_back_to_whole_words(context, keep_end, shown):
    assert reader._whole_words(context, keep_end=keep_end) == shown


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Multi-script test मल्टी 多言語", "multi-script-test-मल्टी-多言語"),
        ("อัตราการว่างงานของไทย ต่ำที่สุด", "อัตราการว่างงานของไทย-ต่ำที่สุด"),
        ("Café: déjà vu?", "café-déjà-vu"),
        ("Don't panic — 160,000 listened!", "dont-panic-160000-listened"),
        ("🎉 !!!", "article"),
        # An emoji's variation selector or keycap mark is no letter's mark: left out.
        ("⚠️ Warning: fake cure", "warning-fake-cure"),
        ("Top 1️⃣0️⃣ myths", "top-10-myths"),
        ("⚠️", "article"),
        ("Unemployment fell to 4.2%", "unemployment-fell-to-4-2"),
        # Compatibility forms as plain ones, as Django's slugify made them; Turkish İ as i.
        ("\uff12\uff10\uff12\uff14年 CO₂ İstanbul", "2024年-co2-istanbul"),
        # An import without a title is titled with its address or file name: the address
        # is made of their words, not "http1270018190zhhtml".
        ("http://127.0.0.1:8190/zh.html", "zh"),
        ("https://www.news.example/2022/03/Median_Age/index.html", "median-age"),
        ("https://www.news.example/", "news-example"),
        ("spaces-record.docx", "spaces-record"),
        ("Notes on the .NET budget", "notes-on-the-net-budget"),
        # Cut after a whole word, and never between a letter and its vowel sign.
        (" ".join(["बेरोज़गारी"] * 15), "-".join(["बेरोज़गारी"] * 9)),
        ("x" + "कि" * 60, "x" + "कि" * 49),
        ("k" * 97 + "क्षा" + "क" * 10, "k" * 97),  # not after the virama of "क्ष"
        ("ก" * 99 + "เที่ยว", "ก" * 99),  # not after "เ", written before its consonant
        ("Annual report 2024.txt", "annual-report-2024"),
        ("budget.2024_final.docx", "budget-2024-final"),
    ],
)
def test_a_reader_page_address_keeps_every_letter_of_the_title_whole(
    client, organization, editor, reviewer, title, slug
):
    """Hindi vowel signs and Thai tone marks were dropped from the address, which turned
    its words into other words, or nonsense, for the readers a link is shared with."""
    article = factories.article(organization, editor, title=title)
    publish(article, editor, reviewer, "the median age is only 22.8 years", "True")

    article.refresh_from_db()
    article.full_clean()
    page = client.get(reverse("reader-article", args=[organization.slug, article.slug]))

    assert article.slug == slug
    assert page.status_code == 200


def test_the_admin_saves_an_article_whose_address_keeps_its_vowel_signs(
    client, organization, editor
):
    """Django's form slug field refused the marks the address keeps: such an article could
    not be saved in the admin at all."""
    from annotations.models import Article

    article = factories.article(organization, editor, title="बेरोज़गारी घटी")
    field = Article._meta.get_field("slug").formfield()

    assert field.clean(article.slug) == article.slug == "बेरोज़गारी-घटी"


def _revised_note(response) -> str:
    notes = select(page(response), ".revised-note")
    return " ".join(notes[0].text_content().split()) if notes else ""


def test_text_changed_around_published_verdicts_is_told_on_the_page_and_permalinks(client, desk):
    """Trial G11: one editor wrote "It is false that" before a rated sentence, and readers saw
    the verdict on the new text at once, with no word that anything had changed."""
    median = publish(desk.article, desk.editor, desk.reviewer, MEDIAN, "False")
    publish(desk.article, desk.editor, desk.reviewer, LISTENERS, "Mostly true")
    url, permalink = article_url(desk.article), reverse("reader-claim", args=[median.pk])
    assert _revised_note(client.get(url)) == _revised_note(client.get(permalink)) == ""

    services.article_update_text(
        article=desk.article,
        actor=desk.editor,
        text=TEXT.replace(MEDIAN, "It is false that " + MEDIAN),
    )
    factories.text_shown_to_readers(desk.article)

    revision = desk.article.revisions.latest("number")
    day = dateformat.format(timezone.localtime(revision.created_at), "j M Y")
    edited = f"The article's text was edited by {desk.article.organization.name} on {day}"
    rest = "unchanged, but the text around them is not the text that was checked."
    assert _revised_note(client.get(url)) == (
        f"{edited}, after these 2 fact-checks were published: the words they rate are {rest}"
    )
    assert _revised_note(client.get(permalink)) == (
        f"{edited}, after this fact-check was published: the words it rates are {rest}"
    )
    # The publisher's own page taken again says so instead.
    services.article_update_text(
        article=desk.article, actor=desk.editor, text=TEXT, reason=ArticleRevision.REIMPORTED
    )
    factories.text_shown_to_readers(desk.article)
    assert _revised_note(client.get(url)).startswith(
        f"The article's text was updated from the publisher's page on {day}, after these 2"
    )
