"""Every write to the data model: keyword-only service functions, one module per concept.

Callers use `services.<function>`; each function checks its actor through `permissions`.
"""

from annotations.services.articles import (
    ARTICLE_DETAIL_FIELDS,
    ReanchorReport,
    article_create,
    article_update_details,
    article_update_text,
    claims_reanchor,
    claims_reanchor_abandon,
)
from annotations.services.claims import (
    CLAIM_EDITABLE_FIELDS,
    CLAIM_PUBLIC_FIELDS,
    TRANSITIONS,
    StaleVersion,
    claim_create,
    claim_delete,
    claim_reattach,
    claim_transition,
    claim_update,
)
from annotations.services.imports import (
    article_import_upload,
    article_import_url,
    import_fail,
    import_run,
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
    organization_update,
    rating_scale_create_default,
)
from annotations.services.scales import rating_delete, rating_save, rating_scale_save
from annotations.services.sources import (
    SOURCE_EDITABLE_FIELDS,
    source_add,
    source_remove,
    source_update,
)
from annotations.services.tokens import token_create, token_revoke

__all__ = [
    "ARTICLE_DETAIL_FIELDS",
    "CLAIM_EDITABLE_FIELDS",
    "CLAIM_PUBLIC_FIELDS",
    "DEFAULT_SCALE",
    "ORGANIZATION_EDITABLE_FIELDS",
    "SOURCE_EDITABLE_FIELDS",
    "TRANSITIONS",
    "InvitationUnavailable",
    "ReanchorReport",
    "StaleVersion",
    "article_create",
    "article_import_upload",
    "article_import_url",
    "article_update_details",
    "article_update_text",
    "claim_create",
    "claim_delete",
    "claim_reattach",
    "claim_transition",
    "claim_update",
    "claims_reanchor",
    "claims_reanchor_abandon",
    "import_fail",
    "import_run",
    "invitation_accept",
    "invitation_create",
    "invitation_open",
    "invitation_resend",
    "invitation_revoke",
    "invitation_signup",
    "member_remove",
    "membership_set",
    "organization_create",
    "organization_update",
    "rating_delete",
    "rating_save",
    "rating_scale_create_default",
    "rating_scale_save",
    "source_add",
    "source_remove",
    "source_update",
    "token_create",
    "token_revoke",
]
