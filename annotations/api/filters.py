"""Query filters of the public reads, validated: a bad value is a 400 naming the parameter."""

import datetime as dt
import re

from django import forms
from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import exceptions
from rest_framework.settings import api_settings

from annotations import anchoring, models, queries, textsearch, urlnorm, versions

# The text `q` searches, written exactly as the GIN index of migration 0042 indexes it, so
# that PostgreSQL uses the index: the same expression, on the same column. The column holds
# the searched words folded (`textsearch.fold_for_search`: no accents, folded case, straight
# quotes), as are the words searched for: under some locales (C) the parser reads ’ and “ as
# letters, so "Khan’s" would be one word that "Khan's" never finds.
SEARCH_DOCUMENT = "to_tsvector('simple', annotations_publishedversion.search_text)"
Q_MAX = 200
Q_MAX_WORDS = textsearch.MAX_WORDS


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, turned to UTC so that the database accepts any offset given.

    Python reads offsets up to ±23:59; PostgreSQL refuses those beyond ±15:59 with an
    error, which would answer 500 to a query parameter.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("Out of range.", code="invalid") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


CLAIM_ORDERINGS = {
    "-published_at": ("-published_at", "-id"),
    "published_at": ("published_at", "id"),
    "-updated_at": ("-changed_at", "-id"),
    "updated_at": ("changed_at", "id"),
}


def _vendor(queryset) -> str:
    return connections[queryset.db].vendor


_HAS_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://")


