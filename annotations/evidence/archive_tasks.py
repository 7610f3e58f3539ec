"""Celery tasks that fetch, extract and archive cited sources, and re-check their links."""
