"""Run the development stack: embedded redis unless REDIS_URL is set, a worker, the web server."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from factcheck import localservers


class Command(BaseCommand):
    help = "Start redis (embedded by default), a Celery worker process and the web server."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options):
        children: list[subprocess.Popen] = []
        redis = None
        env = dict(os.environ)
        if "REDIS_URL" not in os.environ and "CELERY_BROKER_URL" not in os.environ:
            redis = localservers.start_redis(socket_path=settings.EMBEDDED_REDIS_SOCKET)
            self.stdout.write(f"Embedded redis-server listening on {redis.url}")
        try:
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "factcheck",
                        "worker",
                        "--loglevel",
                        "INFO",
                        "--concurrency",
                        "2",
                        "--hostname",
                        "worker@%h",
                    ],
                    env=env,
                )
            )
            children.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
                    env=env,
                )
            )
            url = f"http://{host}:{port}/"
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nFact-check is running at {url}  (admin: {url}admin/)\n"
                    "Sign in as demo-editor, demo-reviewer or demo-admin, password factcheck-demo\n"
                    "Press Ctrl-C to stop the web server, the worker and redis.\n"
                )
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A process of the stack exited; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
            if redis is not None:
                redis.stop()
