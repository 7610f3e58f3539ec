"""Tasks run in a real Celery worker process, reached through the real broker."""

import os

from annotations import tasks


def test_task_sent_to_the_broker_runs_in_the_worker_process(celery_worker_process):
    result = tasks.worker_identity.delay()
    identity = result.get(timeout=60)
    assert identity["pid"] == celery_worker_process.pid
    assert identity["pid"] != os.getpid()
