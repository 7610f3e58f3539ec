"""Editors' pages that change an article: its details, and its text with a preview of what
happens to the claims before anything is saved."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from annotations import form_conflicts, permissions, queries, services, text_changes
from annotations.models import ARTICLE_TEXT_MAX, TITLE_MAX, Article, article_detail_checks
from annotations.services.articles import text_is_own_change, text_may_be_shown_by


def _editable_article(request, pk: int) -> Article:
    """The article if the user may change it: 404 outside its organization, 403 without a role."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    if not permissions.can_edit(request.user, article.organization):
        raise PermissionDenied("Your role does not allow editing articles.")
    return article


class ArticleDetailsForm(forms.Form):
    """An article's title and where it comes from; its text is edited on its own page."""

    # The model's checks run with the form's own, so that one answer names every field at
    # fault (a future date was said only once the title had passed).
    title = forms.CharField(max_length=TITLE_MAX, validators=article_detail_checks("title"))
    byline = forms.CharField(
        max_length=300,
        required=False,
        label="Byline (author)",
        validators=article_detail_checks("byline"),
    )
    publisher = forms.CharField(
        max_length=200, required=False, validators=article_detail_checks("publisher")
    )
    canonical_url = forms.URLField(
        max_length=2000, required=False, label="Original URL", assume_scheme="https"
    )
    published_on = forms.DateField(
        required=False,
        label="Publication date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty when the original gives no date.",
        validators=article_detail_checks("published_on"),
    )
    language = forms.CharField(
        max_length=20,
        required=False,
        help_text="A language code such as en, de or pt-BR.",
        validators=article_detail_checks("language"),
    )
    # The details as this form showed them: a save over details someone else changed
    # since is stopped and shown, rather than undoing theirs unseen.
    loaded = form_conflicts.loaded_field()

    DETAILS = ("title", "byline", "publisher", "canonical_url", "published_on", "language")


@login_required
def article_edit(request, pk: int):
    """Change an article's title, byline, publisher, original URL, date and language."""
    article = _editable_article(request, pk)
    names = ArticleDetailsForm.DETAILS
    initial = {name: getattr(article, name) for name in names}
    data = request.POST.copy() if request.method == "POST" else None
    form = ArticleDetailsForm(
        data, initial={**initial, "loaded": form_conflicts.loaded(initial, names)}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        details, conflicts = form_conflicts.merge(form, initial, names)
        if conflicts:
            form_conflicts.stop(form, data, initial, details, names, conflicts)
        else:
            try:
                services.article_update_details(article=article, actor=request.user, **details)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "Article details saved.")
                return redirect(article.get_absolute_url())
    if request.method == "POST":
        status = 400
    context = {
        "article": article,
        "form": form,
        "published": queries.article_published_counts(article),
    }
    return render(request, "annotations/article_edit.html", context, status=status)


