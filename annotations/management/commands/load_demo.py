"""Load the demo newsroom, its members and the reference article with its claims (idempotent)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.template.defaultfilters import pluralize

from annotations import anchoring, jobs, services
from annotations.models import Article, Claim, Job, Membership, Organization, Rating, Suggestion
from annotations.permissions import SYSTEM

SAMPLE_ARTICLE = Path(__file__).resolve().parents[2] / "fixtures" / "imran-khan-twitter-spaces.txt"
DEMO_PASSWORD = "factcheck-demo"  # noqa: S105 - printed on purpose: it is the demo login
DEMO_USERS = [
    # username, role, is_superuser
    ("demo-admin", Membership.Role.ADMIN, True),
    ("demo-editor", Membership.Role.EDITOR, False),
    ("demo-reviewer", Membership.Role.REVIEWER, False),
]
ARTICLE_URL = "https://voiceofeast.net/2022/04/15/imran-khans-record-shattering-twitter-spaces/"

# quote in the article, claimant, rating label (None: draft), conclusion, sources
DEMO_CLAIMS = [
    (
        "Over 160,000 people listened in at once",
        "Andrew Korybko",
        "Mostly true",
        "Screenshots shared by PTI during the session showed about 164,000 concurrent "
        "listeners; Twitter did not publish an official figure.",
        [("https://twitter.com/PTIofficial", "PTI on Twitter", "supports")],
    ),
    (
        "of only 44,000 simultaneous listeners",
        "Andrew Korybko",
        "Unverifiable",
        "The earlier record attributed to a Korean pop group could not be traced to a "
        "primary source.",
        [("https://en.wikipedia.org/wiki/Twitter_Spaces", "Twitter Spaces", "context")],
    ),
    (
        "the median age is only 22.8 years",
        "Andrew Korybko",
        "True",
        "The CIA World Factbook gives Pakistan's median age as 22.8 years (2020 estimate).",
        [
            (
                "https://www.cia.gov/the-world-factbook/countries/pakistan/",
                "The World Factbook: Pakistan",
                "supports",
            )
        ],
    ),
    (
        "ousted in a no-confidence motion earlier this month",
        "Andrew Korybko",
        "True",
        "The National Assembly of Pakistan voted Imran Khan out on 10 April 2022.",
        [("https://na.gov.pk/", "National Assembly of Pakistan", "supports")],
    ),
    ("Twitter banned former US President Donald Trump", "Andrew Korybko", None, "", []),
    (
        "the Belt & Road Initiative’s (BRI) flagship project",
        "Andrew Korybko",
        None,
        "",
        [],
    ),
]
# Suggested sentences the demo newsroom dismissed (opinion, not a checkable claim): with the
# claims, the labels that the admin's "Retrain with our labels" learns from and is judged on.
DEMO_DISMISSED = [
    "In a sense, this mirrors the rise of former US President Donald Trump",
    "The status quo prior to Pakistan’s political crisis has forever changed",
    "Politicians can no longer ignore their constituents",
]


DEMO_METHODOLOGY = """\
The Demo Fact Desk is a fictional newsroom that shows how this tool is used.

## How we choose claims

We check statements of fact that readers can verify: figures, records, dates and quotes.
Opinions and predictions are not rated.

## How we check

1. We find the original source of the figure or quote, and archive it.
2. We ask the person or organization who made the claim for their evidence.
3. A second editor reviews every verdict before it is published.

## Corrections

