"""Faithful imports: headings, lists, quotes and table rows kept beside the plain text, the
title not repeated in the body, and dates taken only from metadata."""

import io
import textwrap
from datetime import date

import docx
import lxml.html
import pytest
from django.urls import reverse

from annotations import reader, services
from annotations.ingest import extract, htmlpage
from annotations.ingest import structure as blocks
from annotations.ingest.structure import Block
from annotations.models import Article
from tests import factories

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Budget claims checked</title>
{head}</head><body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<article><h1>Budget claims checked</h1>
<p>The minister said spending on schools rose by twelve percent last year, a figure
repeated in several interviews this week.</p>
<h2>What the numbers show</h2>
<p>The treasury's own tables show a rise of four percent in real terms, after inflation
is taken into account for the period.</p>
<ul><li>Schools: four percent more in real terms.</li>
<li>Hospitals: two percent more in real terms.</li></ul>
<blockquote><p>We have never spent more on education than today, said the minister.</p></blockquote>
<table><tr><th>Year</th><th>Spending</th></tr><tr><td>2024</td><td>100</td></tr></table>
<p>That statement is true in cash terms but misleading once prices are considered by any
serious measure.</p>
</article>
<footer><p>Copyright 2026 Example News. All rights reserved.</p></footer></body></html>"""


def kinds(result) -> list[tuple[str, str, int]]:
    """(kind, text, level) of every non-paragraph block, read back through the offsets."""
    return [(b["kind"], result.text[b["start"] : b["end"]], b["level"]) for b in result.structure]


def test_html_keeps_headings_lists_quotes_and_table_rows_beside_plain_text():
    result = extract(PAGE.format(head="").encode(), filename="page.html")
    assert kinds(result) == [
        ("heading", "What the numbers show", 2),
        ("list_item", "Schools: four percent more in real terms.", 1),
        ("list_item", "Hospitals: two percent more in real terms.", 1),
        ("quote", "We have never spent more on education than today, said the minister.", 0),
        ("table_row", "Year | Spending", 0),
        ("table_row", "2024 | 100", 0),
    ]
    # The canonical text stays plain: no markup, paragraphs separated by blank lines.
    assert "<" not in result.text and "#" not in result.text
    assert result.text.count("\n\n") == 8


def test_html_headline_is_the_title_and_not_the_first_paragraph():
    result = extract(PAGE.format(head="").encode(), filename="page.html")
    assert result.title == "Budget claims checked"
    assert result.paragraphs[0].startswith("The minister said")
    assert "Budget claims checked" not in result.text


def test_page_whose_only_date_is_a_copyright_year_gets_no_date():
    result = extract(PAGE.format(head="").encode(), filename="page.html")
    assert result.published is None


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2025-03-04T08:00:00Z">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2025-03-04"}</script>',
    ],
)
def test_page_date_comes_from_its_metadata(head):
    result = extract(PAGE.format(head=head).encode(), filename="page.html")
    assert result.published == date(2025, 3, 4)


def test_markdown_keeps_its_structure_and_drops_the_title_heading():
    source = textwrap.dedent(
        """\
        # Budget claims checked

        Intro paragraph.

        ## What the numbers show

        - first item
          - nested item

        > A quoted paragraph.

        | Year | Spending |
        |------|----------|
        | 2024 | 100 |

        ```
        code line
        ```
        """
    )
    result = extract(source.encode(), filename="notes.md")
    assert result.title == "Budget claims checked"
    assert result.paragraphs[0] == "Intro paragraph."
    assert kinds(result) == [
        ("heading", "What the numbers show", 2),
        ("list_item", "first item", 1),
        ("list_item", "nested item", 2),
        ("quote", "A quoted paragraph.", 0),
        ("table_row", "Year | Spending", 0),
        ("table_row", "2024 | 100", 0),
        ("preformatted", "code line", 0),
    ]


def make_structured_docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = "Budget claims checked"
    document.add_heading("Budget claims checked", level=1)
    document.add_paragraph("Intro paragraph.")
    document.add_heading("What the numbers show", level=2)
    document.add_paragraph("Schools rose.", style="List Bullet")
    document.add_paragraph("Hospitals rose.", style="List Bullet 2")
    document.add_paragraph("We never spent more.", style="Quote")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "2024"
    table.cell(0, 1).text = "100"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_keeps_heading_list_quote_and_table_styles():
    result = extract(make_structured_docx(), filename="report.docx")
    assert result.title == "Budget claims checked"
    assert result.paragraphs[0] == "Intro paragraph."
    assert kinds(result) == [
        ("heading", "What the numbers show", 2),
        ("list_item", "Schools rose.", 1),
        ("list_item", "Hospitals rose.", 2),
        ("quote", "We never spent more.", 0),
        ("table_row", "2024 | 100", 0),
    ]


def test_plain_text_has_no_structure():
    result = extract(b"Title line\n\nFirst paragraph here.\n\nSecond one.", filename="a.txt")
    assert result.structure == []


def test_uploaded_docx_stores_its_structure_on_the_article(editor_client):
    upload = io.BytesIO(make_structured_docx())
    upload.name = "report.docx"
    response = editor_client.post(reverse("v1:api-article-list"), {"file": upload})
    assert response.status_code == 201, response.content
    article = Article.objects.get(pk=response.json()["id"])
    assert article.title == "Budget claims checked"
    assert [(b["kind"], article.text[b["start"] : b["end"]]) for b in article.structure][:2] == [
        ("heading", "What the numbers show"),
        ("list_item", "Schools rose."),
    ]


# The pure functions


def test_assemble_gives_code_point_offsets_for_non_paragraph_blocks():
    text, structure = blocks.assemble(
        [
            Block("Intro 😀 here."),
            Block("Heading", "heading", 2),
            Block("   "),
            Block("Item", "list_item", 1),
        ]
    )
    assert text == "Intro 😀 here.\n\nHeading\n\nItem"
    assert structure == [
        {"kind": "heading", "start": 15, "end": 22, "level": 2},
        {"kind": "list_item", "start": 24, "end": 28, "level": 1},
    ]
    assert text[15:22] == "Heading"


def test_a_stale_structure_never_hides_or_misplaces_words():
    text = "One.\n\nTwo.\n\nThree."
    stale = [
        {"kind": "heading", "start": 0, "end": 3, "level": 2},
        {"kind": "bogus", "start": 6, "end": 10},
    ]
    shown = blocks.blocks_of(text, stale)
    assert [(b["text"], b["kind"]) for b in shown] == [
        ("One.", "paragraph"),
        ("Two.", "paragraph"),
        ("Three.", "paragraph"),
    ]
    assert blocks.clean(text, stale) == []


def test_text_edit_keeps_the_kinds_of_unchanged_and_reworded_blocks():
    old, structure = blocks.assemble(
        [
            Block("Heading", "heading", 2),
            Block("Body one."),
            Block("Item", "list_item", 1),
            Block("End."),
        ]
    )
    new = "Heading reworded\n\nBody one.\n\nA new paragraph.\n\nItem\n\nEnd."
    carried = blocks.blocks_of(new, blocks.carry(old, structure, new))
    assert [(b["text"], b["kind"]) for b in carried] == [
        ("Heading reworded", "heading"),
        ("Body one.", "paragraph"),
        ("A new paragraph.", "paragraph"),
        ("Item", "list_item"),
        ("End.", "paragraph"),
    ]


@pytest.mark.parametrize("match_limit", [None, 0], ids=["aligned", "by-words"])
def test_a_long_run_of_repeated_paragraphs_keeps_its_kinds_either_way(match_limit):
    """Past the alignment limit (quadratic on repeats), kinds follow the paragraphs' words."""
    line = "The same boilerplate line."
    old, structure = blocks.assemble(
        [Block("Top", "heading", 2)]
        + [Block(line)] * 300
        + [Block("Middle", "heading", 3), Block("Quoted.", "quote")]
        + [Block(line)] * 300
        + [Block("End", "heading", 2)]
    )
    new = old.replace("Middle", "Middle part").replace("Quoted.", "Quoted.\n\nNew words.")
    new = "A new first line.\n\n" + new

    carried = blocks.blocks_of(new, blocks.carry(old, structure, new, match_limit=match_limit))

    kinds = {(b["text"], b["kind"]) for b in carried if b["kind"] != "paragraph"}
    expected = {("Top", "heading"), ("Quoted.", "quote"), ("End", "heading")}
    # Aligned, the reworded heading keeps its kind; by words alone, only unchanged words do.
    assert kinds == (expected | {("Middle part", "heading")} if match_limit is None else expected)
    assert sum(b["text"] == line and b["kind"] == "paragraph" for b in carried) == 600


