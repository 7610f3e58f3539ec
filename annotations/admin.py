"""Admin pages for every model; writes to articles, claims and sources go through services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from annotations import permissions, queries, services
from annotations.ingest import IngestError
from annotations.models import (
    Article,
    ArticleImport,
    ArticleRevision,
    Claim,
    ClaimEvent,
    ImportedFactCheck,
    Invitation,
    Job,
    Membership,
    Organization,
    PublishedVersion,
    Rating,
    RatingScale,
    Source,
)

# Addresses typed without a scheme are taken as https (Django 6's default, chosen now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def _admin_write(model_admin, request, write) -> bool:
    """Run a service call for the admin; a refusal becomes an error message, not a 500."""
    try:
        write()
    except (ValidationError, PermissionDenied) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        model_admin.message_user(request, f"Not saved: {text}", level=messages.ERROR)
        return False
    return True


def _changed(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


# How a row of each model reaches its newsroom: what the admin's lists, forms and filters
# are limited by for a staff account that is not the site's operator.
ORGANIZATION_PATHS = {
    Organization: "pk",
    Membership: "organization",
    RatingScale: "organization",
    Rating: "scale__organization",
    Article: "organization",
    ArticleRevision: "article__organization",
    ArticleImport: "organization",
    Claim: "article__organization",
    ClaimEvent: "claim__article__organization",
    PublishedVersion: "claim__article__organization",
    Source: "claim__article__organization",
    Invitation: "organization",
    get_user_model(): "memberships__organization",
}


class NewsroomScopedAdmin(admin.ModelAdmin):
    """An admin page that shows a staff member only their own newsrooms' rows.

    Model permissions are instance-wide; without this, an editor given staff access to
    run their own desk read every other desk's drafts, articles and invitees' addresses.
    Rows, the choices of related fields and the list filters all come through
    `queries.in_organizations_of`; the site's operator sees everything.
    """

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        path = ORGANIZATION_PATHS.get(self.model)
        # Rows of no newsroom (fact-checks imported from public feeds) are everyone's.
        return rows if path is None else queries.in_organizations_of(request.user, rows, path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related in ORGANIZATION_PATHS and "queryset" not in kwargs:
            kwargs["queryset"] = queries.in_organizations_of(
                request.user, related._default_manager.all(), ORGANIZATION_PATHS[related]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # A related filter lists every row of the related model; this one only those the
        # visible rows refer to.
        return [
            (name, admin.RelatedOnlyFieldListFilter) if self._is_related(name) else name
            for name in super().get_list_filter(request)
        ]

    def _is_related(self, name) -> bool:
        return isinstance(name, str) and get_fields_from_path(self.model, name)[-1].is_relation


class ReadOnlyAdmin(NewsroomScopedAdmin):
    """Rows written only by the product (history, versions, jobs): shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdmin(NewsroomScopedAdmin):
    """A model admin whose saves call services: a refused add stays on the list with its reason."""

    def delete_queryset(self, request, queryset):
        # Bulk deletes go one row at a time through `delete_model`, and so through a service.
        for obj in queryset:
            self.delete_model(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)


