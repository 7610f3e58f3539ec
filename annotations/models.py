"""The data model: newsrooms, their verdict scales, articles, claims and sources."""

import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS as KNOX

from annotations import anchoring, textsearch, versions
from annotations.ingest.text import has_hidden_characters

# Longest accepted text per field, in characters. ClaimReview advises claim wording of at
# most 75 characters; the workspace warns above that and refuses above the hard limit.
CLAIM_WORDING_MAX = 1_000
CLAIM_WORDING_ADVISED = 75
CONCLUSION_MAX = 20_000
NOTE_MAX = 2_000
QUOTE_MAX = 5_000
TITLE_MAX = 500
# The longest article text typed, pasted or sent through the API, in characters; imports may
# bring longer ones, up to FACTCHECK_MAX_TEXT_CHARS (see `services.articles.text_limit`).
ARTICLE_TEXT_MAX = 2_000_000
TAG_MAX = 50
TAGS_MAX = 20
METHODOLOGY_MAX = 50_000


WEB_ADDRESS = URLValidator(schemes=["http", "https"], message="Enter an http or https address.")


def require_plain_address(value: str) -> None:
    """Refuse an address with control or invisible formatting characters: a right-to-left
    override (U+202E) makes "evil.example/‮moc.elgoog" read as another site's address."""
    if has_hidden_characters(value):
        raise ValidationError(
            "Remove the invisible characters from the address: they can make it read as "
            "another site's."
        )


def is_visible(value: str) -> bool:
    """Whether the text has a letter, digit, punctuation or symbol: not only spaces and
    invisible characters (a zero-width space)."""
    return any(unicodedata.category(char)[0] in "LNPS" for char in value)


def require_visible(value: str) -> None:
    """Refuse text with only spaces and invisible characters: a title nobody can see or
    click, or a note that tells readers nothing."""
    if value and not is_visible(value):
        raise ValidationError(
            "Write something visible: this has only spaces or invisible characters."
        )


# Characters that force a direction on the text that follows (left-to-right and right-to-left
# override): "Imran Khan \u202eoiboj" reads as another name. Names and labels in any script
# need neither; the marks and isolates that mixed-direction text does need are allowed.
DIRECTION_OVERRIDES = ("\u202d", "\u202e")


def require_one_line(value: str) -> None:
    """Refuse a name with a line break or another control character: it goes into email
    subjects and page titles, where a line break is no character at all (and a mail header
    with one is refused outright, so an invitation would fail to go out)."""
    # Cc: line breaks, tabs and other controls; Zl and Zp: the line and paragraph separators
    # (U+2028, U+2029), which break a line as surely.
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValidationError("Write the name on one line, without line breaks or tabs.")


# Line breaks and tabs, with the spaces around them: in a one-line field, one space.
_LINE_BREAKS = re.compile(
    " *[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029][ \t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]*"
)


def one_line(value: str) -> str:
    """`value` on one line: a line break or tab (and the spaces beside it) becomes a space,
    other control characters go; spaces typed are kept as typed. For an article's title,
    byline and publisher, pasted with the line break a copy brings along; a control
    character there showed nowhere but in the email subjects and page titles it broke
    (trial G19)."""
    value = _LINE_BREAKS.sub(" ", value)
    return "".join(char for char in value if unicodedata.category(char) != "Cc").strip()


def is_slug_character(char: str) -> bool:
    """Whether a reader-page address keeps `char`: letters with their vowel signs and accents
    (a Hindi or Thai word without them is another word), digits, "-" and "_"."""
    return char in "-_" or unicodedata.category(char)[0] in "LMN"


def validate_readable_slug(value: str) -> None:
    if not value or not all(is_slug_character(char) for char in value):
        raise ValidationError(
            "Use letters (with their accents and vowel signs), digits, hyphens and underscores.",
            code="invalid",
        )