def test_an_article_without_structure_carries_none():
    old = "\n\n".join(["Same line."] * 1000)
    assert blocks.carry(old, [], "New.\n\n" + old) == []


# Pages


STRUCTURED_TEXT = "Intro words here.\n\nThe section\n\nFirst item\n\nSecond item\n\nA quote."
STRUCTURE = [
    {"kind": "heading", "start": 19, "end": 30, "level": 2},
    {"kind": "list_item", "start": 32, "end": 42, "level": 1},
    {"kind": "list_item", "start": 44, "end": 55, "level": 1},
    {"kind": "quote", "start": 57, "end": 65, "level": 0},
]


def test_article_service_keeps_a_structure_that_fits_the_text(organization, editor):
    article = services.article_create(
        organization=organization,
        title="T",
        text=STRUCTURED_TEXT,
        created_by=editor,
        structure=[*STRUCTURE, {"kind": "heading", "start": 0, "end": 5, "level": 2}],
    )
    assert article.structure == STRUCTURE


def test_workspace_gets_blocks_with_kinds_and_says_when_no_date_was_found(
    client, organization, editor
):
    article = services.article_create(
        organization=organization, title="T", text=STRUCTURED_TEXT, created_by=editor,
        structure=STRUCTURE,
    )  # fmt: skip
    client.force_login(editor)
    response = client.get(reverse("article-workspace", args=[article.pk]))
    assert [(b["start"], b["kind"]) for b in response.context["blocks"]] == [
        (0, "paragraph"), (19, "heading"), (32, "list_item"), (44, "list_item"), (57, "quote"),
    ]  # fmt: skip
    assert "no date found" in response.context["meta"]
    services.article_update_details(article=article, actor=editor, published_on=date(2025, 3, 4))
    response = client.get(reverse("article-workspace", args=[article.pk]))
    assert "no date found" not in response.context["meta"]


