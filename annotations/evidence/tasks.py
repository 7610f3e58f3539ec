"""Celery tasks that ask the evidence providers about a claim."""
