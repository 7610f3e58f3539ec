"""Admin pages for every model; text changes go through the service layer."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from annotations import services
from annotations.ingest import IngestError
from annotations.models import (
    Article,
    ArticleImport,
    ArticleRevision,
    Claim,
    ClaimEvent,
    Membership,
    Organization,
    Rating,
    RatingScale,
    Source,
)

# Addresses typed without a scheme are taken as https (Django 6's default, chosen now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "requires_two_person_review"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "worst_value", "best_value", "is_default"]
    inlines = [RatingInline]


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ["number", "reason", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "organization", "status", "published_on", "created_at"]
    list_filter = ["organization", "status"]
    search_fields = ["title", "canonical_url"]
    readonly_fields = ["status", "import_error", "created_by", "created_at", "updated_at"]
    inlines = [RevisionInline]

    def save_model(self, request, obj, form, change):
        # A text change must create a revision and re-anchor the claims, so it goes
        # through the service instead of a plain save.
        if not change:
            created = services.article_create(
                organization=obj.organization,
                title=obj.title,
                text=obj.text,
                created_by=request.user,
                byline=obj.byline,
                publisher=obj.publisher,
                canonical_url=obj.canonical_url,
                published_on=obj.published_on,
                language=obj.language,
            )
            obj.pk = created.pk
            return
        new_text = obj.text
        obj.text = Article.objects.get(pk=obj.pk).text
        super().save_model(request, obj, form, change)
        report = services.article_update_text(
            article=obj, text=new_text, actor=request.user, reason="edited in admin"
        )
        if report.orphaned or report.moved:
            self.message_user(
                request,
                f"Claims re-anchored: {report.moved} moved, {report.orphaned} orphaned, "
                f"{report.sent_to_review} sent back to review.",
            )


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(admin.ModelAdmin):
    list_display = ["article", "number", "reason", "created_at"]
    readonly_fields = ["article", "number", "text", "reason", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SourceInline(admin.StackedInline):
    formfield_overrides = HTTPS_URLS
    model = Source
    extra = 0


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "claim_reviewed",
        "article",
        "status",
        "rating",
        "anchor_state",
        "orphan_reason",
    ]
    list_filter = ["status", "anchor_state", "article__organization"]
    search_fields = ["claim_reviewed", "exact"]
    readonly_fields = [
        "exact",
        "prefix",
        "suffix",
        "start",
        "end",
        "revision",
        "anchor_state",
        "orphan_reason",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [SourceInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(admin.ModelAdmin):
    list_display = ["claim", "action", "actor", "created_at"]
    readonly_fields = ["claim", "action", "actor", "changes", "created_at"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["url", "claim", "stance", "fetch_state"]
    list_filter = ["stance", "fetch_state"]


class ArticleImportForm(forms.ModelForm):
    """Import from the admin: a file or a URL, through the same services as the API."""

    upload = forms.FileField(required=False, help_text=".txt, .md, .html, .docx or .pdf")
    url = forms.URLField(required=False, assume_scheme="https", help_text="A web page to import.")

    class Meta:
        model = ArticleImport
        fields = ["organization"]

    def clean(self):
        cleaned = super().clean()
        upload, url = cleaned.get("upload"), cleaned.get("url")
        if bool(upload) == bool(url):
            raise forms.ValidationError("Give either a file or a URL.")
        return cleaned


@admin.register(ArticleImport)
class ArticleImportAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["__str__", "organization", "kind", "state", "error", "media_type", "created_at"]
    list_filter = ["state", "kind", "organization"]
    readonly_fields = [
        "article", "requested_by", "kind", "filename", "source_url", "final_url",
        "declared_type", "media_type", "size", "sha256", "original", "state", "error",
        "created_at", "finished_at",
    ]  # fmt: skip

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ArticleImportForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        organization = form.cleaned_data["organization"]
        try:
            if form.cleaned_data.get("upload"):
                upload = form.cleaned_data["upload"]
                article = services.article_import_upload(
                    organization=organization,
                    requested_by=request.user,
                    data=upload.read(),
                    filename=upload.name,
                    declared_type=upload.content_type or "",
                )
            else:
                article = services.article_import_url(
                    organization=organization,
                    requested_by=request.user,
                    url=form.cleaned_data["url"],
                )
        except (IngestError, ValidationError, PermissionDenied) as error:
            # The admin has already decided to save; say why nothing was imported.
            self.message_user(request, f"Not imported: {error}", level=messages.ERROR)
            return
        latest = article.imports.first()
        obj.pk = latest.pk if latest else None
        self.message_user(request, f"Article “{article.title}”: {article.get_status_display()}.")

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)
