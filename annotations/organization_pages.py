"""Public organization pages (fact-checks, corrections, methodology, logo), the public home, and
the admins' organization settings: name, URL, logo, review rule, methodology, rating scale.

The public pages show published versions only (through `queries`), are the same for
everyone, and are cacheable: `Cache-Control: public` with an ETag drawn from what they show.
"""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from annotations import (
    contrast,
    current_organization,
    dashboard,
    form_conflicts,
    permissions,
    queries,
    reader,
    services,
    textsearch,
    versions,
)
from annotations.models import METHODOLOGY_MAX, WEB_ADDRESS, Organization, PublishedVersion
from annotations.rendering import markdown_to_safe_html

PAGE_SIZE = 20
CORRECTIONS_PAGE_SIZE = 50
SEARCH_MAX = 200


def _public_organization(request, slug: str, *fields: str) -> Organization:
    """The organization of a reader page, or a 404 for a newsroom readers cannot see yet."""
    found = queries.reader_organization(request.user, slug)
    found = found.only("slug", *fields) if fields else found.defer("methodology")
    return get_object_or_404(found)


# Public pages


def home(request):
    """The front page: a member's article list, or for everyone else the newsrooms to read."""
    if request.user.is_authenticated:
        return dashboard.dashboard(request)
    return public_home(request)


@require_safe
def public_home(request):
    """Every organization with published fact-checks, with links to their pages."""
    stamp = queries.public_stamp()
    etag, modified = reader.validators(("home", stamp), stamp["newest"])
    response = reader.not_modified(request, etag, modified)
    if response is None:
        organizations = list(queries.organizations_with_fact_checks())
        context = {
            "organizations": organizations,
            "description": "Fact-checks published by "
            + (", ".join(org.name for org in organizations) or "no newsroom yet")
            + ".",
            "canonical": request.build_absolute_uri(reverse("article-list")),
        }
        response = reader.cacheable(render(request, "reader/home.html", context), etag, modified)
    # The same address is a member's article list: a shared cache must not mix the two.
    patch_vary_headers(response, ["Cookie"])
    return response


class FactCheckFilter(forms.Form):
    """The organization page's search: words in the claim, claimant or article, and a rating."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, strip=True)
    rating = forms.CharField(required=False, max_length=60)


def _public_page(paginator: Paginator, number: str):
    """The page asked for; a page that is not one of the list's is not found.

    `get_page` answered 200 for `?page=abc`, `-1` or `9` of 2, with page 1 or the last, each
    a copy of another address for search engines.
    """
    try:
        return paginator.page(number)
    except InvalidPage:
        raise Http404("No such page of this list.") from None


def _canonical(request, path: str, page) -> str:
    """The list's own address for page 1, and its page's address after."""
    number = page.number if page.number > 1 else None
    return request.build_absolute_uri(_filter_link(path, page=number))


def _filter_link(path: str, **params) -> str:
    kept = {key: value for key, value in params.items() if value}
    return f"{path}?{urlencode(kept)}" if kept else path


@require_safe
def organization(request, org: str):
    """An organization's published fact-checks, newest first, with search and a rating filter."""
    organization = _public_organization(request, org)
    search = FactCheckFilter(request.GET)
    # A query too long or malformed is shown back, and searched for as nothing.
    query = search.cleaned_data["q"] if search.is_valid() else ""
    scale = queries.organization_scale(organization)
    label = search.cleaned_data.get("rating", "") if search.is_valid() else ""
    page_number = request.GET.get("page", "1")
    stamp = queries.public_stamp(organization)
    etag, modified = reader.validators(
        ("organization", stamp, reader.scale_parts(scale), query, label, page_number),
        stamp["newest"],
    )
    if not_modified := reader.not_modified(request, etag, modified):
        return not_modified

    # The ratings as the fact-checks show them, not as the scale names them now (after the
    # 304 check: the stamp already covers them).
    labels = queries.published_labels(organization)
    fact_checks = queries.claim_reviews(organization).order_by("-published_at", "-id")
    if query:
        # Each word, in any order, in the fact-checks' own words as the public search folds
        # them (accents too: "Sao Paulo" finds "São Paulo") or in the checked article's
        # title, as the API's `q` takes words; quotes around them are no part of them.
        fact_checks = fact_checks.alias(
            article_title_folded=textsearch.FoldQuotes(F("article_title"))
        )
        for word in textsearch.searched_words(query.split())[: textsearch.MAX_WORDS]:
            fact_checks = fact_checks.filter(
                Q(search_text__contains=textsearch.fold_for_search(word))
                | Q(article_title_folded__icontains=textsearch.fold_quotes(word))
            )
    if label:
        fact_checks = fact_checks.filter(rating_label=label)
    page = _public_page(Paginator(fact_checks, PAGE_SIZE), page_number)
    path = reverse("reader-organization", args=[organization.slug])
    # Each verdict wears the colour it was published with (`versions.ShownRating.key`).
    css = reader.scale_css([*scale, *(version.verdict for version in page)])
    context = {
        "organization": organization,
        "page": page,
        "query": query,
        "label": label,
        "labels": labels,
        "scale": scale,
        "scale_css": css,
        "filtered": bool(query or label),
        "previous_link": page.has_previous()
        and _filter_link(path, q=query, rating=label, page=page.previous_page_number()),
        "next_link": page.has_next()
        and _filter_link(path, q=query, rating=label, page=page.next_page_number()),
        "canonical": _canonical(request, path, page),
        "description": f"Fact-checks published by {organization.name}: {stamp['count']} "
        f"claim{pluralize(stamp['count'])} checked, with the verdict and the evidence for each.",
    }
    response = render(request, "reader/organization.html", context)
    return reader.cacheable(reader.allow_style(response, css), etag, modified)