def test_reader_page_shows_headings_lists_and_quotes(client, organization, editor, reviewer):
    article = services.article_create(
        organization=organization, title="T", text=STRUCTURED_TEXT, created_by=editor,
        structure=STRUCTURE,
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer, quote="First item")
    article.refresh_from_db()
    response = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    html = response.content.decode()
    assert '<h3 dir="auto">The section</h3>' in html
    assert '<ul><li dir="auto">' in html and "Second item</li></ul>" in html
    assert '<blockquote dir="auto">A quote.</blockquote>' in html
    # The highlight stays on its words inside the list item.
    item = html[html.index('<ul><li dir="auto">') : html.index("</ul>")]
    assert 'class="hl' in item and "First item" in item


# Numbered lists


def numbered(result) -> list[tuple[str, int]]:
    """(text, number) of every list item, number 0 for a bullet."""
    shown = blocks.blocks_of(result.text, result.structure)
    return [(b["text"], b["number"]) for b in shown if b["kind"] == "list_item"]


LONG_PROSE = "<p>" + "The committee heard evidence over three days in March. " * 12 + "</p>"


def test_html_numbered_lists_keep_their_numbers_and_bullets_stay_bullets():
    page = f"""<html><body><article><h1>Five claims</h1>{LONG_PROSE}
    <ol><li>Spending rose by twelve percent.</li><li>Schools got more money.
    <ul><li>Mostly for buildings.</li></ul></li><li>Class sizes fell.</li></ol>
    <ul><li>A bullet after the list.</li></ul>{LONG_PROSE}</article></body></html>"""
    result = extract(page.encode(), filename="page.html")
    assert numbered(result) == [
        ("Spending rose by twelve percent.", 1),
        ("Schools got more money.", 2),
        ("Mostly for buildings.", 0),
        ("Class sizes fell.", 3),
        ("A bullet after the list.", 0),
    ]


