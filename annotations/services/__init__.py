"""Every write to the data model: keyword-only service functions, one module per concept.

Callers use `services.<function>`; each function checks its actor through `permissions`.
"""

from annotations.services.articles import (
    ARTICLE_DETAIL_FIELDS,
    ReanchorReport,
    StaleText,
    article_create,
    article_text_preview,
    article_update_details,
    article_update_text,
    claims_reanchor,
    claims_reanchor_abandon,
)
from annotations.services.claims import (
    CLAIM_EDITABLE_FIELDS,
    CLAIM_PUBLIC_FIELDS,
    TRANSITIONS,
    EditConflict,
    StaleVersion,
    claim_create,
    claim_delete,
    claim_reattach,
    claim_transition,
    claim_update,
)
from annotations.services.comments import (
    comment_create,
    comment_delete,
    comment_resolve,
    comment_update,
)
from annotations.services.evidence import (
    evidence_item_add,
    evidence_item_dismiss,
    evidence_request,
    imported_fact_checks_save,
)
from annotations.services.imports import (
    article_import_upload,
    article_import_url,
    import_fail,
    import_run,
)
from annotations.services.notifications import (
    notification_email_kinds_set,
    notifications_mark_read,
)
from annotations.services.organizations import (
    DEFAULT_SCALE,
    ORGANIZATION_EDITABLE_FIELDS,
    InvitationUnavailable,
    invitation_accept,
    invitation_create,
    invitation_open,
    invitation_resend,
    invitation_revoke,
    invitation_signup,
    member_remove,
    membership_set,
    organization_create,
    organization_logo_set,
    organization_update,
    rating_scale_create_default,
)
from annotations.services.scales import (
    rating_delete,
    rating_save,
    rating_scale_save,
    scale_update,
)
from annotations.services.snapshots import source_fetch_request
from annotations.services.sources import (
    SOURCE_EDITABLE_FIELDS,
    source_add,
    source_remove,
    source_update,
)
from annotations.services.suggestions import (
    spotter_train_request,
    suggestion_accept,
    suggestion_dismiss,
    suggestions_refresh,
)
from annotations.services.tokens import token_create, token_revoke
from annotations.services.web_annotations import (
    web_annotation_create,
    web_annotation_delete,
    web_annotation_update,
)
from annotations.services.webhooks import (
    webhook_delete,
    webhook_register,
    webhook_resend,
    webhook_rotate_secret,
    webhook_update,
)

__all__ = [
    "ARTICLE_DETAIL_FIELDS",
    "CLAIM_EDITABLE_FIELDS",
    "CLAIM_PUBLIC_FIELDS",
    "DEFAULT_SCALE",
    "ORGANIZATION_EDITABLE_FIELDS",
    "SOURCE_EDITABLE_FIELDS",
    "TRANSITIONS",
    "EditConflict",
    "InvitationUnavailable",
    "ReanchorReport",
    "StaleText",
    "StaleVersion",
    "article_create",
    "article_import_upload",
    "article_import_url",
    "article_text_preview",
    "article_update_details",
    "article_update_text",
    "claim_create",
    "claim_delete",
    "claim_reattach",
    "claim_transition",
    "claim_update",
    "claims_reanchor",
    "claims_reanchor_abandon",
    "comment_create",
    "comment_delete",
    "comment_resolve",
    "comment_update",
    "evidence_item_add",
    "evidence_item_dismiss",
    "evidence_request",
    "import_fail",
    "import_run",
    "imported_fact_checks_save",
    "invitation_accept",
    "invitation_create",
    "invitation_open",
    "invitation_resend",
    "invitation_revoke",
    "invitation_signup",
    "member_remove",
    "membership_set",
    "notification_email_kinds_set",
    "notifications_mark_read",
    "organization_create",
    "organization_logo_set",
    "organization_update",
    "rating_delete",
    "rating_save",
    "rating_scale_create_default",
    "rating_scale_save",
    "scale_update",
    "source_add",
    "source_fetch_request",
    "source_remove",
    "source_update",
    "spotter_train_request",
    "suggestion_accept",
    "suggestion_dismiss",
    "suggestions_refresh",
    "token_create",
    "token_revoke",
    "web_annotation_create",
    "web_annotation_delete",
    "web_annotation_update",
    "webhook_delete",
    "webhook_register",
    "webhook_resend",
    "webhook_rotate_secret",
    "webhook_update",
]