When we get something wrong we correct it, say what changed and when, and keep the earlier
verdict visible in the fact-check's history.
"""


class Command(BaseCommand):
    help = "Load the demo organization, users, sample article and claims. Safe to run twice."

    def handle(self, *args, **options):
        # `make run` loads the demo before it starts redis: its jobs (fetching the cited
        # pages, spotting the article's claims) are recorded now and sent below if a broker
        # answers, else by the stack once it has started one, rather than each failing to
        # send with a warning.
        with jobs.held():
            self._load()
        try:
            with jobs.broker_connection(settings.FACTCHECK_JOB_SEND_TIMEOUT):
                pass
        except Exception:
            waiting = Job.objects.filter(state=Job.State.QUEUED, sent_at__isnull=True).count()
            self.stdout.write(
                f"No broker answers yet: {waiting} background job{pluralize(waiting)} "
                "(fetching the cited pages, spotting the claims) wait for it; `make run` "
                "sends them once its redis is up."
            )
        else:
            jobs.send_waiting()

    @transaction.atomic
    def _load(self):
        users = {name: self._user(name, superuser) for name, _, superuser in DEMO_USERS}
        organization = Organization.objects.filter(slug="demo-fact-desk").first()
        if organization is None:
            organization = services.organization_create(
                actor=SYSTEM,
                name="Demo Fact Desk",
                slug="demo-fact-desk",
                url="https://factdesk.example/",
            )
            # The readers' footer links to it on every page: an empty one read as a dead end.
            services.organization_update(
                organization=organization, actor=SYSTEM, methodology=DEMO_METHODOLOGY
            )
        for name, role, _ in DEMO_USERS:
            if not Membership.objects.filter(organization=organization, user=users[name]).exists():
                services.membership_set(
                    organization=organization, user=users[name], role=role, actor=SYSTEM
                )

        article = Article.objects.filter(
            organization=organization, canonical_url=ARTICLE_URL
        ).first()
        if article is None:
            title, _, body = SAMPLE_ARTICLE.read_text(encoding="utf-8").partition("\n\n")
            byline, _, text = body.partition("\n\n")
            article = services.article_create(
                organization=organization,
                title=title,
                text=text,
                created_by=users["demo-editor"],
                byline=byline.removeprefix("By "),
                publisher="Voice of East",
                canonical_url=ARTICLE_URL,
                published_on=dt.date(2022, 4, 15),
                language="en",
            )
        elif not Job.objects.filter(kind="spot", subject_id=article.pk).exists():
            # A demo loaded before claim spotting existed: its Suggestions panel stays empty
            # ("nothing check-worthy") until the article is spotted once.
            jobs.enqueue(kind="spot", subject_id=article.pk)
        self._fact_check_corpus()  # before the claims, so their evidence search finds it
        created = sum(self._claim(article, users, *claim) for claim in DEMO_CLAIMS)
        self._conversation(article, users)
        self._dismissals(article, users)
        self.stdout.write(
            f"Demo ready: {organization.name}, article #{article.pk}, {created} new claims. "
            f"Sign in as demo-editor / demo-reviewer / demo-admin, password {DEMO_PASSWORD}"
        )

    def _fact_check_corpus(self) -> None:
        """Earlier fact-checks by (fictional) others, as ClaimReview, for the evidence search."""
        from annotations.evidence import claimreview, demo_server

        services.imported_fact_checks_save(
            reviews=claimreview.load(str(demo_server.FEED)),
            actor=SYSTEM,
            imported_from="demo corpus",
        )

    def _conversation(self, article, users) -> None:
        """A short thread on the first unrated claim, mentioning the editor (issue 9)."""
        claim = Claim.objects.filter(article=article, rating__isnull=True).order_by("start").first()
        if claim is None or claim.comments.exists():
            return
        reviewer, editor = users["demo-reviewer"], users["demo-editor"]
        question = services.comment_create(
            claim=claim,
            actor=reviewer,
            body="@demo-editor do we have **Twitter's own** statement on the ban? "
            "A news report is not enough here.",
        )
        services.comment_create(
            claim=claim,
            actor=editor,
            parent=question,
            body="Looking for the January 2021 blog post now.",
        )

    def _dismissals(self, article, users) -> None:
        """Dismiss a few suggestions, scoring the article here if its spot job has not run."""
        if article.suggestions.exclude(state=Suggestion.State.NEW).exists():
            return
        if not article.suggestions.exists():
            services.suggestions_refresh(article=article, actor=SYSTEM)
        for phrase in DEMO_DISMISSED:
            # A sentence the current model does not suggest is left alone.
            suggestion = article.suggestions.filter(sentence__contains=phrase).first()
            if suggestion is not None and suggestion.state == Suggestion.State.NEW:
                services.suggestion_dismiss(suggestion=suggestion, actor=users["demo-editor"])

    def _user(self, username: str, superuser: bool):
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=username,
                email=f"{username}@factdesk.example",
                password=DEMO_PASSWORD,
                is_staff=superuser,
                is_superuser=superuser,
            )
        return user

    def _claim(self, article, users, quote, claimant, rating_label, conclusion, sources) -> bool:
        span = anchoring.anchor(article.text, [{"type": "TextQuoteSelector", "exact": quote}])
        if span is None:
            raise RuntimeError(f"Demo quote not found in the sample article: {quote!r}")
        if Claim.objects.filter(article=article, start=span[0], end=span[1]).exists():
            return False
        editor, reviewer = users["demo-editor"], users["demo-reviewer"]
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=anchoring.describe(article.text, *span),
            claimant=claimant,
            claim_date=dt.date(2022, 4, 15),
        )
        if rating_label is None:
            return True
        for url, title, stance in sources:
            services.source_add(claim=claim, actor=editor, url=url, title=title, stance=stance)
        rating = Rating.objects.get(scale__organization=article.organization, label=rating_label)
        claim = services.claim_update(
            claim=claim,
            actor=editor,
            expected_version=None,
            rating=rating,
            conclusion=conclusion,
        )
        claim = services.claim_transition(
            claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW
        )
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
        return True
