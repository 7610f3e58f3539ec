"""The annotations app: articles, claims, verdicts and the work around them."""