@login_required
@require_POST
def article_details_republish(request, pk: int):
    """Republish, with one note, the claims a change of the article's details alone reopened."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    try:
        report = services.article_details_republish(
            article=article, actor=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(article.get_absolute_url())
    if report.published and report.as_they_were:
        count = len(report.published)
        messages.success(
            request,
            ngettext(
                "Published %(count)d fact-check again as it was: readers see no change.",
                "Published %(count)d fact-checks again as they were: readers see no change.",
                count,
            )
            % {"count": count},
        )
    elif report.published:
        count = len(report.published)
        messages.success(
            request,
            ngettext(
                "Republished %(count)d fact-check with the article's new details.",
                "Republished %(count)d fact-checks with the article's new details.",
                count,
            )
            % {"count": count},
        )
    elif not report.left:
        messages.info(request, "No fact-check waits for the article's details any more.")
    for claim, reason in report.left:
        messages.warning(
            request, f"Not republished: “{claim.claim_reviewed or claim.exact}”. {reason}"
        )
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_details_check(request, pk: int):
    """A second member's check of the article's changed details, from the workspace's notice."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    try:
        checked = services.article_details_check(
            article=article, actor=request.user, expected_tag=request.POST.get("details_tag", "")
        )
    except services.StaleDetails:
        messages.error(
            request,
            "Someone changed the article's details since you read them: nothing was checked. "
            "Read them as they are now, then check them again.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(checked)
        messages.success(
            request,
            ngettext(
                "Checked: a reviewer can now republish the fact-check with the new details.",
                "Checked: a reviewer can now republish the %(count)d fact-checks with the "
                "new details.",
                count,
            )
            % {"count": count},
        )
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_text_publish(request, pk: int):
    """A second member shows readers the article's new text, from the workspace's notice."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        messages.error(request, "Say which revision you looked at: reload the page and try again.")
        return redirect(article.get_absolute_url())
    try:
        shown = services.article_text_publish(
            article=article, actor=request.user, revision=revision
        )
    except services.StaleText as error:
        messages.error(
            request,
            f"{error} Nothing was shown to readers: look at the text as it is now, then show it.",
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(
            request,
            f"Readers now see revision {shown.number} of the text; the published verdicts "
            "moved onto it (any whose words changed are hidden until republished).",
        )
    return redirect(article.get_absolute_url())


def waiting_text(article, waiting, user) -> dict:
    """What the workspace's notice and the changes page say of a text waiting for a second
    look: the revisions (`text_waiting`), every change from the text readers see to it in
    text order (`hunks`, each marked when beside a published verdict), how many changes and
    how many beside a verdict, and whether `user` may show it to readers."""
    if waiting is None:
        return {"text_waiting": None, "hunks": []}
    spans = queries.verdict_spans(article, waiting.shown.pk)
    # The newest revision's text is the article's own, loaded already: not read again.
    hunks = text_changes.text_changes(waiting.shown.text, article.text, spans)
    changes = [change for hunk in hunks for change in hunk.changes]
    own = text_is_own_change(user, article.organization, waiting.newest)
    may = permissions.can_edit(user, article.organization)
    allowed = text_may_be_shown_by(user, article.organization, waiting.newest)
    return {
        "text_waiting": waiting,
        "hunks": hunks,
        "text_changes_count": len(changes),
        "text_changes_near": sum(change.near_verdict for change in changes),
        "can_show_text": may and not own and allowed,
        "text_is_own": may and own,
        "text_for_a_reviewer": may and not own and not allowed,
    }


# Hunks of a waiting text's changes on each page of the full list.
TEXT_HUNKS_PER_PAGE = 50


@login_required
def article_text_changes(request, pk: int):
    """Every change of the text waiting for a second look, for the member who shows it to
    readers: the workspace's notice has room for the first few only. `?near=1` keeps those
    in paragraphs that hold a published verdict."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    context = waiting_text(article, queries.article_text_waiting(article), request.user)
    near_only = request.GET.get("near") == "1"
    hunks = context.pop("hunks")
    listed = [hunk for hunk in hunks if hunk.near_verdict] if near_only else hunks
    page = Paginator(listed, TEXT_HUNKS_PER_PAGE).get_page(request.GET.get("page"))
    context |= {"article": article, "page": page, "near_only": near_only}
    return render(request, "annotations/article_text_changes.html", context)


@login_required
@require_POST
def article_import_again(request, pk: int):
    """Run the article's failed import again, from the workspace's failure notice."""
    article = _editable_article(request, pk)
    try:
        services.import_again(article=article, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Importing again. The page shows the text when it is done.")
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_discard(request, pk: int):
    """Delete an article whose import failed before it had any text."""
    article = _editable_article(request, pk)
    try:
        services.article_discard(article=article, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(article.get_absolute_url())
    messages.success(request, f"Deleted “{article.title}”, whose import had failed.")
    return redirect("article-list")


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ArticleTextField(forms.CharField):
    """Text as pasted, its NUL characters dropped (as the API's `ArticleTextField`)."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "")


class ArticleTextForm(forms.Form):
    """The article's text as plain paragraphs separated by blank lines."""

    text = ArticleTextField(
        max_length=ARTICLE_TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Plain text: separate paragraphs with a blank line.",
    )
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason for the change",
        help_text="Kept with the revision, e.g. “the publisher corrected a figure”.",
    )
    # The digest of the text last previewed: Save stores only a text whose preview was seen.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)
    # The revision the editor started from: a text someone else saved since is not replaced.
    base_revision = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@login_required
def article_edit_text(request, pk: int):
    """Edit the text: Preview lists the claims that would move or be orphaned, Save saves.

    Saving creates a revision and re-anchors the claims (`services.article_update_text`),
    and is only possible for the very text last previewed, so nothing happens to a claim
    that the editor did not see listed.
    """
    article = _editable_article(request, pk)
    latest = article.latest_revision_number()
    form = ArticleTextForm(
        request.POST or None, initial={"text": article.text, "base_revision": latest}
    )
    preview = None
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            text = form.cleaned_data["text"]
            wants_save = "save" in request.POST
            if wants_save and form.cleaned_data["previewed"] == _digest(text):
                try:
                    report = services.article_update_text(
                        article=article,
                        text=text,
                        actor=request.user,
                        reason=form.cleaned_data["reason"] or "text edited",
                        base_revision=form.cleaned_data["base_revision"] or latest,
                    )
                except ValidationError as error:
                    _add_errors(form, error)
                    status = 400
                except services.StaleText as error:
                    form.add_error(None, _stale_text_message(article, error))
                    status = 409
                else:
                    messages.success(request, _saved_message(report))
                    return redirect(article.get_absolute_url())
            else:
                if wants_save:
                    messages.warning(
                        request,
                        "The text changed after the preview: check this preview, then save.",
                    )
                try:
                    preview = services.article_text_preview(
                        article=article, text=text, actor=request.user
                    )
                except ValidationError as error:
                    _add_errors(form, error)
                    status = 400
                else:
                    data = form.data.copy()
                    data["previewed"] = _digest(text)
                    form = ArticleTextForm(data)
                    form.is_valid()
    context = {
        "article": article,
        "form": form,
        "preview": preview,
        "claim_count": article.claims.count(),
    }
    return render(request, "annotations/article_edit_text.html", context, status=status)


def _stale_text_message(article, error) -> str:
    revision = reverse("article-revision", args=[article.pk, error.latest.number])
    return format_html(
        '{} Nothing was saved; your text is still below. See <a href="{}">their revision</a>, '
        "bring your changes over to it, then open Edit text again to start from it.",
        str(error),
        revision,
    )


# Said after a save whose text waits for a second look (trial G13: only the preview said so).
TEXT_WAITS = (
    " Readers keep the text they see, and its verdicts, until another member shows them this "
    "revision (at the top of the article)."
)


def _saved_message(report) -> str:
    waits = TEXT_WAITS if report.waits else ""
    if report.deferred:
        return (
            "Text saved as a new revision; the claims are being re-anchored in the background."
            + waits
        )
    parts = [f"{report.unchanged} unchanged", f"{report.moved} moved"]
    parts.append(ngettext("%d orphaned", "%d orphaned", report.orphaned) % report.orphaned)
    if report.restored:
        parts.append(f"{report.restored} found again (their words are back)")
    message = "Text saved as a new revision. Claims: " + ", ".join(parts) + "."
    if report.sent_to_review:
        message += (
            f" {report.sent_to_review} published "
            + ngettext("claim went", "claims went", report.sent_to_review)
            + " back to review."
        )
    return message + waits