class ReadableSlugField(models.SlugField):
    """A slug in any script that keeps combining marks, which Django's Unicode slug drops."""

    default_validators = [validate_readable_slug]

    def __init__(self, *args, **kwargs):
        # Not passed on: SlugField would put its own Unicode validator in place of ours.
        kwargs.pop("allow_unicode", None)
        super().__init__(*args, **kwargs)
        self.allow_unicode = True

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("allow_unicode", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # Django's form slug field would refuse the marks this one keeps (the admin's form).
        from django import forms

        return models.CharField.formfield(
            self,
            **{"form_class": forms.CharField, "validators": [validate_readable_slug], **kwargs},
        )


def require_no_direction_override(value: str, *, field: str | None = None) -> None:
    """Refuse a name or label with a direction override: readers would see it reversed.

    With `field`, the error is keyed by it, for a service checking a value no model holds.
    """
    if any(char in value for char in DIRECTION_OVERRIDES):
        message = (
            "Remove the direction override character (U+202D or U+202E): it makes the "
            "text after it read reversed."
        )
        raise ValidationError({field: message} if field else message)


def without_direction_overrides(value: str) -> str:
    """`value` with its direction overrides dropped: for names a page or a file gave, which
    nobody typed here and so nobody can be asked to correct."""
    return value.translate(dict.fromkeys(map(ord, DIRECTION_OVERRIDES)))


def require_valid_tags(tags) -> None:
    """Refuse tags that are not short visible labels, naming the tag at fault (tags are
    published as ClaimReview keywords and Web Annotation tags)."""
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationError("Tags are a list of text labels.")
    if len(tags) > TAGS_MAX:
        raise ValidationError(f"A claim has at most {TAGS_MAX} tags; this has {len(tags)}.")
    for tag in tags:
        # Shown without its overrides, which would reverse the rest of this very message.
        shown = "".join(char for char in tag if char not in DIRECTION_OVERRIDES)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        if len(tag) > TAG_MAX:
            raise ValidationError(
                f"The tag “{shown}” is {len(tag)} characters long: a tag has at most {TAG_MAX}."
            )
        if not is_visible(tag):
            raise ValidationError(
                "Write something visible: a tag has only spaces or invisible characters."
            )
        if any(char in tag for char in DIRECTION_OVERRIDES):
            raise ValidationError(
                f"Remove the direction override character (U+202D or U+202E) from the tag "
                f"“{shown}”: it makes the text after it read reversed."
            )


# A BCP 47 language tag as pages and feeds write it: a primary subtag of two or three
# letters, then subtags of up to eight letters or digits ("en", "pt-BR", "zh-Hant-TW").
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def require_language_tag(value: str) -> None:
    """Refuse a language that is no language tag: it is published as ClaimReview's
    inLanguage and the Web Annotation's language, which readers' software parses."""
    if value and not LANGUAGE_TAG.fullmatch(value):
        raise ValidationError("Enter a language code such as en, ur or pt-BR.")


# The dates a claim or an article can have: none before the year 1000 (a year typed as
# "0202"), and none after tomorrow, which is already today somewhere in the world.
EARLIEST_DATE = dt.date(1000, 1, 1)


def latest_date() -> dt.date:
    """Tomorrow: the latest date anything already said or published can carry."""
    return timezone.localdate() + dt.timedelta(days=1)


def is_plausible_date(value: dt.date | None) -> bool:
    """Whether `value` is a date something already said or published can carry."""
    return value is None or EARLIEST_DATE <= value <= latest_date()


def require_plausible_date(value: dt.date | None) -> None:
    """Refuse a date in the future or before the year 1000: a typo, not a date."""
    if value is not None and value > latest_date():
        raise ValidationError(
            "This date is in the future: enter the date it was said or published."
        )
    if value is not None and value < EARLIEST_DATE:
        raise ValidationError("Enter a date after the year 1000: check the year.")


NOTIFICATION_KINDS = (
    ("assigned", "Assigned to you"),
    ("review_requested", "Review requested"),
    ("changes_requested", "Changes requested"),
    ("published", "Published"),
    ("mentioned", "Mentioned in a comment"),
    ("orphaned", "Published claim orphaned"),
    ("retracted", "Published claim retracted"),
    ("deleted", "Claim deleted"),
    ("text_waiting", "New text waiting to be shown"),
)


def default_email_kinds() -> list[str]:
    """Every kind of notification reaches a member by email until they choose otherwise."""
    return [kind for kind, _label in NOTIFICATION_KINDS]


def w3c_selectors(anchored) -> list[dict]:
    """The W3C TextQuoteSelector and TextPositionSelector of a claim or a published version."""
    return anchoring.selectors(
        anchored.exact, anchored.prefix, anchored.suffix, anchored.start, anchored.end
    )


class Organization(models.Model):
    """A newsroom: the ClaimReview `author` of the fact-checks its members publish."""

    name = models.CharField(
        max_length=200, validators=[require_one_line, require_no_direction_override]
    )
    slug = models.SlugField(max_length=80, unique=True)
    url = models.URLField(
        blank=True,
        validators=[WEB_ADDRESS],
        help_text="The newsroom's home page (ClaimReview author url).",
    )
    requires_two_person_review = models.BooleanField(
        default=True,
        help_text=(
            "Whoever made the latest change to what readers see of a claim may not publish it: "
            "another member looks at each change first."
        ),
    )
    methodology = models.TextField(
        blank=True,
        max_length=METHODOLOGY_MAX,
        help_text="Public, Markdown: how the newsroom chooses, checks and rates claims.",
    )
    logo = models.FileField(
        upload_to="logos/",
        blank=True,
        help_text="PNG, JPEG or WebP; checked by its content, not its name.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def logo_url(self) -> str:
        """The logo's address, naming the image by its digest: a new logo is a new address,
        so a copy a reader's browser keeps is never mistaken for it ("" without a logo)."""
        if not self.logo:
            return ""
        digest = PurePosixPath(self.logo.name).stem
        return f"{reverse('organization-logo', args=[self.slug])}?v={digest}"


class Membership(models.Model):
    """A user's role in one organization."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        EDITOR = "editor", "Editor"
        REVIEWER = "reviewer", "Reviewer"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    # The kinds of notification (Notification.Kind values) this member also gets by email.
    email_kinds = models.JSONField(default=default_email_kinds, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.organization}"


class RatingScale(models.Model):
    """An organization's ordered verdict scale, with the numeric range ClaimReview needs."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="rating_scales"
    )
    name = models.CharField(max_length=100)
    worst_value = models.PositiveSmallIntegerField(default=1)
    best_value = models.PositiveSmallIntegerField(default=5)
    is_default = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(worst_value__gte=1) & Q(best_value__gt=F("worst_value")),
                name="scale_best_above_worst_at_least_one",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True),
                name="one_default_scale_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.organization})"