def _correction(version: PublishedVersion, before: PublishedVersion | None) -> dict:
    """One line of the corrections page: what changed in `version` and why."""
    when = timezone.localtime(version.published_at)
    retracted = version.kind == PublishedVersion.Kind.RETRACTED
    changes = (
        []
        if retracted or before is None
        else versions.changes_between(
            versions.version_snapshot(before), versions.version_snapshot(version)
        )
    )
    line = versions.correction_line(
        kind=version.kind, when=when, note=version.correction_note, changes=changes
    )
    return {
        "version": version,
        "retracted": retracted,
        "when": when,
        # The page shows the date in its own column: the line without its "3 Dec 2026: ".
        "text": line.removeprefix(f"{versions.day(when)}: "),
        "rating_before": before.rating_label if before is not None else None,
    }


@require_safe
def corrections(request, org: str):
    """Every change to a published verdict and every retraction, with date and note."""
    organization = _public_organization(request, org)
    page_number = request.GET.get("page", "1")
    stamp = queries.public_stamp(organization)
    ratings = queries.organization_scale(organization)
    scale = reader.scale_parts(ratings)
    etag, modified = reader.validators(("corrections", stamp, scale, page_number), stamp["newest"])
    if not_modified := reader.not_modified(request, etag, modified):
        return not_modified

    page = _public_page(
        Paginator(queries.organization_corrections(organization), CORRECTIONS_PAGE_SIZE),
        page_number,
    )
    rows = list(page)
    earlier = queries.earlier_versions(rows)
    path = reverse("reader-corrections", args=[organization.slug])
    context = {
        "organization": organization,
        "page": page,
        "corrections": [
            _correction(row, earlier.get((row.claim_id, row.number - 1))) for row in rows
        ],
        "previous_link": page.has_previous()
        and _filter_link(path, page=page.previous_page_number()),
        "next_link": page.has_next() and _filter_link(path, page=page.next_page_number()),
        "canonical": _canonical(request, path, page),
        "description": f"Every correction and retraction of {organization.name}'s fact-checks, "
        "with the date and the reason.",
        # The verdict chips wear their rating's colour here too (as it was published), not
        # the default grey.
        "scale_css": (css := reader.scale_css([*ratings, *(row.verdict for row in rows)])),
    }
    response = render(request, "reader/corrections.html", context)
    return reader.cacheable(reader.allow_style(response, css), etag, modified)


