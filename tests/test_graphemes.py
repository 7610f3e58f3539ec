"""A selection starts and ends between user-perceived characters, never inside one."""

import pytest

from annotations import anchoring, graphemes, services
from annotations.models import Claim
from tests import factories

THUMBS = "👍🏽"  # thumbs up + skin-tone modifier
FLAG = "🇵🇰"  # two regional indicators
ACCENTED = "x\u0301"  # x + combining acute accent
FAMILY = "👩\u200d👩\u200d👧"  # joined with zero-width joiners
TEXT = f"Fans {THUMBS} waved {FLAG} flags; the {ACCENTED} mark and a {FAMILY} family."


def _offset(part: str) -> int:
    return TEXT.index(part)


@pytest.mark.parametrize(
    ("cluster", "inside"),
    [(THUMBS, 1), (FLAG, 1), (ACCENTED, 1), (FAMILY, 1), (FAMILY, 2), (FAMILY, 4)],
)
def test_offsets_inside_a_cluster_are_not_boundaries(cluster, inside):
    start = _offset(cluster)
    assert graphemes.is_boundary(TEXT, start)
    assert not graphemes.is_boundary(TEXT, start + inside)
    assert graphemes.is_boundary(TEXT, start + len(cluster))
    assert graphemes.cluster_at(TEXT, start + inside) == cluster


def test_every_offset_of_plain_text_and_both_ends_are_boundaries():
    text = "Plain words, CR\r\nLF."
    boundaries = [offset for offset in range(len(text) + 1) if graphemes.is_boundary(text, offset)]
    assert boundaries == [offset for offset in range(len(text) + 1) if offset != 16]


def test_flags_pair_up_from_the_start_of_a_run_of_regional_indicators():
    text = "a" + FLAG * 3 + "b"
    assert [graphemes.is_boundary(text, offset) for offset in range(1, 8)] == [
        True, False, True, False, True, False, True,
    ]  # fmt: skip


def test_boundaries_are_found_far_into_a_line_without_ascii():
    text = "ب" * 5000 + THUMBS + "ب" * 10
    assert not graphemes.is_boundary(text, 5001)
    assert graphemes.is_boundary(text, 5002)


def test_require_whole_clusters_names_the_split_character():
    with pytest.raises(graphemes.SplitCluster, match="U\\+1F44D U\\+1F3FD"):
        graphemes.require_whole_clusters(TEXT, _offset(THUMBS), _offset(THUMBS) + 1)
    whole = (_offset(THUMBS), _offset(THUMBS) + 2)
    assert graphemes.require_whole_clusters(TEXT, *whole) == whole


@pytest.fixture
def emoji_article(organization, editor):
    return factories.article(organization, editor, text=TEXT)


@pytest.mark.parametrize(
    ("cluster", "cut"),
    [(THUMBS, "end"), (FLAG, "end"), (ACCENTED, "end"), (THUMBS, "start"), (FLAG, "start")],
)
def test_selection_splitting_a_cluster_is_refused_with_a_clear_400(
    client, editor, emoji_article, cluster, cut
):
    start = _offset(cluster)
    end = start + len(cluster)
    start, end = (start, end - 1) if cut == "end" else (start + 1, end + 6)
    selectors = anchoring.describe(TEXT, start, end)
    client.force_login(editor)
    response = client.post(
        f"/api/v1/newsroom/articles/{emoji_article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 400
    message = response.json()["errors"]["selectors"][0]
    assert f"{'starts' if cut == 'start' else 'ends'} inside the character" in message
    assert "select it whole" in message
    assert not Claim.objects.exists()


@pytest.mark.parametrize("cluster", [THUMBS, FLAG, ACCENTED, FAMILY])
def test_selection_of_whole_clusters_is_stored(client, editor, emoji_article, cluster):
    start = _offset(cluster)
    selectors = anchoring.describe(TEXT, start, start + len(cluster))
    client.force_login(editor)
    response = client.post(
        f"/api/v1/newsroom/articles/{emoji_article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Claim.objects.get().exact == cluster


def test_reattaching_to_half_a_flag_is_refused(client, editor, emoji_article):
    claim = services.claim_create(
        article=emoji_article,
        creator=editor,
        selectors=factories.quote_selectors(TEXT, "waved"),
    )
    client.force_login(editor)
    start = _offset(FLAG)
    response = client.post(
        f"/api/v1/newsroom/claims/{claim.pk}/reattach/",
        {"selectors": anchoring.describe(TEXT, start + 1, start + 8), "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.exact == "waved" and claim.version == 1