class Rating(models.Model):
    """One verdict on a scale; `value` is empty for labels outside the numeric range."""

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="ratings")
    label = models.CharField(
        max_length=60,
        help_text="ClaimReview alternateName.",
        validators=[require_no_direction_override],
    )
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="ClaimReview ratingValue; empty for e.g. Unverifiable."
    )
    position = models.PositiveSmallIntegerField(help_text="Order on the scale, best first.")
    colour = models.CharField(max_length=7, help_text="Hex colour, e.g. #1a7f37.")
    description = models.CharField(
        max_length=300, blank=True, validators=[require_no_direction_override]
    )
    # A rating in use is never deleted; hiding it keeps published verdicts and takes it out
    # of the choices for new ones.
    is_hidden = models.BooleanField(default=False, help_text="Not offered for new verdicts.")

    class Meta:
        ordering = ["scale", "position"]
        constraints = [
            # "True" and "true" on one scale would read as one verdict: refused in any case.
            models.UniqueConstraint(
                Lower("label"),
                "scale",
                name="unique_rating_label_any_case",
                violation_error_message="A rating with this label already exists on the scale.",
            ),
            models.UniqueConstraint(fields=["scale", "position"], name="unique_rating_position"),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"), name="rating_colour_is_hex"
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.value is not None and not (
            self.scale.worst_value <= self.value <= self.scale.best_value
        ):
            raise ValidationError(
                {
                    "value": f"Must lie between {self.scale.worst_value} and "
                    f"{self.scale.best_value}, or be empty."
                }
            )


class Article(models.Model):
    """A text under fact-check; `text` is the canonical plain text every selector indexes."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        IMPORTING = "importing", "Importing"
        FAILED = "failed", "Import failed"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="articles"
    )
    # Shown to readers, in the page's title and in the ClaimReview: no direction overrides.
    title = models.CharField(
        max_length=500, validators=[require_visible, require_no_direction_override]
    )
    # The reader page's address, /a/<organization>/<slug>/: set once, kept when the title changes.
    slug = ReadableSlugField(max_length=120, blank=True)
    byline = models.CharField(
        max_length=300, blank=True, validators=[require_no_direction_override]
    )
    publisher = models.CharField(
        max_length=200, blank=True, validators=[require_no_direction_override]
    )
    # A web page's address: readers follow it, and the embed matches pages by it.
    canonical_url = models.URLField(
        max_length=2000, blank=True, validators=[WEB_ADDRESS, require_plain_address]
    )
    # `urlnorm.url_key(canonical_url)`: what the embed and the API's `article_url` filter match.
    url_key = models.CharField(max_length=2000, blank=True, db_index=True, editable=False)
    published_on = models.DateField(null=True, blank=True, validators=[require_plausible_date])
    language = models.CharField(max_length=20, blank=True, validators=[require_language_tag])
    text = models.TextField(blank=True)
    # The text's block structure beside the plain canonical text the selectors index:
    # [{"kind": "heading"|"paragraph"|"list_item"|"quote"|"table_row"|"preformatted"|
    #   "caption", "start": int, "end": int, "level": int (headings, nested lists),
    #   "number": int (numbered list items only), "blank_cells": [int] (a table row's empty
    #   columns, which the text leaves out)}], code points.
    structure = models.JSONField(default=list, blank=True)
    # The revision of the text readers see. It follows each new revision at once, except
    # one made while verdicts readers see stand on the text in a newsroom that requires a
    # second person: that waits for someone else's look (services.article_text_publish).
    public_revision = models.ForeignKey(
        "ArticleRevision", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # When the text readers see last changed: when its revision was saved, or shown to them
    # after it waited; a text put back as they see it leaves it. The reader page's note of
    # a text changed after its verdicts, and its Last-Modified, follow it (None: the public
    # revision's own time, for texts saved before it was kept).
    public_revision_shown_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    import_error = models.TextField(blank=True)
    # Whether its last scoring found more check-worthy sentences than are stored: the
    # Suggestions panel then says its list stops at the best ones.
    suggestions_cut = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="article_org_newest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                condition=~Q(slug=""),
                name="unique_article_slug_per_org",
            ),
        ]

    # What the newsroom edits as the article's details (its text changes through revisions).
    DETAIL_FIELDS = ("title", "byline", "publisher", "canonical_url", "published_on", "language")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("article-workspace", args=[self.pk])

    @property
    def details_tag(self) -> str:
        """A tag of the details as they are now: the API's ETag for them, which a client
        sends back as If-Match to change them only if nobody has since."""
        values = "\x1f".join(str(getattr(self, name) or "") for name in self.DETAIL_FIELDS)
        return hashlib.sha256(values.encode()).hexdigest()[:20]

    def latest_revision_number(self) -> int | None:
        """The number of the article's newest revision (None for a placeholder still importing)."""
        return self.revisions.order_by("-number").values_list("number", flat=True).first()


def article_detail_checks(name: str) -> list:
    """The article model's own checks of a detail (visible, one direction, a language tag, a
    plausible date), for a form or serializer to run with its other field checks, so that
    every field at fault is named in one answer; each keeps its own length limit."""
    field = Article._meta.get_field(name)
    return [check for check in field.validators if not isinstance(check, MaxLengthValidator)]


class ArticleRevision(models.Model):
    """One version of an article's text; revisions are never edited or deleted."""

    # The reason a revision taken again from the publisher's own page records.
    REIMPORTED = "re-imported"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    # The text's block structure as it was saved with it (see Article.structure): readers
    # shown this revision while a newer one waits see its own headings and lists. Null for
    # revisions saved before it was kept, whose structure is carried from the newer text.
    structure = models.JSONField(null=True, blank=True, editable=False)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]

    def __str__(self):
        return f"{self.article} r{self.number}"


