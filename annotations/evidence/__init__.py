"""Evidence gathered in the background: snapshots of sources, providers, passages."""