def test_a_short_pages_own_numbered_list_keeps_its_start_and_values():
    root = lxml.html.fragment_fromstring(
        '<div><ol start="4"><li>Four.</li><li value="9">Nine.</li><li>Ten.</li>'
        '<li value="junk">Eleven.</li></ol></div>'
    )
    found: list[Block] = []
    htmlpage._collect_blocks(root, found)
    assert [(b.text.strip(), b.number) for b in found if b.text.strip()] == [
        ("Four.", 4), ("Nine.", 9), ("Ten.", 10), ("Eleven.", 11),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("numbered_list", "expected"),
    [
        (
            "<ol reversed><li>Third <b>best</b> claim.</li><li>Second best claim.</li>"
            "<li>The best claim of all.</li></ol>",
            [("Third best claim.", 3), ("Second best claim.", 2), ("The best claim of all.", 1)],
        ),
        (
            '<ol start="5"><li>Fifth item.</li><li value="9">Ninth item.</li><li>Tenth.</li></ol>',
            [("Fifth item.", 5), ("Ninth item.", 9), ("Tenth.", 10)],
        ),
        (
            '<ol type="a"><li>Letter a.</li><li>Letter b.</li></ol>',
            [("Letter a.", 0), ("Letter b.", 0)],
        ),
    ],
    ids=["countdown", "start-and-value", "lettered"],
)
def test_a_long_pages_numbered_list_is_numbered_as_the_page_shows_it(numbered_list, expected):
    """trafilatura, which reads long pages, keeps only that a list is numbered."""
    body = f"<h1>T</h1>{LONG_PROSE}{numbered_list}{LONG_PROSE}"
    page = f"<html><body><article>{body}</article></body></html>"
    assert numbered(extract(page.encode(), filename="page.html")) == expected


def test_two_lists_of_the_same_items_keep_each_its_own_numbers():
    """Numbers were looked up by an item's words: the second list's "Yes" and "No" took the
    first list's 3 and 4."""
    lists = (
        '<ol start="3"><li>Yes</li><li>No</li></ol><p>Then:</p>'
        '<ol start="7"><li>Yes</li><li>No</li></ol>'
    )
    body = f"<h1>T</h1>{LONG_PROSE}{lists}{LONG_PROSE}"
    page = f"<html><body><article>{body}</article></body></html>"
    assert numbered(extract(page.encode(), filename="page.html")) == [
        ("Yes", 3), ("No", 4), ("Yes", 7), ("No", 8),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "filename"),
    [
        (
            "<html><body><article><h1>T</h1>{prose}<ol><li><p>First point.</p><p>More on the "
            "first point.</p></li><li>Second point.<ul><li>A detail.</li></ul>Back to the "
            "second point.</li></ol>{prose}</article></body></html>",
            "page.html",
        ),
        (
            "# T\n\nIntro.\n\n1. First point.\n\n   More on the first point.\n\n2. Second point."
            "\n   - A detail.\n\n   Back to the second point.\n",
            "notes.md",
        ),
    ],
    ids=["html", "markdown"],
)
def test_an_items_later_paragraphs_do_not_repeat_its_number(source, filename):
    """Each paragraph of an item was an item of the same number: the reader page showed
    "1." twice, and the words after a nested list as one more "2."."""
    result = extract(source.format(prose=LONG_PROSE).encode(), filename=filename)
    assert numbered(result) == [("First point.", 1), ("Second point.", 2), ("A detail.", 0)]
    assert "More on the first point." in result.paragraphs
    assert "Back to the second point." in result.paragraphs


def test_markdown_numbers_count_from_the_first_item_as_renderers_do():
    source = "# Title\n\nIntro.\n\n3. third\n1. fourth\n   - a bullet\n7. fifth\n\n- plain\n"
    result = extract(source.encode(), filename="notes.md")
    assert numbered(result) == [
        ("third", 3), ("fourth", 4), ("a bullet", 0), ("fifth", 5), ("plain", 0),
    ]  # fmt: skip


def test_docx_numbered_paragraphs_count_as_word_shows_them():
    document = docx.Document()
    document.add_paragraph("Intro paragraph.")
    for text, style in [
        ("One.", "List Number"),
        ("Two.", "List Number"),
        ("Bulleted.", "List Bullet"),
        ("Three.", "List Number"),
    ]:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    result = extract(buffer.getvalue(), filename="list.docx")
    assert numbered(result) == [("One.", 1), ("Two.", 2), ("Bulleted.", 0), ("Three.", 3)]