def workspace_claim_url(article_id: int, claim_id: int) -> str:
    """Where a claim's card opens: its article's workspace, scrolled to the card."""
    return reverse("article-workspace", args=[article_id]) + f"#claim-{claim_id}"


class Claim(models.Model):
    """An annotation: a checked span of an article, with the verdict on it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    class AnchorState(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        ORPHANED = "orphaned", "Orphaned"
        REANCHORING = "reanchoring", "Re-anchoring"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    revision = models.ForeignKey(
        ArticleRevision,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="The revision the selectors index.",
    )
    # W3C TextQuoteSelector
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    # W3C TextPositionSelector, in Unicode code points
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    claim_reviewed = models.TextField(
        help_text="The claim as worded for publication.",
        validators=[
            MaxLengthValidator(CLAIM_WORDING_MAX),
            require_visible,
            require_no_direction_override,
        ],
    )
    claimant = models.CharField(
        max_length=300,
        blank=True,
        # A name: on one line, as a newsroom's is (trial D1: a line break went to readers).
        validators=[require_visible, require_one_line, require_no_direction_override],
    )
    claim_date = models.DateField(null=True, blank=True, validators=[require_plausible_date])
    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    conclusion = models.TextField(
        blank=True,
        help_text="Markdown; rendered sanitised.",
        validators=[MaxLengthValidator(CONCLUSION_MAX), require_no_direction_override],
    )
    correction_note = models.TextField(
        blank=True,
        help_text="Public note shown on retraction.",
        validators=[MaxLengthValidator(NOTE_MAX)],
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    anchor_state = models.CharField(
        max_length=16, choices=AnchorState.choices, default=AnchorState.ANCHORED
    )
    orphan_reason = models.CharField(max_length=300, blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_claims"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_claims",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
    )
    tags = models.JSONField(default=list, blank=True, validators=[require_valid_tags])
    # Set when a reviewer sends the claim back with a note; cleared when it goes to review.
    changes_requested_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="Internal: what the reviewer asked.")
    # A Web Annotation client's own id for the annotation it posted (kept as `via`).
    annotation_via = models.CharField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change.")

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="claim_start_not_negative"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_start_before_end"),
        ]
        indexes = [
            models.Index(fields=["article", "start"], name="claim_article_document_order"),
            models.Index(fields=["status", "-published_at"], name="claim_status_newest"),
        ]

    def __str__(self):
        return self.claim_reviewed[:80]

    def get_absolute_url(self):
        """The claim's card in its article's workspace (members only; readers have
        `reader-claim`)."""
        return workspace_claim_url(self.article_id, self.pk)

    def anchor_to(self, revision: "ArticleRevision", start: int, end: int) -> None:
        """Point the claim's selectors at `revision.text[start:end]` (not saved)."""
        quote, position = anchoring.describe(revision.text, start, end)
        self.exact, self.prefix, self.suffix = quote["exact"], quote["prefix"], quote["suffix"]
        self.start, self.end = position["start"], position["end"]
        self.revision = revision
        self.anchor_state = self.AnchorState.ANCHORED
        self.orphan_reason = ""

    @property
    def selectors(self) -> list[dict]:
        """The stored W3C selectors, as the anchoring engine and JSON-LD expect them."""
        return w3c_selectors(self)


