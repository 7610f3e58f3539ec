"""Server-side fetching of evidence URLs (see `fetcher`)."""