@require_safe
def methodology(request, org: str):
    """How the organization chooses, checks and rates claims (its Markdown), and its scale."""
    organization = get_object_or_404(queries.reader_organization(request.user, org))
    scale = queries.organization_scale(organization)
    earlier = queries.earlier_rating_labels(scale)
    for rating in scale:
        rating.earlier_labels = earlier.get(rating.pk, [])
    etag = reader.page_etag(
        "methodology",
        organization.name,
        organization.url,
        organization.logo.name,
        organization.methodology,
        reader.scale_parts(scale),
        sorted(earlier.items()),
    )
    if not_modified := reader.not_modified(request, etag, None):
        return not_modified
    css = reader.scale_css(scale)
    path = reverse("reader-methodology", args=[organization.slug])
    context = {
        "organization": organization,
        # Sanitised by nh3: only the allowed tags, attributes and URL schemes remain.
        "methodology_html": mark_safe(  # noqa: S308
            markdown_to_safe_html(organization.methodology, relative_links=True)
        ),
        "scale": scale,
        "scale_css": css,
        "canonical": request.build_absolute_uri(path),
        "description": f"How {organization.name} chooses, checks and rates claims.",
    }
    response = render(request, "reader/methodology.html", context)
    return reader.cacheable(reader.allow_style(response, css), etag, None)


# The admins' settings page


class OrganizationSettingsForm(forms.Form):
    """What an admin may change about the newsroom, the public methodology included."""

    name = forms.CharField(max_length=Organization._meta.get_field("name").max_length)
    url = forms.URLField(
        required=False,
        max_length=Organization._meta.get_field("url").max_length,
        label="Home page",
        help_text="Shown to readers and in ClaimReview as the fact-checks' author.",
        assume_scheme="https",
        # An ftp:// or other address readers' browsers would not open as a page.
        validators=[WEB_ADDRESS],
        error_messages={"invalid": WEB_ADDRESS.message},
    )
    requires_two_person_review = forms.BooleanField(
        required=False,
        label="Two-person review",
        help_text=(
            "Whoever made the latest change to what readers see of a claim may not publish it: "
            "another member looks at each change first."
        ),
    )
    methodology = forms.CharField(
        required=False,
        max_length=METHODOLOGY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=(
            f"Public, in Markdown (headings ### and ####, lists, links, tables), at most "
            f"{METHODOLOGY_MAX:,} characters: how you choose claims, check them and rate them."
        ),
    )
    # Two admins editing the methodology at once: the second save is stopped and shown.
    loaded = form_conflicts.loaded_field()

    SETTINGS = ("name", "url", "requires_two_person_review", "methodology")


def _admin_organization(request, slug: str) -> Organization:
    """The organization if the user administers it: 404 for outsiders, 403 for other members."""
    return current_organization.administered(
        request, slug, "Only an organization admin can change its settings."
    )


class LogoForm(forms.Form):
    """The newsroom's logo: replaced by an upload, or removed."""

    logo = forms.FileField(
        required=False,
        label="Logo",
        help_text="PNG, JPEG or WebP, at most 512 KB; shown to readers beside the name.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")


