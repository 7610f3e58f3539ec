"""The demo loader: the reference article with its claims, loaded idempotently."""

import pytest
from django.core.management import call_command

from annotations import queries
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    ClaimEvent,
    Membership,
    PublishedVersion,
    Source,
)

pytestmark = pytest.mark.django_db

REQUIRED_QUOTES = [
    "Over 160,000 people listened in at once",
    "of only 44,000 simultaneous listeners",
    "the median age is only 22.8 years",
]


MODELS = (Article, ArticleRevision, Claim, ClaimEvent, Membership, PublishedVersion, Source)


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS
    } | {"claims": list(Claim.objects.values_list("pk", "version", "status", "start", "end"))}


def test_demo_has_the_reference_claims_some_published_some_draft():
    call_command("load_demo", verbosity=0)
    article = Article.objects.get()
    claims = list(article.claims.all())
    assert len(claims) >= 6
    quotes = {claim.exact for claim in claims}
    assert set(REQUIRED_QUOTES) <= quotes
    for claim in claims:
        assert article.text[claim.start : claim.end] == claim.exact
    published = [c for c in claims if c.status == Claim.Status.PUBLISHED]
    assert published and any(c.status == Claim.Status.DRAFT for c in claims)
    for claim in published:
        assert claim.rating and claim.conclusion and claim.sources.exists()
        assert claim.reviewer != claim.creator
    # Readers see exactly the published claims, each through its first published version.
    public = list(queries.published_claims())
    assert sorted(v.claim_id for v in public) == sorted(c.pk for c in published)
    for version in public:
        assert version.number == 1 and version.conclusion == version.claim.conclusion
        assert version.sources and version.published_by == version.claim.reviewer


def test_the_demo_newsroom_publishes_a_methodology_for_its_readers(client):
    """Every reader page's footer links to it: the demo's said only that it had none."""
    call_command("load_demo", verbosity=0)
    page = client.get("/o/demo-fact-desk/methodology/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "has not published its methodology" not in text
    assert "<h3>How we check</h3>" in text and "A second editor reviews every verdict" in text


def test_running_the_demo_loader_twice_changes_nothing():
    call_command("load_demo", verbosity=0)
    first = _snapshot()
    call_command("load_demo", verbosity=0)
    assert _snapshot() == first


def test_a_demo_loaded_before_claim_spotting_is_spotted_once_on_the_next_load():
    from annotations.models import Job

    call_command("load_demo", verbosity=0)
    article = Article.objects.get()
    Job.objects.filter(kind="spot").delete()  # as a demo made before spotting existed
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    assert list(Job.objects.filter(kind="spot").values_list("subject_id", flat=True)) == [
        article.pk
    ]