class ArticleUrlFilter(filters.CharFilter):
    """An article's address in any spelling, matched by its normal form (`urlnorm.url_key`)."""

    def __init__(self, *, field_name: str, **kwargs):
        super().__init__(field_name=field_name, max_length=2000, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        # The scheme is no part of the match: "example.org/story" names the same article as
        # "https://example.org/story". A scheme other than http(s) is still refused.
        if not _HAS_SCHEME.match(value):
            # Words are not an address ("not an address" would read as a host name).
            bare = value.strip().lstrip("/")
            value = "" if any(char.isspace() for char in bare) else f"https://{bare}"
        key = urlnorm.url_key(value)
        if not key:
            raise exceptions.ValidationError(
                {"article_url": ["Not a web address: expected an http or https URL."]}
            )
        return queryset.filter(**{self.field_name: key})


def _folded(words: list[str]) -> list[str]:
    """The words searched for, without the punctuation around them, folded as `search_text`."""
    return [textsearch.fold_for_search(word) for word in textsearch.searched_words(words)]


class PublishingOrganizationFilter(filters.CharFilter):
    """An organization's slug; one no organization that has published goes by is a 400.

    An empty list for a misspelt slug looks like an answer; and the embed script asked the
    organization's own address on every page without verdicts, to tell a publisher their
    tag named no organization (trial G18). As the organization detail, a newsroom that has
    never published is not told apart from a slug nobody has.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault(
            "help_text",
            "An organization's slug; one that names no organization that has published is a 400.",
        )
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if value and not queries.public_organizations().filter(slug=value).exists():
            raise exceptions.ValidationError(
                {"organization": ["No organization that has published has this slug."]}
            )
        return super().filter(queryset, value)


class PublicClaimFilter(filters.FilterSet):
    """Filters of `/api/v1/claims/`; all of them together narrow the list."""

    organization = PublishingOrganizationFilter(field_name="publisher__slug")
    rating = filters.CharFilter(
        method="filter_rating",
        max_length=60,
        help_text="A rating label, e.g. False (any case), as the claim was published with "
        "it: a rating renamed since finds claims by its new label once they are republished. "
        "Retracted claims, their verdict withdrawn, are not matched.",
    )
    article_url = ArticleUrlFilter(
        field_name="article_url_key",
        help_text="The address of the article, in any spelling: scheme, www., tracking "
        "parameters and the fragment are ignored.",
    )
    claimant = filters.CharFilter(
        method="filter_content",
        field_name="claimant__iexact",
        max_length=300,
        help_text="Who made the claim (any case).",
    )
    tag = filters.CharFilter(method="filter_tag", max_length=models.TAG_MAX, help_text="A tag.")
    published_since = UtcDateTimeFilter(
        method="filter_published_since",
        help_text="Versions published at or after this ISO 8601 time (a suspended claim, "
        "its `published_at` hidden, is not matched: `updated_since` finds it).",
    )
    updated_since = UtcDateTimeFilter(
        field_name="changed_at",
        lookup_expr="gt",
        help_text="Claims changed for readers after this ISO 8601 time. A change that "
        "commits late can carry a time up to FACTCHECK_FEED_LATE_COMMIT_SECONDS (300 by "
        "default) before its commit: ask from that long before the latest `updated_at` of "
        "your last pull, and skip the claims whose `updated_at` you already have.",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=Q_MAX,
        help_text="Words to find in the wording, claimant, conclusion and tags (all of them), "
        "in any case, with or without their accents.",
    )
    ordering = filters.ChoiceFilter(
        choices=[(value, value) for value in CLAIM_ORDERINGS],
        method="filter_ordering",
        empty_label=None,
        # As the other lists say it (`NewsroomCursorPagination`): which values there are.
        error_messages={"invalid_choice": f"One of: {', '.join(CLAIM_ORDERINGS)}."},
        help_text="Order of the list (default -published_at). A `-` means newest first.",
    )

    class Meta:
        model = models.PublishedVersion
        fields = []

    # A suspended claim is hidden from readers: filters on what it says (rating, claimant,
    # tag, q) never match it, so that nobody can probe its hidden content, nor does its
    # hidden publication time. Filters on where (organization, article_url) and on
    # `updated_since` do, so a syncing consumer learns of it.

    def filter_content(self, queryset, name, value):
        return queryset.filter(is_anchored=True, **{name: value})

    def filter_published_since(self, queryset, name, value):
        # Matched by the time it hides, a suspended claim told when it was published by
        # which times found it (API trial D4).
        return queryset.filter(published_at__gte=value, is_anchored=True)

    def filter_rating(self, queryset, name, value):
        # Only the published version speaks to the public: a claim is found by the label it
        # shows, never by the live rating's name (which readers have not been shown yet).
        # A retracted version's rating no longer stands: a client listing the claims rated
        # True listed one withdrawn (API trial D4).
        return queryset.filter(rating_label__iexact=value, is_anchored=True).exclude(
            kind=models.PublishedVersion.Kind.RETRACTED
        )

    def filter_tag(self, queryset, name, value):
        # A claim's tags are distinct in any case ("Economy" and "economy" are one), so the
        # filter matches in any case too: the tag folded as each version's `tag_keys` were.
        queryset = queryset.filter(is_anchored=True)
        key = versions.tag_key(value)
        if _vendor(queryset) == "postgresql":
            # jsonb containment, which the partial GIN index published_tag_keys serves.
            return queryset.filter(tag_keys__contains=[key])
        # SQLite's JSON has no containment operator; json_each reads each key.
        return queryset.filter(
            RawSQL(
                "EXISTS (SELECT 1 FROM json_each(annotations_publishedversion.tag_keys) "
                "WHERE json_each.value = %s)",
                [key],
                output_field=BooleanField(),
            )
        )

    def filter_q(self, queryset, name, value):
        words = value.split()
        if not words:
            return queryset
        if len(words) > Q_MAX_WORDS:
            raise exceptions.ValidationError({"q": [f"At most {Q_MAX_WORDS} words."]})
        if not any(char.isalnum() for char in value):
            # Punctuation alone is no search: `q="` listed every claim on SQLite, and
            # nothing on PostgreSQL.
            raise exceptions.ValidationError({"q": ["Give a word or a number to search for."]})
        queryset = queryset.filter(is_anchored=True)
        # Chinese, Japanese and Thai put no space between words: full-text search takes a
        # run of their letters for one word, and "业率" would never find "失业率". Such a
        # word is found anywhere in the text, as a reader of those languages expects.
        unspaced = [word for word in words if anchoring.UNSPACED_SCRIPT.search(word)]
        spaced = [word for word in words if word not in unspaced]
        for word in _folded(unspaced):
            queryset = queryset.filter(search_text__contains=word)
        if _vendor(queryset) == "postgresql":
            if not spaced:
                return queryset
            return queryset.filter(
                RawSQL(  # noqa: S611 - a constant expression; the words are a parameter
                    f"{SEARCH_DOCUMENT} @@ plainto_tsquery('simple', %s)",
                    [textsearch.fold_for_search(" ".join(spaced))],
                    output_field=BooleanField(),
                )
            )
        # Elsewhere (SQLite, development), each word at the start of a word, as full-text
        # search would match it: "CIA" must not find "official".
        for word in _folded(spaced):
            queryset = queryset.filter(search_text__regex=rf"\b{re.escape(word)}")
        return queryset

    def filter_ordering(self, queryset, name, value):
        # Validated here; the cursor pagination applies it, as it must know the order.
        return queryset


class PublicArticleFilter(filters.FilterSet):
    """Filters of `/api/v1/articles/`."""

    organization = PublishingOrganizationFilter(field_name="organization__slug")
    article_url = ArticleUrlFilter(
        # As last published (`queries.public_articles`), not as the newsroom edits it now.
        field_name="article_url_key",
        help_text="The address of the article, in any spelling (see `/api/v1/claims/`).",
    )

    class Meta:
        model = models.Article
        fields = []


class NewsroomArticleFilter(filters.FilterSet):
    """Filters of `/api/v1/newsroom/articles/`, within the caller's own organizations."""

    status = filters.ChoiceFilter(choices=models.Article.Status.choices)
    # Any id or slug is accepted and matched within the caller's articles: an organization
    # that is not theirs, and one that does not exist, both give an empty list, so the
    # answer does not tell which ids exist.
    organization = filters.CharFilter(
        method="filter_organization", max_length=80, help_text="Your organization's id or slug."
    )

    # A URL import may turn out to be of an article already here: its placeholder goes, and
    # the import's client finds where the page went by the import's id.
    from_import = filters.NumberFilter(
        field_name="imports__id", help_text="The article an import (by its id) filled in."
    )

    def filter_organization(self, queryset, name, value):
        if value.isdigit():
            return (
                queryset.filter(organization_id=int(value)) if len(value) < 19 else queryset.none()
            )
        return queryset.filter(organization__slug=value)

    class Meta:
        model = models.Article
        fields = ["status", "organization", "from_import"]


# Query parameters a paginator may read, by the attribute that names each.
_PAGINATION_PARAMETERS = (
    "cursor_query_param", "page_query_param", "page_size_query_param",
    "limit_query_param", "offset_query_param",
)  # fmt: skip


def refuse_unknown_parameters(request, known, *, of: str) -> None:
    """A 400 naming each query parameter (five at most) that is none of `known`, and listing
    those: a typo would otherwise get an answer that looks like the one asked for."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        takes = f"it takes: {', '.join(sorted(known))}" if known else "it takes none"
        raise exceptions.ValidationError(
            {name: [f"Not a parameter of {of}; {takes}."] for name in unknown[:5]}
        )


def refuse_repeated_parameters(request, names) -> None:
    """A 400 naming each of `names` given more than once: the last would otherwise win in
    silence, so that the order of the query decided the answer."""
    repeated = sorted(name for name in names if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise exceptions.ValidationError({name: ["Give it once."] for name in repeated})


class StrictFilterBackend(filters.DjangoFilterBackend):
    """The view's filters, and a 400 for a query parameter that is none of them: a typo
    (`organisation=`, `rating_label=`) would otherwise return the whole list unfiltered,
    which looks like an answer."""

    def filter_queryset(self, request, queryset, view):
        # A list without filters (the organizations) takes only its pages and orderings.
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class is not None else set()
        paginator = getattr(view, "paginator", None)
        known.update(
            name
            for attribute in _PAGINATION_PARAMETERS
            if (name := getattr(paginator, attribute, None))
        )
        if getattr(view, "orderings", None):
            known.add("ordering")
        known.add(api_settings.URL_FORMAT_OVERRIDE or "format")
        refuse_unknown_parameters(request, known, of="this list")
        # Every filter takes one value: `rating=False&rating=True` found the True ones only.
        refuse_repeated_parameters(request, known)
        return super().filter_queryset(request, queryset, view)