class ClaimEvent(models.Model):
    """One entry of a claim's history: who changed what, and when."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)
    # The claim's version after this event: the fields changed since the version an editor
    # opened are those of the events above it (the three-way merge reads them).
    version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at", "id"]

    def __str__(self):
        return f"{self.action} on claim {self.claim_id}"


class Source(models.Model):
    """A source cited for a claim, with what the evidence fetcher found at its URL."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    class FetchState(models.TextChoices):
        PENDING = "pending", "Pending"
        FETCHING = "fetching", "Fetching"
        FETCHED = "fetched", "Fetched"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused"

    class LinkState(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "Online"
        GONE = "gone", "Gone"
        CHANGED = "changed", "Changed"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="sources")
    # A page readers follow from the published fact-check: http or https, spelled plainly.
    url = models.URLField(max_length=2000, validators=[WEB_ADDRESS, require_plain_address])
    # Published with the verdict: an override would show readers a title or quote reversed.
    # Titles and publishers filled from a fetched page have theirs dropped on the way in.
    title = models.CharField(max_length=500, blank=True, validators=[require_no_direction_override])
    publisher = models.CharField(
        max_length=200, blank=True, validators=[require_no_direction_override]
    )
    quote = models.TextField(
        blank=True,
        help_text="The passage that bears on the claim.",
        validators=[MaxLengthValidator(QUOTE_MAX), require_no_direction_override],
    )
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.CONTEXT)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    fetch_state = models.CharField(
        max_length=16, choices=FetchState.choices, default=FetchState.PENDING
    )
    fetch_error = models.CharField(max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    extracted_text = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    archive_url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True, help_text="The page's own date.")
    # Link health, re-checked periodically for published claims' sources.
    link_state = models.CharField(
        max_length=12, choices=LinkState.choices, default=LinkState.UNCHECKED
    )
    link_checked_at = models.DateTimeField(null=True, blank=True)
    link_failures = models.PositiveSmallIntegerField(default=0)
    link_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["claim", "created_at", "id"]

    def __str__(self):
        return self.title or self.url

    def snapshots_of_cited_page(self):
        """Snapshots of the address the source cites now, newest first.

        A source pointed at another address keeps the old page's snapshots as history,
        but what that page said no longer speaks for this source.
        """
        return self.snapshots.filter(requested_url=self.url).order_by("-fetched_at", "-id")


def _import_upload_path(instance, filename):
    return f"imports/{instance.organization_id}/{instance.sha256[:2]}/{instance.sha256}"