@login_required
def settings_page(request, slug: str):
    """An organization's settings, the public methodology included: for its admins only."""
    organization = _admin_organization(request, slug)
    names = OrganizationSettingsForm.SETTINGS
    initial = {name: getattr(organization, name) for name in names}
    data = request.POST.copy() if request.method == "POST" else None
    form = OrganizationSettingsForm(
        data, initial={**initial, "loaded": form_conflicts.loaded(initial, names)}
    )
    logo_form = LogoForm(data, request.FILES or None)
    status = 200
    if request.method == "POST":
        valid = form.is_valid() and logo_form.is_valid()
        settings_fields, conflicts = (
            form_conflicts.merge(form, initial, names) if valid else ({}, [])
        )
        if conflicts:
            form_conflicts.stop(form, data, initial, settings_fields, names, conflicts)
            # A browser cannot be handed a chosen file back: say it was not kept.
            if logo_form.cleaned_data.get("logo"):
                logo_form.add_error(
                    "logo", "Not saved with the rest: choose the file again, then save."
                )
        elif valid:
            try:
                # The settings and the logo are saved together or not at all.
                with transaction.atomic():
                    services.organization_update(
                        organization=organization, actor=request.user, **settings_fields
                    )
                    _save_logo(request, organization, logo_form.cleaned_data)
            except ValidationError as error:
                target = logo_form if "logo" in getattr(error, "error_dict", {}) else form
                target.add_error(None, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect(request.path)
        status = 400
    organization.refresh_from_db()
    context = {
        "organization": organization,
        "form": form,
        "logo_form": logo_form,
        "methodology_max": METHODOLOGY_MAX,
        "section": "general",
    }
    return render(request, "reader/organization_settings.html", context, status=status)


def _save_logo(request, organization: Organization, data: dict) -> None:
    upload = data.get("logo")
    if upload:
        limit = settings.FACTCHECK_LOGO_MAX_BYTES
        # Refused before the upload is read into memory.
        if upload.size > limit:
            size, most = upload.size // 1024, limit // 1024
            raise ValidationError({"logo": f"The logo is {size:,} KB; the limit is {most:,} KB."})
        services.organization_logo_set(
            organization=organization, actor=request.user, data=upload.read()
        )
    elif data.get("remove_logo") and organization.logo:
        services.organization_logo_set(organization=organization, actor=request.user, data=None)


@login_required
def my_settings(request):
    """The settings of the organization the user works in if they administer it, else of the
    first they administer."""
    organization = current_organization.current(request)
    if organization is None or not permissions.can_manage_members(request.user, organization):
        organization = queries.administered_organizations(request.user).first()
    if organization is not None:
        return redirect("organization-settings", organization.slug)
    raise PermissionDenied("Only an organization admin can change its settings.")


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}


@require_safe
def logo(request, org: str):
    """The organization's logo, public, as an image and nothing else.

    Served with its checked type, `nosniff` and a sandboxing CSP, so that even a file that
    is also something else (a polyglot) is only ever an image here.
    """
    organization = _public_organization(request, org, "logo")
    name = organization.logo.name
    content_type = LOGO_TYPES.get(Path(name).suffix.lower()) if name else None
    if content_type is None:
        raise Http404("This organization has no logo.")
    # The file name carries the image's digest: a new logo is a new ETag.
    etag = f'"{Path(name).stem}"'
    response = reader.not_modified(request, etag, None)
    if response is None:
        try:
            handle = organization.logo.open("rb")
        except FileNotFoundError:
            raise Http404("This organization has no logo.") from None
        response = FileResponse(handle, content_type=content_type)
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = "inline"
        response["ETag"] = etag
    # Asked for by its digest (`Organization.logo_url`), the image never changes; the plain
    # address follows the newest logo, so is asked again soon.
    versioned = request.GET.get("v") == Path(name).stem
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
    )
    return response


class RatingRowForm(forms.Form):
    """One rating of the scale as the editor shows it; a blank new row is ignored."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(min_value=1, max_value=999, label="Order")
    label = forms.CharField(max_length=60, required=False)
    value = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        help_text="Empty for a label outside the numeric range.",
    )
    colour = forms.RegexField(
        regex=r"^#[0-9A-Fa-f]{6}$",
        initial="#57606a",
        error_messages={"invalid": "Write the colour like #1a7f37."},
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(max_length=300, required=False)
    is_hidden = forms.BooleanField(required=False, label="Hidden from new claims")
    delete = forms.BooleanField(required=False, label="Delete")
    # Two admins editing the scale at once: each row merges, or is stopped and shown.
    loaded = form_conflicts.loaded_field()

    SETTINGS = ("position", "label", "value", "colour", "description", "is_hidden")

    def clean(self):
        data = super().clean()
        if data.get("id") and not (data.get("label") or "").strip():
            self.add_error("label", "A rating needs a label.")
        return data


RatingRows = forms.formset_factory(RatingRowForm, extra=1, max_num=60, absolute_max=60)


def _rating_rows(scale) -> tuple[list[dict], dict[int, dict]]:
    """The scale's ratings as initial form rows, and what each is used by."""
    ratings = list(scale.ratings.order_by("position"))
    initial = [
        {
            "id": rating.pk,
            "position": number,
            "label": rating.label,
            "value": rating.value,
            "colour": rating.colour,
            "description": rating.description,
            "is_hidden": rating.is_hidden,
        }
        for number, rating in enumerate(ratings, start=1)
    ]
    for row in initial:
        row["loaded"] = form_conflicts.loaded(row, RatingRowForm.SETTINGS)
    return initial, queries.rating_usage(ratings)