def test_numbers_survive_a_text_edit_and_bad_stored_numbers_are_ignored():
    old, structure = blocks.assemble(
        [Block("Intro."), Block("First", "list_item", 1, 1), Block("Second", "list_item", 1, 2)]
    )
    new = old.replace("Intro.", "Intro, reworded.")
    carried = blocks.carry(old, structure, new)
    assert [(e["start"], e.get("number")) for e in carried] == [(18, 1), (25, 2)]
    damaged = [{**carried[0], "number": "1"}, {**carried[1], "number": True}]
    assert [b["number"] for b in blocks.blocks_of(new, damaged)] == [0, 0, 0]


NUMBERED_TEXT = "Intro words here.\n\nFirst item\n\nSecond item\n\nA bullet"
NUMBERED_STRUCTURE = [
    {"kind": "list_item", "start": 19, "end": 29, "level": 1, "number": 1},
    {"kind": "list_item", "start": 31, "end": 42, "level": 1, "number": 2},
    {"kind": "list_item", "start": 44, "end": 52, "level": 2},  # nested under item 2
]


def test_reader_and_workspace_show_numbered_items_under_their_numbers(
    client, organization, editor, reviewer
):
    article = services.article_create(
        organization=organization, title="T", text=NUMBERED_TEXT, created_by=editor,
        structure=NUMBERED_STRUCTURE,
    )  # fmt: skip
    assert article.structure == NUMBERED_STRUCTURE
    factories.published_claim(article, editor, reviewer, quote="Second item")
    article.refresh_from_db()
    html = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    html = html.content.decode()
    numbered_list = html[html.index("<ol>") : html.index("</ol>") + 5]
    assert numbered_list.startswith('<ol><li dir="auto" value="1">First item</li>')
    assert '<li dir="auto" value="2">' in numbered_list and 'class="hl' in numbered_list
    # The nested bullet is set in by its depth.
    after = html[html.index("</ol>") + 5 :].lstrip()
    assert after.startswith('<ul><li dir="auto" class="level-2">A bullet</li>')
    client.force_login(editor)
    html = client.get(reverse("article-workspace", args=[article.pk])).content.decode()
    assert '<ol class="block-list level-1"><li value="2" data-start="31"' in html
    assert '<ul class="block-list level-2"><li data-start="44"' in html


# Figure captions


FIGURE = (
    '<figure><img src="crowd.jpg" alt=""><figcaption>The crowd on Wednesday, '
    "160,000 strong by the organisers' count.</figcaption></figure>"
)


@pytest.mark.parametrize("prose", [LONG_PROSE, "<p>A short page, with one claim in it.</p>"])
def test_a_figure_caption_is_kept_as_a_caption(prose):
    page = f"<html><body><article><h1>Rally</h1>{prose}{FIGURE}{prose}</article></body></html>"
    result = extract(page.encode(), filename="page.html")
    shown = blocks.blocks_of(result.text, result.structure)
    assert [b["text"] for b in shown if b["kind"] == "caption"] == [
        "The crowd on Wednesday, 160,000 strong by the organisers' count."
    ]
    # Only the caption: the paragraphs around it stay paragraphs.
    assert {b["kind"] for b in shown} == {"paragraph", "caption"}


def test_reader_and_workspace_show_a_caption_as_one(client, organization, editor, reviewer):
    text = "Intro words here.\n\nThe crowd on Wednesday.\n\nMore words."
    article = services.article_create(
        organization=organization, title="T", text=text, created_by=editor,
        structure=[{"kind": "caption", "start": 19, "end": 42, "level": 0}],
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer, quote="Intro words")
    html = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    assert '<p class="caption" dir="auto">The crowd on Wednesday.</p>' in html.content.decode()
    client.force_login(editor)
    html = client.get(reverse("article-workspace", args=[article.pk])).content.decode()
    assert 'data-kind="caption">The crowd on Wednesday.</p>' in html


# Table rows

TABLE_TEXT = "Spending by year.\n\nYear | Spending\n\n2024 | 100 million\n\nAfter the table."
TABLE_STRUCTURE = [
    {"kind": "table_row", "start": 19, "end": 34, "level": 0},
    {"kind": "table_row", "start": 36, "end": 54, "level": 0},
]