class ArticleImport(models.Model):
    """What was received for an article (upload or fetched page), kept for re-extraction."""

    class Kind(models.TextChoices):
        UPLOAD = "upload", "Upload"
        URL = "url", "URL"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="imports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    filename = models.CharField(max_length=255, blank=True)
    # The title the editor typed, if any: it names the article over the document's own, read
    # by the worker as in the request (a large upload lost it, review R25).
    title = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)
    declared_type = models.CharField(max_length=200, blank=True)
    media_type = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    original = models.FileField(upload_to=_import_upload_path, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    error = models.CharField(max_length=500, blank=True)
    # The encoding detection chose for bytes that declared none and were not UTF-8 (Python's
    # codec name, "" when nothing was guessed): the workspace asks the editor to check it.
    guessed_encoding = models.CharField(max_length=40, blank=True)
    revises_existing = models.BooleanField(
        default=False,
        help_text="The editor asked for this page to replace the text of the article "
        "already here, should it turn out to be one with claims; else that article is "
        "left as it is.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.filename or self.source_url or f"import {self.pk}"


class PublishedVersion(models.Model):
    """An immutable copy of everything readers see of a claim, made each time it is published.

    The claim row is the newsroom's working copy; readers, ClaimReview and the public API
    read only these. A later version supersedes the earlier one, which is kept as history.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="published_versions")
    number = models.PositiveIntegerField(help_text="1 for the first publication, then 2, 3...")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PUBLISHED)
    is_current = models.BooleanField(default=True)
    # Cleared when the article's words under the claim change or are lost: readers then
    # see nothing of it until a reviewer republishes.
    is_anchored = models.BooleanField(default=True)

    revision = models.ForeignKey(ArticleRevision, on_delete=models.PROTECT, related_name="+")
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    claim_reviewed = models.TextField()
    claimant = models.CharField(max_length=300, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    # The rating it was given, for identity (filters, statistics); what readers see of it is
    # frozen below (`versions.rating_fields`), so that renaming, recolouring or revaluing the
    # rating in the scale editor changes no published verdict until it is republished. The
    # one writer, `services.claims._write_version`, freezes them and validates the row: a
    # label or colour left blank fails `full_clean`, and a scale range left out is NOT NULL.
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="+")
    rating_label = models.CharField(max_length=60)
    rating_value = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_colour = models.CharField(max_length=7)
    rating_description = models.CharField(max_length=300, blank=True)
    rating_worst_value = models.PositiveSmallIntegerField()
    rating_best_value = models.PositiveSmallIntegerField()
    conclusion = models.TextField(blank=True)
    # The conclusion as readers get it, rendered and sanitised once when the version is
    # written: versions never change, and pages list hundreds. If the sanitiser's allow-list
    # changes, a data migration renders them again (and sets `changed_at`, for caches).
    conclusion_html = models.TextField(blank=True, editable=False)
    tags = models.JSONField(default=list, blank=True)
    # `versions.tag_key` of each tag, what the API's tag= filter matches: folded here once,
    # as SQL lower() folds by collation (ASCII only on SQLite) and never "ß" to "ss".
    tag_keys = models.JSONField(default=list, blank=True, editable=False)
    # The words the public search looks in (wording, claimant, conclusion, tags), folded by
    # `textsearch.fold_for_search`: "Sao Paulo" typed finds "São Paulo" on both databases.
    search_text = models.TextField(blank=True, editable=False)
    sources = models.JSONField(default=list, blank=True, help_text="The cited sources, frozen.")
    # The outside archive's copy of each cited source's frozen address, by source id (a
    # string, as JSON keys are): {"url", "at"}. Frozen with the sources, and added to when
    # a capture of that address finishes later; never taken from the working copy.
    archives = models.JSONField(default=dict, blank=True, editable=False)
    # The Web Annotation this claim was copied from (`Claim.annotation_via`), as published.
    via = models.CharField(max_length=2000, blank=True)
    # The article as readers are told of it (`versions.ARTICLE_FIELDS`), frozen like the rest:
    # changing the article's title, date or original address changes no published
    # fact-check, nor the page the embed shows it on, until a reviewer republishes it.
    article_title = models.CharField(max_length=500)
    article_byline = models.CharField(max_length=300, blank=True)
    article_publisher = models.CharField(max_length=200, blank=True)
    article_url = models.URLField(max_length=2000, blank=True)
    # `urlnorm.url_key(article_url)`: what the embed and the API's `article_url` filter match.
    article_url_key = models.CharField(max_length=2000, blank=True, db_index=True, editable=False)
    article_published_on = models.DateField(null=True, blank=True)
    correction_note = models.TextField(
        blank=True, help_text="Public: why this version differs from the one before."
    )
    publisher = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="published_versions"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField()
    # When this row last changed for readers: made, superseded, or (un)anchored. Public
    # sync (`updated_since`) reads it; code that flips a flag with `update()` sets it too.
    changed_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["claim", "number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="unique_published_number"),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(is_current=True), name="one_current_version"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="published_start_before_end"
            ),
        ]
        indexes = [
            models.Index(
                fields=["publisher", "is_current", "-published_at"], name="published_by_org_newest"
            ),
        ]

    def __str__(self):
        return f"{self.claim_reviewed[:60]} (v{self.number})"

    def save(self, *args, **kwargs):
        self.tag_keys = [versions.tag_key(tag) for tag in self.tags]
        self.search_text = textsearch.fold_for_search(
            " ".join([self.claim_reviewed, self.claimant, self.conclusion, *map(str, self.tags)])
        )
        super().save(*args, **kwargs)

    @property
    def selectors(self) -> list[dict]:
        """The stored W3C selectors, as the anchoring engine and JSON-LD expect them."""
        return w3c_selectors(self)

    @property
    def verdict(self) -> versions.ShownRating:
        """The rating as readers were shown it with this version (never the live `rating`)."""
        return versions.shown_rating(self)


class Invitation(models.Model):
    """An invitation to join an organization: only its holder can accept it, once.

    The token is sent by email and only its SHA-256 is stored. An invitation for an
    existing account is sent to the address already on that account, and it is accepted
    by that account signed in as itself.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        # Its invitee joined through another invitation (one by address, one by username).
        SUPERSEDED = "superseded", "Closed: joined through another invitation"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    email = models.EmailField(help_text="Where the invitation was sent.")
    invited_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations_received",
        help_text="The existing account invited, if any.",
    )
    named_by_username = models.BooleanField(
        default=False,
        help_text="The admin named the existing account by its username. Invited by "
        "address, the account's username is never shown to them: it would tell any "
        "newsroom's admin whose address it is.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "state"], name="invitation_org_state"),
        ]

    def __str__(self):
        return f"{self.email} to {self.organization} ({self.get_state_display()})"

    @property
    def invitee_shown(self) -> str:
        """Whom the organization's admins are told it invites: the username they named,
        else the address they typed (whether or not an account has it)."""
        if self.invited_user is not None and self.named_by_username:
            return self.invited_user.get_username()
        return self.email


class ReplacedInvitationLink(models.Model):
    """The digest of an invitation link that a resend replaced: an older email's link then
    says it was replaced, rather than that it is not valid."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="replaced_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"link replaced {self.replaced_at:%Y-%m-%d} for {self.invitation}"


class JobQuerySet(models.QuerySet):
    def in_flight(self):
        """Jobs still queued or running: work a page waits on, or a request need not repeat."""
        return self.filter(state__in=Job.IN_FLIGHT)

    def about(self, kind: str, subject):
        """The `kind` jobs working on `subject` (a row's id, or a subquery of ids)."""
        if isinstance(subject, (int, models.Expression)):
            return self.filter(kind=kind, subject_id=subject)
        return self.filter(kind=kind, subject_id__in=subject)


class Job(models.Model):
    """A background job: the row is the truth, the Celery message only a nudge.

    Rows are written in the same transaction as the thing they work on; the message is
    sent on commit, and the sweeper re-sends jobs left queued or running too long.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # The states of a job not finished yet.
    IN_FLIGHT = (State.QUEUED, State.RUNNING)

    kind = models.CharField(max_length=40, help_text="What the job does, e.g. import.")
    subject_id = models.PositiveBigIntegerField(help_text="The id of the row it works on.")
    arguments = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Last message sent.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True, help_text="Retry not before.")
    worker = models.CharField(
        max_length=300, blank=True, help_text="host:pid of the process running the attempt."
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "sent_at"], name="job_sweep"),
            models.Index(fields=["kind", "subject_id"], name="job_subject"),
            # The operator's job list, newest first (the model's ordering).
            models.Index(fields=["-created_at", "-id"], name="job_newest"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.subject_id} ({self.state})"


class ApiToken(AbstractAuthToken):
    """A program's credential for the API, acting as the user who made it (knox's token).

    Only knox's SHA-512 `digest` of the key is stored, with the key's first characters
    (`token_key`) to find it. `expiry` is empty for a token that never expires. An
    organization token acts only within its organization, and only while its creator
    (`user`) is an admin there. Revoking a token deletes it.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    # A plain id in place of knox's digest as primary key: pages, URLs and throttle counts
    # name a token by it without handling anything derived from the secret.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=KNOX.DIGEST_LENGTH, unique=True)
    name = models.CharField(
        max_length=100,
        help_text="What the token is for.",
        validators=[require_no_direction_override],
    )
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text="Set for an organization token, made by one of its admins.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.name} ({self.get_scope_display()})"


# The newsroom's conversation and notifications (issue: the newsroom's daily tool)


class Comment(models.Model):
    """An internal comment on a claim (W3C `commenting`, or `replying` with a parent).

    Never part of public output. A thread is a comment without parent and its replies;
    resolving the first comment resolves the thread.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(
        max_length=20_000,
        help_text="Markdown, as written.",
        validators=[require_no_direction_override],
    )
    body_html = models.TextField(blank=True, editable=False, help_text="Sanitised HTML.")
    mentions = models.JSONField(default=list, blank=True, help_text="Usernames mentioned.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="comment_claim_time")]

    def __str__(self):
        return f"Comment {self.pk} on claim {self.claim_id}"


class Notification(models.Model):
    """Something a member should know about, shown in the app and optionally emailed."""

    # Functional TextChoices take (NAME, (value, label)): the stored value is the short kind.
    Kind = models.TextChoices(
        "Kind", [(kind.upper(), (kind, label)) for kind, label in NOTIFICATION_KINDS]
    )

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Set for news about an article rather than one claim: a new text waiting to be shown.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The notifications page: a member's newest first, however many they have.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_newest"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}: {self.message[:40]}"


# Evidence gathered in the background (issue: evidence in the background)


def _snapshot_path(instance, filename):
    return f"snapshots/{instance.source.claim.article.organization_id}/{filename}"


class Snapshot(models.Model):
    """A source page as it was fetched: a WARC record the newsroom owns, and its text."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    fetched_at = models.DateTimeField()
    requested_url = models.URLField(max_length=2000)
    final_url = models.URLField(max_length=2000)
    http_status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, help_text="Of the response body.")
    size = models.PositiveBigIntegerField(default=0)
    warc = models.FileField(upload_to=_snapshot_path, max_length=300)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    text = models.TextField(blank=True, help_text="The main text, extracted.")

    class Meta:
        ordering = ["-fetched_at", "-id"]
        get_latest_by = "fetched_at"

    def __str__(self):
        return f"Snapshot of {self.final_url} at {self.fetched_at:%Y-%m-%d %H:%M}"