def _merge_rows(rows, data, saved_by_id: dict) -> list[str]:
    """Merge each posted rating with the rating as saved now; the conflicts, in words.

    A field the admin left alone takes what someone else saved since the page loaded; one
    both changed, differently, stops the save, and its row shows the admin's value again
    (`form_conflicts`). A rating deleted meanwhile is left to the service, which refuses a
    list of ratings that is no longer the scale's.
    """
    names = RatingRowForm.SETTINGS
    conflicts_said = []
    for form in rows.forms:
        row = form.cleaned_data
        saved = saved_by_id.get(row.get("id")) if row else None
        if saved is None:
            continue
        values, conflicts = form_conflicts.merge(form, saved, names)
        row.update(values)
        if conflicts:
            form_conflicts.stop(form, data, saved, values, names, conflicts)
            conflicts_said += [f"“{saved['label']}”: {e}" for e in form.non_field_errors()]
    return conflicts_said


@login_required
def scale_page(request, slug: str):
    """Edit the verdict scale: labels, values, colours (contrast checked), order, hiding.

    A rating in use can be renamed, recoloured, revalued or hidden from new claims, never
    deleted; published verdicts keep the rating as they were published with it until they
    are republished, and the page says which (`queries.verdicts_kept`).
    """
    organization = _admin_organization(request, slug)
    scale = get_object_or_404(organization.rating_scales, is_default=True)
    initial, usage = _rating_rows(scale)
    data = request.POST.copy() if request.method == "POST" else None
    rows = RatingRows(data, initial=initial, prefix="ratings")
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if rows.is_valid():
            errors = _merge_rows(rows, data, {row["id"]: row for row in initial})
        if rows.is_valid() and not errors:
            entries = []
            for number, row in enumerate(rows.cleaned_data):
                if not row or (not row.get("id") and not (row.get("label") or "").strip()):
                    continue  # the blank row for a new rating, left empty
                entries.append((row["position"], number, row))
            ordered = [row for _, _, row in sorted(entries, key=lambda e: (e[0], e[1]))]
            try:
                services.scale_update(scale=scale, actor=request.user, ratings=ordered)
            except ValidationError as error:
                errors = list(error.messages)
            else:
                messages.success(request, "Rating scale saved.")
                for line in queries.verdicts_kept(scale):
                    messages.info(request, line)
                return redirect(request.path)
        status = 400
    forms_with_usage = [
        {
            "form": form,
            "usage": usage.get(
                form.initial.get("id"), {"claims": 0, "published": 0, "current": 0, "in_step": 0}
            ),
            "checks": contrast.checks(
                (form["colour"].value() or "#57606a")
                if re.fullmatch(r"#[0-9A-Fa-f]{6}", form["colour"].value() or "")
                else "#57606a"
            ),
        }
        for form in rows.forms
    ]
    context = {
        "organization": organization,
        "scale": scale,
        "rows": rows,
        "forms": forms_with_usage,
        "errors": errors,
        "section": "scale",
        "aa": contrast.AA_NORMAL,
        "kept": queries.verdicts_kept(scale),
    }
    return render(request, "reader/organization_scale.html", context, status=status)