def _inline_writes(model_admin, request, formset, *, add, change, remove) -> None:
    """Save an inline formset row by row through services, as a plain formset.save() would."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for row in formset.forms:
        instance = row.instance
        if instance.pk is not None and formset._should_delete_form(row):
            if _admin_write(model_admin, request, lambda instance=instance: remove(instance)):
                formset.deleted_objects.append(instance)
        elif instance.pk is None and row.has_changed():
            _admin_write(
                model_admin,
                request,
                lambda row=row: formset.new_objects.append(add(row)),
            )
        elif (
            instance.pk is not None
            and row.has_changed()
            and _admin_write(model_admin, request, lambda row=row: change(row))
        ):
            formset.changed_objects.append((row.instance, list(row.changed_data)))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


def _membership_writes(model_admin, request, formset, organization):
    _inline_writes(
        model_admin,
        request,
        formset,
        add=lambda row: services.membership_set(
            organization=organization,
            user=row.cleaned_data["user"],
            role=row.cleaned_data["role"],
            actor=request.user,
        ),
        change=lambda row: services.membership_set(
            organization=organization,
            user=row.instance.user,
            role=row.cleaned_data["role"],
            actor=request.user,
        ),
        remove=lambda membership: services.member_remove(
            organization=organization, actor=request.user, user=membership.user
        ),
    )


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    """Newsrooms: created and changed through the organization services, members likewise."""

    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "requires_two_person_review"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [MembershipInline]
    # The logo is checked and stored by the organization's settings page (its size, type and
    # pixels); a file chosen here would have been dropped without a word.
    exclude = ["logo"]

    def get_readonly_fields(self, request, obj=None):
        # The slug names the newsroom in URLs; it is chosen once.
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else self.prepopulated_fields

    def save_model(self, request, obj, form, change):
        if not change:
            created = []
            _admin_write(
                self,
                request,
                lambda: created.append(
                    services.organization_create(
                        actor=request.user, name=obj.name, slug=obj.slug, url=obj.url
                    )
                ),
            )
            if created:
                obj.pk = created[0].pk
                # Everything else the form holds; the methodology was dropped before.
                later = [
                    f for f in services.ORGANIZATION_EDITABLE_FIELDS if f not in ("name", "url")
                ]
                fields = _changed(form, later)
                if fields:
                    _admin_write(
                        self,
                        request,
                        lambda: services.organization_update(
                            organization=created[0], actor=request.user, **fields
                        ),
                    )
            return
        fields = _changed(form, services.ORGANIZATION_EDITABLE_FIELDS)
        if fields:
            current = Organization.objects.get(pk=obj.pk)
            _admin_write(
                self,
                request,
                lambda: services.organization_update(
                    organization=current, actor=request.user, **fields
                ),
            )

    def save_formset(self, request, form, formset, change):
        if form.instance.pk is None:
            return None
        organization = Organization.objects.get(pk=form.instance.pk)
        _membership_writes(self, request, formset, organization)
        return None

    def delete_model(self, request, obj):
        # Deleting a newsroom would delete its published verdicts with it.
        self.message_user(
            request, "Organizations are not deleted from the admin.", level=messages.ERROR
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Roles: changed through `membership_set`; new members join by invitation."""

    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization", "user"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = []
        _admin_write(
            self,
            request,
            lambda: saved.append(
                services.membership_set(
                    organization=obj.organization, user=obj.user, role=obj.role, actor=request.user
                )
            ),
        )
        obj.pk = saved[0].pk if saved else None

    def delete_model(self, request, obj):
        _admin_write(
            self,
            request,
            lambda: services.member_remove(
                organization=obj.organization, actor=request.user, user=obj.user
            ),
        )


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(ServiceAdmin):
    """Verdict scales and their ratings, saved through the scale services (admins only)."""

    list_display = ["name", "organization", "worst_value", "best_value", "is_default"]
    inlines = [RatingInline]

    def save_model(self, request, obj, form, change):
        _admin_write(
            self, request, lambda: services.rating_scale_save(scale=obj, actor=request.user)
        )

    def save_formset(self, request, form, formset, change):
        """The ratings rows as one edit of the scale (`scale_update`), as the settings page
        sends it: saved a row at a time, each checked against the others as stored, two
        values swapped were refused halfway, one row saved and the other not."""
        if form.instance.pk is None:
            return None
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        rows = [
            row
            for row in formset.forms
            if row.instance.pk is not None
            or (row.has_changed() and not row.cleaned_data.get("DELETE"))
        ]
        if not any(row.has_changed() or formset._should_delete_form(row) for row in rows):
            return None
        entries = []
        for row in rows:
            data, rating = row.cleaned_data, row.instance
            entries.append(
                {
                    "id": rating.pk,
                    "label": data.get("label", rating.label),
                    "value": data.get("value", rating.value),
                    "colour": data.get("colour", rating.colour),
                    "description": data.get("description", rating.description),
                    "is_hidden": data.get("is_hidden", rating.is_hidden),
                    "delete": bool(rating.pk and formset._should_delete_form(row)),
                    "position": data.get("position") or rating.position or 0,
                }
            )
        # Best first, as the rows number them; a new row without a place goes last.
        entries.sort(key=lambda entry: (entry["position"] or len(entries) + 1, entry["id"] is None))
        scale = RatingScale.objects.get(pk=form.instance.pk)
        _admin_write(
            self,
            request,
            lambda: services.scale_update(scale=scale, actor=request.user, ratings=entries),
        )
        return None

    def has_delete_permission(self, request, obj=None):
        # A scale carries published verdicts; ratings in use are protected one by one.
        return False


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
class ArticleAdmin(ServiceAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "organization", "status", "published_on", "created_at"]
    list_filter = ["organization", "status"]
    search_fields = ["title", "canonical_url"]
    # The text readers see changes only by a second person's look, on the workspace.
    readonly_fields = [
        "status",
        "import_error",
        "public_revision",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [RevisionInline]

    def has_delete_permission(self, request, obj=None):
        # Revisions are the record claims are anchored in and never deleted; a failed
        # import is discarded from the app, through `services.article_discard`.
        return False

    def save_model(self, request, obj, form, change):
        # A text change must create a revision and re-anchor the claims, so it goes
        # through the service instead of a plain save.
        if not change:
            created = []
            _admin_write(
                self,
                request,
                lambda: created.append(
                    services.article_create(
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
                ),
            )
            obj.pk = created[0].pk if created else None
            return
        current = Article.objects.get(pk=obj.pk)
        details = _changed(form, services.ARTICLE_DETAIL_FIELDS)
        if details and not _admin_write(
            self,
            request,
            lambda: services.article_update_details(article=current, actor=request.user, **details),
        ):
            return
        if obj.text == current.text:
            return
        reports = []
        if not _admin_write(
            self,
            request,
            lambda: reports.append(
                services.article_update_text(
                    article=current, text=obj.text, actor=request.user, reason="edited in admin"
                )
            ),
        ):
            return
        report = reports[0]
        if report.orphaned or report.moved:
            self.message_user(
                request,
                f"Claims re-anchored: {report.moved} moved, {report.orphaned} orphaned, "
                f"{report.sent_to_review} sent back to review.",
            )
        if report.waits:
            # As the edit page says: an admin's text waits for a second look like anyone's.
            self.message_user(
                request,
                "Readers keep the text they see, and its verdicts, until another member shows "
                "them this revision (at the top of the article's workspace).",
            )


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(ReadOnlyAdmin):
    """Revisions are made by changing an article's text, which re-anchors its claims."""

    list_display = ["article", "number", "reason", "created_at"]
    readonly_fields = ["article", "number", "text", "reason", "created_by", "created_at"]


SOURCE_FETCH_FIELDS = [
    "added_by", "created_at", "fetch_state", "fetch_error", "http_status", "final_url",
    "content_type", "extracted_text", "content_sha256", "fetched_at", "archive_url",
]  # fmt: skip


class SourceInline(admin.StackedInline):
    """Sources of a claim; every add, change and removal goes through the source services."""

    formfield_overrides = HTTPS_URLS
    model = Source
    extra = 0
    fields = [*services.SOURCE_EDITABLE_FIELDS, *SOURCE_FETCH_FIELDS]
    readonly_fields = SOURCE_FETCH_FIELDS


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    """Claims: editable fields are saved through `claim_update`, so a published claim's change
    becomes a draft correction with an event and a version bump; the workflow (status,
    reviewer, publication) is read-only here and moves only through review in the workspace.
    """

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
    # One query for the page's rows: a nullable key (the rating) cost one query per row.
    list_select_related = ["article", "rating"]

    def get_queryset(self, request):
        # Each row names its article: its title, not its text (5 MB articles exist).
        return super().get_queryset(request).defer("article__text", "article__structure")

    fields = [
        "article", *services.CLAIM_EDITABLE_FIELDS, "status", "reviewer", "published_at",
        "correction_note", "version", "creator", "exact", "prefix", "suffix", "start", "end",
        "revision", "anchor_state", "orphan_reason", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = [name for name in fields if name not in services.CLAIM_EDITABLE_FIELDS]
    inlines = [SourceInline]

    def has_add_permission(self, request):
        # A claim is a selection in an article's text: it is made in the workspace.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, _org(obj)))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        # A published claim is retracted with a public note, never deleted.
        return permissions.can_edit(request.user, _org(obj)) and (
            not obj.published_versions.exists()
        )

    def save_model(self, request, obj, form, change):
        fields = _changed(form, services.CLAIM_EDITABLE_FIELDS)
        if fields:
            current = Claim.objects.get(pk=obj.pk)
            _admin_write(
                self,
                request,
                lambda: services.claim_update(
                    claim=current, actor=request.user, expected_version=None, **fields
                ),
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Source:
            return super().save_formset(request, form, formset, change)
        claim = Claim.objects.get(pk=form.instance.pk)
        _inline_writes(
            self,
            request,
            formset,
            add=lambda row: services.source_add(
                claim=claim,
                actor=request.user,
                **{name: row.cleaned_data[name] for name in services.SOURCE_EDITABLE_FIELDS},
            ),
            change=lambda row: services.source_update(
                source=row.instance,
                actor=request.user,
                **_changed(row, services.SOURCE_EDITABLE_FIELDS),
            ),
            remove=lambda source: services.source_remove(source=source, actor=request.user),
        )
        return None

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # History can't be deleted on its own, but it goes with the claim it belongs to.
        perms_needed.discard(ClaimEvent._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        _admin_write(self, request, lambda: services.claim_delete(claim=obj, actor=request.user))


def _org(claim: Claim):
    return claim.article.organization


@admin.register(PublishedVersion)
class PublishedVersionAdmin(ReadOnlyAdmin):
    """Published versions are immutable history: shown, never added, changed or deleted."""

    formfield_overrides = HTTPS_URLS
    list_display = [
        "claim_reviewed", "number", "kind", "rating", "is_current", "is_anchored", "publisher",
        "published_by", "published_at",
    ]  # fmt: skip
    list_filter = ["kind", "is_current", "is_anchored", "publisher"]
    search_fields = ["claim_reviewed", "exact", "correction_note"]
    list_select_related = ["rating", "publisher", "published_by"]


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    """A claim's history: shown, never written by hand."""

    list_display = ["claim", "action", "actor", "created_at"]
    list_select_related = ["claim", "actor"]
    readonly_fields = ["claim", "action", "actor", "changes", "created_at"]


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    """A cited source; adding, changing and deleting go through the source services."""

    formfield_overrides = HTTPS_URLS
    list_display = ["url", "claim", "stance", "fetch_state"]
    list_select_related = ["claim"]
    list_filter = ["stance", "fetch_state"]
    fields = ["claim", *services.SOURCE_EDITABLE_FIELDS, *SOURCE_FETCH_FIELDS]
    readonly_fields = SOURCE_FETCH_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # A source stays with the claim it was cited for.
        return [*self.readonly_fields, "claim"] if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, _org(obj.claim)))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, _org(obj.claim)))

    def save_model(self, request, obj, form, change):
        if change:
            values = _changed(form, services.SOURCE_EDITABLE_FIELDS)
            if values:
                source = Source.objects.get(pk=obj.pk)
                _admin_write(
                    self,
                    request,
                    lambda: services.source_update(source=source, actor=request.user, **values),
                )
            return
        values = {name: form.cleaned_data[name] for name in services.SOURCE_EDITABLE_FIELDS}
        added = []
        _admin_write(
            self,
            request,
            lambda: added.append(
                services.source_add(claim=obj.claim, actor=request.user, **values)
            ),
        )
        obj.pk = added[0].pk if added else None

    def delete_model(self, request, obj):
        _admin_write(self, request, lambda: services.source_remove(source=obj, actor=request.user))


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
class ArticleImportAdmin(ServiceAdmin):
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

    def has_delete_permission(self, request, obj=None):
        # An import is its article's provenance (and owns the stored original file).
        return False

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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are read-only here: admins send, resend and revoke them on the members page."""

    list_display = ["email", "invited_user", "organization", "role", "state", "expires_at"]
    list_filter = ["state", "organization"]
    # The token hash is left out: it is of no use to read, and needs no exposing.
    exclude = ["token_hash"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background jobs, read-only: their rows are written by the job runner and the sweeper."""

    list_display = ["kind", "subject_id", "state", "attempts", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["last_error"]

    def has_view_permission(self, request, obj=None):
        # A job belongs to no one newsroom's row (its subject is an id of any kind), and its
        # errors name what it fetched: the site's operator reads them, not a desk's staff.
        return permissions.is_site_admin(request.user)

    def has_module_permission(self, request):
        return permissions.is_site_admin(request.user)


@admin.register(ImportedFactCheck)
class ImportedFactCheckAdmin(ReadOnlyAdmin):
    """Fact-checks imported from ClaimReview (issue 10); `import_claimreview` adds more."""

    list_display = ["claim_reviewed", "publisher", "rating", "date_published", "imported_at"]
    search_fields = ["claim_reviewed", "publisher", "claimant"]
    list_filter = ["publisher"]
    actions = ["import_again"]

    def has_change_permission(self, request, obj=None):
        # The action needs "change"; the rows themselves stay read-only (no form saves).
        return obj is None and request.user.is_superuser

    @admin.action(description="Import again from the feed or page each came from")
    def import_again(self, request, queryset):
        from annotations.evidence import claimreview
        from annotations.fetching import FetchError

        for location in sorted({row.imported_from for row in queryset if row.imported_from}):
            try:
                reviews = claimreview.load(location)
            except (claimreview.ClaimReviewError, FetchError) as error:
                self.message_user(request, f"{location}: {error}", level=messages.ERROR)
                continue
            if _admin_write(
                self,
                request,
                lambda reviews=reviews, location=location: services.imported_fact_checks_save(
                    reviews=reviews, actor=request.user, imported_from=location
                ),
            ):
                self.message_user(request, f"{location}: {len(reviews)} fact-checks imported.")


# Accounts, as Django's own page lists them, narrowed like every page above: the member
# field's search on the members' pages runs here, and a desk's staff allowed to view
# accounts browsed every account's name and address on the instance.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class NewsroomUserAdmin(NewsroomScopedAdmin, UserAdmin):
    """Accounts: the site's operator sees all; a newsroom's staff, its own members'."""

    # Only the site's operator changes accounts here. A desk's staff given "change user"
    # could otherwise set a co-member's password or address (an admin of other newsrooms
    # too), or tick superuser on their own account (review R15); members change their own
    # password and settings on the site's pages.
    def has_add_permission(self, request):
        return permissions.is_site_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)


# Other apps' pages: auth's groups and django-axes' sign-in records hold no newsroom's rows.
# A desk's staff given "view access attempt" read every newsroom's failed sign-ins, "delete"
# lifted any account's lockout, and "change group" granted their own group any permission,
# those included (review R22): only the site's operator uses them. Registered before this
# module runs (their apps come first in INSTALLED_APPS); a test holds that none is left out.


def _for_the_operator_only(admin_class):
    """`admin_class`, shown and usable only by the site's operator."""

    class OperatorOnly(admin_class):
        def has_module_permission(self, request):
            return permissions.is_site_admin(request.user)

        def has_view_permission(self, request, obj=None):
            return permissions.is_site_admin(request.user)

        def has_add_permission(self, request, *args):
            return permissions.is_site_admin(request.user) and super().has_add_permission(
                request, *args
            )

        def has_change_permission(self, request, obj=None):
            return permissions.is_site_admin(request.user) and super().has_change_permission(
                request, obj
            )

        def has_delete_permission(self, request, obj=None):
            return permissions.is_site_admin(request.user) and super().has_delete_permission(
                request, obj
            )

    OperatorOnly.__name__ = OperatorOnly.__qualname__ = f"OperatorOnly{admin_class.__name__}"
    return OperatorOnly


for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label != "annotations" and _model is not get_user_model():
        admin.site.unregister(_model)
        admin.site.register(_model, _for_the_operator_only(type(_model_admin)))
