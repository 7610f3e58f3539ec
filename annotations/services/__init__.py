"""Every write to the data model: keyword-only service functions, one module per concept.

Callers use `services.<function>`; each function checks its actor through `permissions`.
"""

from annotations.services.articles import (
    ReanchorReport,
    article_create,
    article_update_text,
    claims_reanchor,
)
from annotations.services.claims import (
    CLAIM_EDITABLE_FIELDS,
    TRANSITIONS,
    StaleVersion,
    claim_create,
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
    member_invite,
    member_remove,
    membership_set,
    organization_create,
    rating_scale_create_default,
)
from annotations.services.sources import source_add

__all__ = [
    "CLAIM_EDITABLE_FIELDS",
    "DEFAULT_SCALE",
    "TRANSITIONS",
    "ReanchorReport",
    "StaleVersion",
    "article_create",
    "article_import_upload",
    "article_import_url",
    "article_update_text",
    "claim_create",
    "claim_reattach",
    "claim_transition",
    "claim_update",
    "claims_reanchor",
    "import_fail",
    "import_run",
    "member_invite",
    "member_remove",
    "membership_set",
    "organization_create",
    "rating_scale_create_default",
    "source_add",
]
