"""Celery task that delivers one webhook event to one endpoint."""