def test_reader_draws_table_rows_as_cells_and_keeps_a_highlight_across_them(
    client, organization, editor, reviewer
):
    """Rows read "2024 | 100 million" with the separator drawn as text, columns unaligned."""
    article = services.article_create(
        organization=organization, title="T", text=TABLE_TEXT, created_by=editor,
        structure=TABLE_STRUCTURE,
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer, quote="2024 | 100 million")
    html = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    html = html.content.decode()
    assert (
        '<p class="table-row" dir="auto"><span class="cell">Year'
        '<span class="cell-separator"> | </span></span><span class="cell">Spending</span></p>'
    ) in html
    row = html[html.index('<p class="table-row" dir="auto"><span class="cell"><a') :]
    row = row[: row.index("</p>")]
    # The highlight is closed at the cell's edge and opened again, the same, in the next.
    first, second = row.split('<span class="cell-separator"> | </span>')
    opening = first[first.index("<a class=") : first.index(">2024") + 1]
    assert 'class="hl' in opening and first.endswith("2024</a>")
    assert second.startswith(f'</span><span class="cell">{opening}100 million</a>')
    assert (
        lxml.html.fragment_fromstring(row + "</p>").text_content().startswith("2024 | 100 million")
    )


def test_a_separator_inside_a_verdict_label_is_not_a_cell_edge():
    from annotations.reader import _table_cells

    inner = (
        '<a class="hl r-x" href="#claim-1">Year</a><a class="tag r-x" id="tag-1">'
        '<span class="tag-label">Mostly | true</span></a> | Spending'
    )
    cells = lxml.html.fragments_fromstring(_table_cells(inner))
    assert [cell.get("class") for cell in cells] == ["cell", "cell"]
    assert cells[0].text_content() == "YearMostly | true | "
    assert cells[1].text_content() == "Spending"


def test_footnote_markers_are_left_out_of_the_text_and_other_superscripts_kept():
    """A marker read "motion1 earlier": a claim on those words was found on no page that
    shows its notes another way, and the embed reads the page without it."""
    prose = "<p>" + "Words enough for the extractor to take this for an article. " * 8 + "</p>"
    body = (
        '<p>Khan was ousted in a no-confidence motion<sup><a href="#fn1">1</a></sup> earlier '
        'this month.<sup class="reference"><a href="#cite-2">[2]</a></sup> The hall holds '
        "5,000 m<sup>2</sup> of seats.<sup>3</sup></p>"
    )
    page = f"<html><body><article><h1>Ousted</h1>{prose}{body}{prose}</article></body></html>"
    text = extract(page.encode(), filename="page.html").text
    assert "ousted in a no-confidence motion earlier this month. The hall" in text
    # No link, no note class: not known to be a note, and kept raised as the page shows it.
    assert "5,000 m² of seats.³" in text


def test_a_header_row_without_its_corner_cell_is_set_over_its_own_columns(
    client, organization, editor, reviewer
):
    """Imports leave the empty top-left cell out: "2023 | 2024" stood over the row labels
    and the 2023 figures, each year a column to the left of its own."""
    text = "Budget.\n\n2023 | 2024\n\nSpending | 80 | 100\n\nDebt | 5 | 7\n\nAfter."
    structure = factories.table_structure(text)
    article = services.article_create(
        organization=organization, title="T", text=text, created_by=editor, structure=structure
    )
    factories.published_claim(article, editor, reviewer, quote="Budget")
    html = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    tree = lxml.html.fromstring(html.content.decode())
    widths = [len(row.findall("span")) for row in tree.find_class("table-row")]
    assert widths == [3, 3, 3]
    header = tree.find_class("table-row")[0]
    assert [cell.text_content() for cell in header.findall("span")] == ["", "2023 | ", "2024"]
    # Only where the first row lacks exactly one cell and the others agree.
    assert reader._corner_rows(blocks.blocks_of(TABLE_TEXT, TABLE_STRUCTURE)) == set()


def test_markdown_leaves_empty_cells_and_footnote_markers_out_and_keeps_the_notes_words():
    """ "| | 2019 | 2026 |" came in as "| 2019 | 2026" (a stray bar, each year over the column
    before its own), and "[^1]" stayed in the sentence, and was suggested as a claim."""
    markdown = (
        "# Ferries\n\nThe port had 42 berths, the health board said.[^1] More follow.\n\n"
        "| | 2019 | 2026 |\n|---|---|---|\n| Buses | 1,200 | 950 |\n\n"
        "[^1]: Health board statement, 3 March.\n"
    )
    result = extract(markdown.encode(), filename="story.md")
    assert result.text == (
        "The port had 42 berths, the health board said. More follow.\n\n"
        "2019 | 2026\n\nBuses | 1,200 | 950\n\nHealth board statement, 3 March."
    )
    rows = [b["text"] for b in blocks.blocks_of(result.text, result.structure)
            if b["kind"] == "table_row"]  # fmt: skip
    assert rows == ["2019 | 2026", "Buses | 1,200 | 950"]
    # The empty corner is kept as the header's blank cell, which sets it over its columns.
    found = blocks.blocks_of(result.text, result.structure)
    assert [b["blank_cells"] for b in found if b["kind"] == "table_row"] == [(0,), ()]


