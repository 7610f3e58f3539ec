"""Admin pages for every model; text changes go through the service layer."""

from django.contrib import admin

from annotations import services
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    ClaimEvent,
    Membership,
    Organization,
    Rating,
    RatingScale,
    Source,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
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
    list_display = ["url", "claim", "stance", "fetch_state"]
    list_filter = ["stance", "fetch_state"]
