"""Editors' Markdown as the pages show it: headings under the page's own, nothing unsafe."""

import pytest

from annotations.rendering import markdown_to_safe_html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            "## What we found\n\nThe count was lower.",
            "<h3>What we found</h3>\n<p>The count was lower.</p>\n",
        ),
        ("# Verdict\n\n## Why", "<h3>Verdict</h3>\n<h4>Why</h4>\n"),
        ("# A\n\n## B\n\n### C", "<h3>A</h3>\n<h4>B</h4>\n<h5>C</h5>\n"),
        ("Verdict\n=======\n\nSetext too.", "<h3>Verdict</h3>\n<p>Setext too.</p>\n"),
        ("### Already fits\n\n#### Below it", "<h3>Already fits</h3>\n<h4>Below it</h4>\n"),
        ("#### Lower still", "<h4>Lower still</h4>\n"),
        ("# One\n\n###### Six", "<h3>One</h3>\n<h6>Six</h6>\n"),
    ],
)
def test_headings_start_below_the_pages_own_h1_and_h2_keeping_their_order(markdown, html):
    assert markdown_to_safe_html(markdown) == html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            "Before.\n\n![chart of listeners](https://x.example/c.png)\n\nAfter.",
            '<p>Before.</p>\n<p><a href="https://x.example/c.png" rel="noopener noreferrer '
            'nofollow">Image: chart of listeners</a></p>\n<p>After.</p>\n',
        ),
        (
            "See ![](https://x.example/figures/c.png) here.",
            '<p>See <a href="https://x.example/figures/c.png" rel="noopener noreferrer '
            'nofollow">Image: c.png</a> here.</p>\n',
        ),
        # A linked image names its link: no link inside a link, which would empty it.
        (
            "[![census logo](https://x.example/logo.png)](https://census.example/)",
            '<p><a href="https://census.example/" rel="noopener noreferrer nofollow">'
            "Image: census logo</a></p>\n",
        ),
        # A script address is no image: the parser leaves it as the text typed.
        ("![x](javascript:alert(1))", "<p>![x](javascript:alert(1))</p>\n"),
        ('![a "quoted" <b>name</b>](https://x.example/a.png)', None),
    ],
)
def test_an_image_becomes_a_link_to_it_named_by_its_description(markdown, html):
    rendered = markdown_to_safe_html(markdown)
    assert "<img" not in rendered
    if html is not None:
        assert rendered == html
    else:
        assert "<b>" not in rendered and "Image: a" in rendered


def test_a_heading_holds_no_markup_the_sanitiser_forbids():
    html = markdown_to_safe_html("## <script>alert(1)</script> [x](javascript:alert(1))")
    assert html.startswith("<h3>") and "<script" not in html and "href" not in html


@pytest.mark.parametrize(
    "address",
    [
        "java&#x09;script:alert(9)",
        "%6Aavascript:alert(9)",
        "\\javascript:alert(9)",
        "//evil.example/",
        "/reports/budget",
        "#method",
    ],
)
def test_a_link_that_is_no_whole_address_keeps_its_words_and_loses_its_target(address):
    """Such links became relative addresses: another broken page on each surface showing
    the conclusion (the reader page, a publisher's page, an API client)."""
    html = markdown_to_safe_html(f"See [the record]({address}).")
    assert html.strip() == '<p>See <a rel="noopener noreferrer nofollow">the record</a>.</p>'


def test_whole_addresses_stay_links_and_a_methodology_may_link_by_path():
    html = markdown_to_safe_html("[a](https://example.org/x) [b](mailto:desk@example.org)")
    assert 'href="https://example.org/x"' in html and 'href="mailto:desk@example.org"' in html
    own = markdown_to_safe_html("[corrections](/o/desk/corrections/)", relative_links=True)
    assert 'href="/o/desk/corrections/"' in own