GAPPY_TABLE = (
    "<table><tr><th></th><th>2019</th><th>2026</th></tr>"
    "<tr><td>Buses</td><td></td><td>950</td></tr>"
    '<tr><td colspan="2">Ferries (all routes)</td><td>12</td></tr>'
    "<tr><td>Trams</td><td>40</td><td></td></tr></table>"
)
# Each row as the reader should draw it: three cells, each under its heading.
GAPPY_CELLS = [
    ["", "2019", "2026"],
    ["Buses", "", "950"],
    ["Ferries (all routes)", "", "12"],
    ["Trams", "40", ""],
]


def _table_rows(result) -> list[tuple[str, tuple[int, ...]]]:
    return [
        (b["text"], b["blank_cells"])
        for b in blocks.blocks_of(result.text, result.structure)
        if b["kind"] == "table_row"
    ]


def test_empty_and_spanned_cells_are_kept_as_blanks_so_cells_stay_under_their_headings(
    client, organization, editor, reviewer
):
    """An empty cell inside a row, or a cell spanning two columns, was left out of the
    row: every cell after it stood one column to the left, "950" under 2019."""
    prose = "<p>" + "Words enough for the extractor to take this for an article. " * 8 + "</p>"
    page = f"<html><body><article><h1>Fleet</h1>{prose}{GAPPY_TABLE}{prose}</article></body></html>"
    result = extract(page.encode(), filename="page.html")
    assert _table_rows(result) == [
        ("2019 | 2026", (0,)),
        ("Buses | 950", (1,)),
        ("Ferries (all routes) | 12", (1,)),
        ("Trams | 40", (2,)),  # an empty last cell moves nothing, and tells the width
    ]
    article = services.article_create(
        organization=organization, title="Fleet", text=result.text, created_by=editor,
        structure=result.structure,
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer, quote="Words enough")
    html = client.get(reverse("reader-article", args=[organization.slug, article.slug]))
    tree = lxml.html.fromstring(html.content.decode())
    drawn = [
        [cell.text_content().removesuffix(" | ").strip() for cell in row.find_class("cell")]
        for row in tree.find_class("table-row")
    ]
    assert drawn == GAPPY_CELLS


def test_markdown_and_word_tables_keep_their_blank_cells_too():
    markdown = "Intro.\n\n| | 2019 | 2026 |\n|---|---|---|\n| Buses | | 950 |\n| Trams | 40 | |\n"
    assert _table_rows(extract(markdown.encode(), filename="t.md")) == [
        ("2019 | 2026", (0,)),
        ("Buses | 950", (1,)),
        ("Trams | 40", (2,)),
    ]
    document = docx.Document()
    document.add_paragraph("Intro paragraph.")
    table = document.add_table(rows=3, cols=3)
    for row, texts in enumerate([["", "2019", "2026"], ["Buses", "", "950"], ["x", "y", "z"]]):
        for column, text in enumerate(texts):
            table.cell(row, column).text = text
    table.cell(2, 0).merge(table.cell(2, 1)).text = "Ferries (all routes)"
    # A cell spanning two rows: its words once, where it starts, as the document shows them.
    table.cell(1, 2).merge(table.cell(2, 2)).text = "950"
    buffer = io.BytesIO()
    document.save(buffer)
    assert _table_rows(extract(buffer.getvalue(), filename="t.docx")) == [
        ("2019 | 2026", (0,)),
        ("Buses | 950", (1,)),
        ("Ferries (all routes)", (1, 2)),
    ]