class EvidenceRequest(models.Model):
    """One provider asked about one claim: a job on the job mechanism (Job kind `evidence`)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence_requests")
    provider = models.CharField(max_length=60)
    query = models.JSONField(default=dict, blank=True, help_text="What the provider was asked.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=1000, blank=True, help_text="The reason, in words.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["claim", "provider"], name="evidence_request_claim")]

    def __str__(self):
        return f"{self.provider} for claim {self.claim_id} ({self.state})"


class EvidenceItem(models.Model):
    """A passage that may decide a claim's verdict, found by a provider or in a source."""

    class State(models.TextChoices):
        NEW = "new", "New"
        ADDED = "added", "Added as source"
        DISMISSED = "dismissed", "Dismissed"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence_items")
    request = models.ForeignKey(
        EvidenceRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    provider = models.CharField(max_length=60)
    url = models.URLField(max_length=2000)
    url_key = models.CharField(max_length=2000, editable=False)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    passage = models.TextField(blank=True)
    # [{"start", "end", "kind": "term"|"number"}] code points into `passage`.
    highlights = models.JSONField(default=list, blank=True)
    # [{"text", "value", "unit", "start", "end", "agreement": agrees|disagrees|unrelated}]
    numbers = models.JSONField(default=list, blank=True)
    score = models.FloatField(default=0.0)
    rating = models.CharField(max_length=200, blank=True, help_text="An earlier fact-check's.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The earlier fact-check in this instance the item shows: read again as the panel is
    # shown, since a verdict retracted or rerated after the search must not stand as found.
    earlier_claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "url_key"], name="one_item_per_claim_url"),
        ]

    def __str__(self):
        return f"{self.title or self.url} for claim {self.claim_id}"


