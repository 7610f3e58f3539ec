"""Celery tasks that score an article's sentences and retrain a newsroom's spotter."""