@pytest.mark.parametrize(
    "stored", ["1", [1, 1], [2, 1], [-1], [True], [1.5], list(range(65)), {"0": 1}, None]
)
def test_blank_cells_that_are_not_increasing_column_numbers_are_ignored(stored):
    """A structure from the API or a damaged row draws the row as its text has it."""
    text = "Buses | 950"
    entry = {"kind": "table_row", "start": 0, "end": len(text), "level": 0}
    entry["blank_cells"] = stored
    assert blocks.blocks_of(text, [entry])[0]["blank_cells"] == ()
    assert blocks.blocks_of(text, [{**entry, "blank_cells": [0, 2]}])[0]["blank_cells"] == (0, 2)


def test_blank_cells_are_carried_through_an_edit_of_the_text():
    text = "Intro.\n\nBuses | 950\n\nAfter."
    structure = [{"kind": "table_row", "start": 8, "end": 19, "level": 0, "blank_cells": [1]}]
    carried = blocks.carry(text, structure, text.replace("Intro.", "An intro, longer."))
    assert [b["blank_cells"] for b in blocks.blocks_of(
        text.replace("Intro.", "An intro, longer."), carried) if b["kind"] == "table_row"
    ] == [(1,)]  # fmt: skip


def test_a_row_edited_into_another_number_of_cells_keeps_its_kind_but_not_its_blanks():
    """ "2019 | 950" (blank middle) with 800 put in its gap was drawn with four columns:
    the blank cell was carried onto a row that had none left."""
    old = "Intro.\n\n2019 | 950\n\nAfter."
    structure = [{"kind": "table_row", "start": 8, "end": 18, "level": 0, "blank_cells": [1]}]
    new = old.replace("2019 | 950", "2019 | 800 | 950")
    found = [b for b in blocks.blocks_of(new, blocks.carry(old, structure, new))
             if b["kind"] == "table_row"]  # fmt: skip
    assert [(b["text"], b["blank_cells"]) for b in found] == [("2019 | 800 | 950", ())]


def test_rows_with_the_same_words_stay_rows_through_a_long_edit():
    """Past the alignment limit, kinds go by words: two "— | —" rows with blanks in other
    columns had two shapes, so neither stayed a row."""
    text = "Intro.\n\nYear | A | B\n\n— | —\n\n— | —\n\nAfter."
    rows = [
        blocks.table_row(["Year", "A", "B"]),
        blocks.table_row(["—", "", "—"]),
        blocks.table_row(["—", "—", ""]),
    ]
    assembled, structure = blocks.assemble([Block("Intro."), *rows, Block("After.")])
    assert assembled == text
    new = text.replace("Intro.", "A longer intro.").replace("After.", "Later.")
    carried = blocks.blocks_of(new, blocks.carry(text, structure, new, match_limit=0))
    assert [(b["kind"], b["blank_cells"]) for b in carried[1:4]] == [
        ("table_row", ()),
        ("table_row", ()),
        ("table_row", ()),
    ]


def test_a_header_with_an_empty_last_cell_is_not_taken_for_one_without_its_corner():
    """ "| Country | 2023 | 2024 | |" over rows with a note column: the empty last cell was
    not kept, the header counted one cell short, and the reader moved it a column right."""
    markdown = (
        "Intro.\n\n| Country | 2023 | 2024 | |\n|---|---|---|---|\n| UK | 1 | 2 | note |\n"
        "| FR | 3 | 4 | note |\n"
    )
    result = extract(markdown.encode(), filename="t.md")
    assert reader._corner_rows(blocks.blocks_of(result.text, result.structure)) == set()


def test_a_word_row_that_starts_a_column_late_keeps_its_cells_under_their_headings():
    """A row with Word's "grid before" (its first column left out) was read from its first
    cell, so every cell stood one column to the left of its heading."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("Intro paragraph.")
    table = document.add_table(rows=2, cols=3)
    for row, texts in enumerate([["Region", "2019", "2026"], ["", "1,200", "950"]]):
        for column, text in enumerate(texts):
            table.cell(row, column).text = text
    late = table.rows[1]._tr
    late.remove(late.tc_lst[0])
    grid_before = OxmlElement("w:gridBefore")
    grid_before.set(qn("w:val"), "1")
    late.get_or_add_trPr().insert(0, grid_before)
    buffer = io.BytesIO()
    document.save(buffer)
    assert _table_rows(extract(buffer.getvalue(), filename="t.docx")) == [
        ("Region | 2019 | 2026", ()),
        ("1,200 | 950", (0,)),
    ]