class ImportedFactCheck(models.Model):
    """A fact-check by anyone, imported from ClaimReview JSON-LD for the evidence search."""

    url = models.URLField(max_length=2000, help_text="The ClaimReview's own url.")
    url_key = models.CharField(max_length=2000, unique=True, editable=False)
    claim_reviewed = models.TextField()
    rating = models.CharField(max_length=200, blank=True, help_text="alternateName.")
    rating_value = models.FloatField(null=True, blank=True)
    publisher = models.CharField(max_length=300, blank=True, help_text="The author's name.")
    publisher_url = models.URLField(max_length=2000, blank=True)
    claimant = models.CharField(max_length=300, blank=True)
    date_published = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=20, blank=True)
    raw = models.JSONField(default=dict, blank=True, help_text="The ClaimReview as imported.")
    imported_from = models.CharField(max_length=2000, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_published", "-id"]

    def __str__(self):
        return f"{self.publisher}: {self.claim_reviewed[:60]}"


# Webhooks (issue: standards and push)


class WebhookEndpoint(models.Model):
    """A URL an organization's admins registered to receive signed events."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types delivered.")
    # The signing secret must be readable to sign; it is shown to the admin only once.
    secret = models.CharField(max_length=200)
    previous_secret = models.CharField(max_length=200, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "id"]

    def __str__(self):
        return f"{self.url} ({self.organization})"


class WebhookDelivery(models.Model):
    """One event for one endpoint, delivered by a job (Job kind `webhook`)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=60)
    message_id = models.CharField(max_length=64, unique=True, help_text="webhook-id.")
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Where the last attempt went: the endpoint's URL may have changed since.
    last_attempt_url = models.CharField(max_length=2000, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_time")]

    def __str__(self):
        return f"{self.event_type} to {self.endpoint_id} ({self.state})"


# Claim spotting (issue: claim spotting)


class Suggestion(models.Model):
    """A sentence the spotter scored as check-worthy, and the newsroom's decision on it."""

    class State(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    # Decisions follow a sentence across revisions by its normalised text.
    sentence_key = models.CharField(max_length=64, help_text="sha256 of the normalised text.")
    score = models.FloatField()
    has_number = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    model_version = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "start"]
        indexes = [
            models.Index(fields=["article", "-score"], name="suggestion_article_score"),
            models.Index(fields=["article", "sentence_key"], name="suggestion_article_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="suggestion_start_before_end"
            ),
        ]

    def __str__(self):
        return f"{self.sentence[:60]} ({self.score:.2f})"


def _spotter_path(instance, filename):
    return f"spotters/{instance.organization_id or 'instance'}/{filename}"


class SpotterModel(models.Model):
    """A claim-spotting model retrained with a newsroom's labels, and its evaluation."""

    class State(models.TextChoices):
        TRAINING = "training", "Training"
        KEPT = "kept", "Kept"
        REJECTED = "rejected", "Not kept (worse)"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="spotter_models",
        help_text="Empty for an instance-wide model.",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.TRAINING)
    model_file = models.FileField(upload_to=_spotter_path, blank=True, max_length=300)
    report = models.JSONField(default=dict, blank=True, help_text="MAP before and after.")
    is_active = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_active=True),
                name="one_active_spotter_per_org",
            ),
        ]

    def __str__(self):
        return f"Spotter for {self.organization or 'the instance'} ({self.state})"


# Retried API writes (annotations.api.idempotency)


class IdempotentRequest(models.Model):
    """An API write sent with an `Idempotency-Key`, and the answer it got.

    The same key sent again by the same account, with the same request, is answered with
    that answer instead of being carried out twice (a create retried after its answer was
    lost). Kept `FACTCHECK_IDEMPOTENCY_HOURS`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What the request was sent with: "session", or "token <id>". An organization token's
    # key must not replay an answer given through another token of the account (one for
    # another newsroom, review R23).
    credential = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and body: the same key on another request is a mistake.
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request is being answered.
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "credential", "key"], name="one_request_per_credential_key"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_age")]

    def __str__(self):
        return f"{self.key} of {self.user_id} ({self.status or 'running'})"
