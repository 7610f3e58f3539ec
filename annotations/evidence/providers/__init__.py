"""Evidence providers, one module each behind the protocol in `base`, listed in a setting."""

from annotations.evidence.providers.base import (
    Found,
    Provider,
    ProviderError,
    enabled_providers,
    get_provider,
    load_providers,
)

__all__ = [
    "Found",
    "Provider",
    "ProviderError",
    "enabled_providers",
    "get_provider",
    "load_providers",
]
