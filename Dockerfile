# One image for the web server, the Celery worker and beat; the same hashed lock as `make run`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
# Exactly the locked releases, each file checked against its hash; --no-deps because the
# lock already names every dependency, so nothing unlocked can slip in.
RUN pip install -r requirements.txt --require-hashes --no-deps \
    && pip check

COPY . .
RUN useradd --system --create-home factcheck \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && chown -R factcheck /app
USER factcheck

EXPOSE 8000
CMD ["gunicorn", "factcheck.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
