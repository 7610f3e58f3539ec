"""Settings for every environment, read from environment variables (django-environ)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime state of the embedded development stack (SQLite file, redis socket, uploads).
VAR_DIR = Path(env.str("FACTCHECK_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The public address of this instance, for absolute URLs made outside a request (the
# ClaimReview export for feeds such as Data Commons). Inside a request the request's host is used.
PUBLIC_BASE_URL = env.str("FACTCHECK_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_ratelimit",
    "knox",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the others, so that it sees every response: no HTML error page under /api/.
    "annotations.api.errors.ProblemDetailsMiddleware",
    # Sees each API answer as sent: a 304 handed back its count there.
    "annotations.api.throttling.RateLimitHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware, which may answer first (django-cors-headers asks for it).
    "corsheaders.middleware.CorsMiddleware",
    # Before CommonMiddleware, whose slash redirect for the API it replaces.
    "annotations.api.errors.MissingSlashMiddleware",
    "annotations.api.errors.LengthRequiredMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotations.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "annotations.middleware.DatabaseBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP and frame options, so the page it renders carries their headers too.
    "annotations.middleware.MethodNotAllowedPageMiddleware",
    "annotations.middleware.SignedOutFormMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# In production whitenoise serves the collected static files; in development runserver does.
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                # Issue 9 (notifications): the unread count in the header.
                "annotations.dashboard.unread_notifications",
                # The header's organization switcher and Settings link.
                "annotations.current_organization.organization_menu",
            ],
        },
    },
]

# SQLite by default; DATABASE_URL=postgres://... for PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The web server and the Celery worker are separate processes sharing one file:
    # WAL lets readers go on during a write, and IMMEDIATE transactions plus a busy
    # timeout make concurrent writers wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The broker. Without REDIS_URL, the embedded redis-server that `make run` and the
# test tooling start listens on this unix socket.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default=f"redis+socket://{EMBEDDED_REDIS_SOCKET}")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# How long after a change to the public feed a change stamped earlier may still commit (no
# transaction outlives a task's hard limit): list validators turn over each minute till then.
FACTCHECK_FEED_LATE_COMMIT_SECONDS = env.int(
    "FACTCHECK_FEED_LATE_COMMIT_SECONDS", default=CELERY_TASK_TIME_LIMIT
)
CELERY_RESULT_EXPIRES = 3600
# Job rows hold the outcome (annotations.jobs); nothing waits on a stored result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits out a broker outage however long it lasts, instead of exiting.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

# Background jobs (annotations.jobs). The sweeper runs every FACTCHECK_JOB_SWEEP_INTERVAL
# seconds; it sends again a job queued longer than FACTCHECK_JOB_QUEUED_TIMEOUT seconds,
# and takes back one running longer than its hard time limit + FACTCHECK_JOB_RUNNING_GRACE,
# or at once if the process running it on the sweeper's host died (annotations.jobs).
FACTCHECK_JOB_SWEEP_INTERVAL = env.float("FACTCHECK_JOB_SWEEP_INTERVAL", default=30.0)
FACTCHECK_JOB_QUEUED_TIMEOUT = env.float("FACTCHECK_JOB_QUEUED_TIMEOUT", default=60.0)
FACTCHECK_JOB_RUNNING_GRACE = env.float("FACTCHECK_JOB_RUNNING_GRACE", default=60.0)
# A job sent this long ago and still queued is sent again even while its queue holds other
# messages: behind a backlog it is usually waiting its turn, but its message may have been
# taken and lost (a worker that met the database down as it claimed the job).
FACTCHECK_JOB_BACKLOG_PATIENCE = env.float("FACTCHECK_JOB_BACKLOG_PATIENCE", default=1800.0)
# Seconds before the first retry of a transient failure; doubled each time, up to the max.
FACTCHECK_JOB_RETRY_DELAY = env.float("FACTCHECK_JOB_RETRY_DELAY", default=10.0)
FACTCHECK_JOB_RETRY_MAX_DELAY = env.float("FACTCHECK_JOB_RETRY_MAX_DELAY", default=300.0)
# Seconds a worker keeps trying to record an attempt's outcome through a database outage,
# rather than leaving the job "running" until its lease runs out.
FACTCHECK_JOB_RECORD_PATIENCE = env.float("FACTCHECK_JOB_RECORD_PATIENCE", default=120.0)
# The longest a request waits for the broker before leaving its job to the sweeper.
FACTCHECK_JOB_SEND_TIMEOUT = env.float("FACTCHECK_JOB_SEND_TIMEOUT", default=1.0)
# Seconds a process leaves the broker or cache alone after it failed (annotations.outages).
FACTCHECK_OUTAGE_PAUSE = env.float("FACTCHECK_OUTAGE_PAUSE", default=10.0)
# Task modules outside annotations/tasks.py (autodiscovery finds only that one).
CELERY_IMPORTS = (
    "annotations.notifications",
    "annotations.account_emails",
    "annotations.evidence.archive_tasks",
    "annotations.evidence.tasks",
    "annotations.webhooks.tasks",
    "annotations.spotting_jobs",
)
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "annotations.tasks.sweep_jobs",
        "schedule": FACTCHECK_JOB_SWEEP_INTERVAL,
        # Sweeps that wait out a worker outage are stale by then; the next one will do.
        "options": {"expires": FACTCHECK_JOB_SWEEP_INTERVAL},
    },
}
# Finished jobs, finished webhook deliveries and evidence searches replaced by a newer one
# are deleted this many days after they ended (annotations.services.housekeeping), daily.
FACTCHECK_HISTORY_DAYS = env.int("FACTCHECK_HISTORY_DAYS", default=30)
# Hours an API write's Idempotency-Key is remembered with its answer (annotations.api.
# idempotency), and seconds after which a first request that never recorded its answer (its
# process died) no longer holds its key.
FACTCHECK_IDEMPOTENCY_HOURS = env.int("FACTCHECK_IDEMPOTENCY_HOURS", default=24)
FACTCHECK_IDEMPOTENCY_ABANDONED_SECONDS = env.int(
    "FACTCHECK_IDEMPOTENCY_ABANDONED_SECONDS", default=300
)
CELERY_BEAT_SCHEDULE["prune-history"] = {
    "task": "annotations.tasks.prune_history",
    # At a time of day, not every 24 hours: beat's schedule file does not outlive a new
    # container, and an interval would start again at each deployment (review R23).
    "schedule": crontab(hour=3, minute=17),
    "options": {"expires": 3600.0},
}
# Redis hands an unacknowledged message to another worker after the visibility timeout.
# The sweeper already takes back a job whose worker died (after the hard time limit and
# the grace); the timeout only has to outlast the longest task or retry countdown, so a
# message is not redelivered while its attempt is still running or waiting.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(
        max(CELERY_TASK_TIME_LIMIT, FACTCHECK_JOB_RETRY_MAX_DELAY) + FACTCHECK_JOB_RUNNING_GRACE
    ),
}


def _redis_cache_url(url: str, db: int) -> str:
    """`url` in redis-py's form, on database `db`: kombu's redis+socket:// becomes unix://."""
    parts = urlsplit(url)
    query = urlencode([*((k, v) for k, v in parse_qsl(parts.query) if k != "db"), ("db", db)])
    if parts.scheme in ("redis+socket", "unix"):
        return f"unix://{parts.path}?{query}"
    return urlunsplit((parts.scheme, parts.netloc, "", query, ""))


# The shared cache (form throttles among others) lives on the same Redis as the broker, in
# its own database so that clearing or evicting the cache never touches queued jobs.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_REDIS_URL", default=_redis_cache_url(REDIS_URL, db=1)),
        "KEY_PREFIX": "factcheck",
        # A Redis outage must not hang requests: the throttles then let requests through.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: the hook by which any new password revokes the account's API tokens.
    {"NAME": "annotations.password_tokens.TokensEndWithThePassword"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins are counted by django-axes in the database, so every web process sees the
# same counts. Lock out after this many failures within the cool-off period, counted per
# account from one address, and per address over all accounts (annotations.throttling).
FACTCHECK_SIGNIN_FAILURES_PER_ACCOUNT = env.int("FACTCHECK_SIGNIN_FAILURES_PER_ACCOUNT", default=5)
FACTCHECK_SIGNIN_FAILURES_PER_IP = env.int("FACTCHECK_SIGNIN_FAILURES_PER_IP", default=20)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = "annotations.throttling.signin_failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("FACTCHECK_SIGNIN_COOLOFF_MINUTES", default=15))
AXES_CLIENT_IP_CALLABLE = "annotations.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "annotations.throttling.locked_out"
# A success must not wipe the address's failures, or guessing could alternate with signing
# in to an account of one's own. Successful sign-ins are not logged: only failures count.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind this many reverse proxies the client address is read from X-Forwarded-For.
FACTCHECK_TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=0)

# Form throttles (django-ratelimit on the shared cache): requests per period, per key.
FACTCHECK_RATE_LIMITS = {
    "password-reset-ip": env.str("FACTCHECK_RATE_PASSWORD_RESET_IP", default="10/h"),
    "password-reset-email": env.str("FACTCHECK_RATE_PASSWORD_RESET_EMAIL", default="3/h"),
    "invitation-send": env.str("FACTCHECK_RATE_INVITATION_SEND", default="30/h"),
    "invitation-answer-ip": env.str("FACTCHECK_RATE_INVITATION_ANSWER_IP", default="20/h"),
    # Tries of the password change form, per account: a stolen session could otherwise
    # guess the current password there without limit (django-axes counts sign-ins only).
    "password-change-user": env.str("FACTCHECK_RATE_PASSWORD_CHANGE_USER", default="10/h"),
}
# Days an invitation link stays valid.
FACTCHECK_INVITATION_DAYS = env.int("FACTCHECK_INVITATION_DAYS", default=7)
# django-ratelimit predates Django's own Redis cache and warns about any backend it does not
# list; Django's RedisCache increments atomically (INCRBY), which is all the throttles need.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "article-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
# An SMTP server as one URL, e.g. "smtp+tls://user:password@mail.example:587"; it sets the
# backend, host, port, credentials and TLS (django-environ's email_url).
if env.str("EMAIL_URL", default=""):
    _smtp = env.email_url("EMAIL_URL")
    _smtp.pop("EMAIL_FILE_PATH", None)
    globals().update(_smtp)
# Where the file-based backend (django.core.mail.backends.filebased) writes each message.
EMAIL_FILE_PATH = env.str("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="factcheck@localhost")

REST_FRAMEWORK = {
    # The token first: a request that sends `Authorization: Token` is judged by its token
    # alone (no CSRF, which only a cookie needs), and a 401 says `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "annotations.api.permissions.TokenScope",
        "annotations.api.permissions.SameUserAsThePage",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "annotations.api.throttling.TokenRateThrottle",
        "annotations.api.throttling.UserRateThrottle",
        "annotations.api.throttling.AnonRateThrottle",
    ],
    # JSON only: DRF's browsable HTML pages would answer `Accept: text/html` with a page
    # and a CSRF cookie, where the API promises JSON (the documentation is /api/v1/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded in size and nesting depth before it is decoded.
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # An unknown ?format= is a 400 naming the formats, not DRF's 404.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "annotations.api.negotiation.StrictFormatNegotiation",
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.AutoSchema",
    # Every time in UTC (TIME_ZONE, and no request activates another) with six digits of
    # fraction, a whole second's too, as the public serializers write them: ISO 8601's
    # default drops a zero fraction, and then the strings no longer sort as the times do.
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "DEFAULT_FILTER_BACKENDS": ["annotations.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.NewsroomPagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "annotations.api.errors.api_exception_handler",
    # One versioned API: the version is the URL namespace ("v1" under /api/v1/).
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
# A failed CSRF check under /api/ is answered as problem details, elsewhere as Django's page.
CSRF_FAILURE_VIEW = "annotations.api.errors.csrf_failure"
# API tokens (django-rest-knox, annotations.ApiToken). Knox stores only a SHA-512 digest.
# No TTL here: each token's expiry is chosen when it is made (the form offers 90 days
# first), and knox's sliding refresh stays off so a leaked key cannot keep itself alive.
KNOX_TOKEN_MODEL = "annotations.ApiToken"  # noqa: S105 - a model name, not a secret
# knox's own AuthToken model is swapped out for ApiToken: its migrations would only make an
# unused table, whose key to auth_user would also stop PostgreSQL's TRUNCATE in tests.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": None,
    "AUTO_REFRESH": False,
    # A recognisable prefix, so secret scanners and people can tell a key when one leaks.
    "TOKEN_PREFIX": "fc_",
    "AUTH_HEADER_PREFIX": "Token",
}
# API throttles (annotations.api.throttling), counted in the shared cache: requests per
# period for each anonymous address, each token and each signed-in browser session.
FACTCHECK_API_RATES = {
    "anon": env.str("FACTCHECK_API_RATE_ANON", default="120/min"),
    "token": env.str("FACTCHECK_API_RATE_TOKEN", default="600/min"),
    "user": env.str("FACTCHECK_API_RATE_USER", default="1200/min"),
}
# The OpenAPI document (annotations.api.schema, served at /api/v1/schema/, docs at /api/v1/docs/).
SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check API",
    "DESCRIPTION": """Verified claims published by the fact-checking organizations on this site, and
the newsroom API their members write them with.

**Public reads** (`/api/v1/claims/`, `/api/v1/articles/`, `/api/v1/organizations/`,
`/api/v1/claimreview/`) need no sign-in and no token. They serve published versions only, give
everyone the same answer, carry `ETag`, `Last-Modified` and `Cache-Control`, and allow
cross-origin requests (without credentials). Lists use cursor pagination: follow `next` until
it is `null`. To sync, keep the time of your last pull and ask for `updated_since`: corrections
come back with a higher `version`, retractions with `state: "retracted"` and their note, and
claims taken down while their article is re-checked with `state: "suspended"`.

**Newsroom** endpoints (`/api/v1/newsroom/`) are for members of an organization: send
`Authorization: Token <key>` (create a token on your settings page; a read token may only GET,
a write token may also write), or use the signed-in browser session with its CSRF token. Every
write to a claim names the version it was made on (`If-Match: "<version>"`, or a `version`
field): a stale version answers 412 with the current claim, a missing one 428.

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, and `errors` (field: messages) for invalid input. Too many requests answer
429 with `Retry-After`.

**Versioning**: the version is in the path. Within `/api/v1/` fields and endpoints are only
added, never removed or changed in meaning.""",
    "VERSION": "1.0.0",
    # The schema view excludes itself and the docs page from the document.
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    "TAGS": [
        {"name": "About", "description": "Where the documentation and the collections are."},
        {
            "name": "Published fact-checks",
            "description": "Published claims and the articles they are in. No token needed.",
        },
        {
            "name": "Organizations",
            "description": "The fact-checkers, their rating scales and methodology.",
        },
        {"name": "ClaimReview", "description": "A schema.org DataFeed of ClaimReview items."},
        {"name": "Newsroom: articles", "description": "Your organizations' articles (members)."},
        {"name": "Newsroom: claims", "description": "Working copies of claims (members)."},
        {"name": "Newsroom: evidence", "description": "Evidence gathered for a claim (members)."},
        {
            "name": "Newsroom: suggestions",
            "description": "Check-worthy sentences suggested in an article (members).",
        },
        {"name": "Newsroom: exports", "description": "An organization's claims in bulk (members)."},
        {"name": "Newsroom", "description": "Other member endpoints."},
        {"name": "Errors", "description": "What each problem `type` URI means."},
    ],
    # Named for what they are, so that a new field called "state" or "kind" elsewhere can't
    # rename them (clients generate code from these names).
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "annotations.models.Claim.Status",
        "ArticleStatusEnum": "annotations.models.Article.Status",
        "AnchorStateEnum": "annotations.models.Claim.AnchorState",
        "SourceStanceEnum": "annotations.models.Source.Stance",
        "SourceFetchStateEnum": "annotations.models.Source.FetchState",
        "PublishedVersionKindEnum": "annotations.models.PublishedVersion.Kind",
        "PublicClaimStateEnum": "annotations.api.public_serializers.STATES",
    },
    # Swagger UI and Redoc from this instance (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "defaultModelsExpandDepth": 0,
        # Swagger UI would otherwise send the schema to a third-party validator.
        "validatorUrl": None,
    },
}

# CORS (django-cors-headers) on the public reads only: any site may fetch published claims,
# articles, organizations and the ClaimReview feed, never with cookies. The newsroom API,
# the schema and the docs stay same-origin, as do the members' evidence and suggestions
# that sit beside the public claims and articles.
CORS_URLS_REGEX = (
    r"^/api/v1/(?!newsroom/|schema/|docs/)"
    r"(?!claims/\d+/evidence/|articles/\d+/suggestions/)[^/]+/.*$"
)
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "if-modified-since"]
# Readable by the calling page besides the safelisted ones: the validator to send back, how
# long to wait when throttled, and how much of its limit is left.
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "RateLimit", "RateLimit-Policy"]
# W3C Web Annotation Protocol (annotations.api.wap): other sites' clients may ask for a
# container view (Prefer) and read the protocol's headers; writes stay off other origins.
CORS_ALLOW_HEADERS += ["prefer"]
CORS_EXPOSE_HEADERS += [
    "Allow", "Link", "Location", "Content-Location", "Vary", "Accept-Post", "Preference-Applied",
]  # fmt: skip

# Content Security Policy on every page: no inline script, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Security headers. Production sits behind a TLS-terminating proxy; the health
# endpoints stay reachable over plain HTTP for container health checks.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Else every client would share the proxy's address, and one lockout would hit all.
        FACTCHECK_TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=1)

# Server-side fetches of user-supplied URLs (annotations.fetching).
# Extra hosts or CIDR networks the fetcher may reach, e.g. "127.0.0.1/32,intranet.example".
FACTCHECK_FETCH_ALLOW = env.list("FACTCHECK_FETCH_ALLOW", default=[])
FACTCHECK_FETCH_TIMEOUT = env.float("FACTCHECK_FETCH_TIMEOUT", default=15.0)
FACTCHECK_FETCH_MAX_BYTES = env.int("FACTCHECK_FETCH_MAX_BYTES", default=20 * 1024 * 1024)

# Import limits (annotations.ingest).
FACTCHECK_UPLOAD_MAX_BYTES = env.int("FACTCHECK_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Organization settings (issue 9): the largest logo an admin may upload.
FACTCHECK_LOGO_MAX_BYTES = env.int("FACTCHECK_LOGO_MAX_BYTES", default=512 * 1024)
FACTCHECK_MAX_TEXT_CHARS = env.int("FACTCHECK_MAX_TEXT_CHARS", default=2_000_000)
# Seconds the workspace waits for the answer to a claim's save or move before trying again.
FACTCHECK_WRITE_TIMEOUT = env.float("FACTCHECK_WRITE_TIMEOUT", default=20.0)
FACTCHECK_PDF_MAX_PAGES = env.int("FACTCHECK_PDF_MAX_PAGES", default=500)
FACTCHECK_DOCX_MAX_UNCOMPRESSED = env.int(
    "FACTCHECK_DOCX_MAX_UNCOMPRESSED", default=50 * 1024 * 1024
)
FACTCHECK_DOCX_MAX_RATIO = env.int("FACTCHECK_DOCX_MAX_RATIO", default=100)
# Uploads larger than this are read by the worker, as PDFs always are: reading markup grows
# faster than its size (4 MB of HTML took two minutes), which a web request cannot wait. A
# create sent with an Idempotency-Key reads the file inside its transaction, which on SQLite
# holds every other write back: 256 KB is read in about a quarter of a second.
FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES = env.int(
    "FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES", default=256 * 1024
)
# Seconds the worker may spend fetching and parsing one import (PDFs above all).
FACTCHECK_IMPORT_TIME_LIMIT = env.int("FACTCHECK_IMPORT_TIME_LIMIT", default=120)
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The largest form is the rating scale's: 60 ratings of eight fields each, with the formset's
# management fields, posts about 490. At 200 a scale of 32 ratings could no longer be saved.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# Articles longer than this are re-anchored in a Celery task instead of the request.
FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = env.int("FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS", default=500)

# Webhooks (annotations.webhooks, issue 13). Seconds before each retry of a failed delivery:
# about a day in all, after which the delivery fails; an endpoint whose every attempt failed
# for that long is disabled and its admins are emailed. The previous secret of a rotated
# endpoint keeps signing for FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS.
FACTCHECK_WEBHOOK_RETRY_DELAYS = env.list(
    "FACTCHECK_WEBHOOK_RETRY_DELAYS",
    cast=float,
    default=[5, 300, 1800, 7200, 18000, 36000, 22000],
)
FACTCHECK_WEBHOOK_TIMEOUT = env.float("FACTCHECK_WEBHOOK_TIMEOUT", default=10.0)
FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS = env.float("FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS", default=24)

# Evidence I/O (issue 10): the queues, source snapshots, link health, the Internet Archive.
# Network-bound tasks (fetching sources, asking evidence providers, delivering webhooks)
# go to queue "io", consumed by a thread-pool worker (`celery worker -Q io --pool threads
# --concurrency 32`); everything else (CPU work: extraction, ranking, imports) stays on
# the default queue "celery". A worker started without -Q consumes both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {
    "celery": {"exchange": "celery", "routing_key": "celery"},
    "io": {"exchange": "io", "routing_key": "io"},
}
FACTCHECK_IO_TASKS = (
    "annotations.evidence.archive_tasks.snapshot_source",
    "annotations.evidence.archive_tasks.check_source_link",
    "annotations.evidence.tasks.run_evidence_request",
    "annotations.webhooks.tasks.deliver_webhook",
)
CELERY_TASK_ROUTES = {name: {"queue": "io"} for name in FACTCHECK_IO_TASKS}
# Threads of the I/O worker that `make run` starts (docker-compose sets its own).
FACTCHECK_IO_CONCURRENCY = env.int("FACTCHECK_IO_CONCURRENCY", default=32)
# Connections one worker process holds to one host at a time (a third of the I/O threads, so
# no one site can take them all). A job for a host that is full waits up to
# FACTCHECK_IO_HOST_WAIT seconds, then goes back to the queue for about
# FACTCHECK_IO_DEFER_DELAY seconds (no attempt used) and the thread serves other sites.
FACTCHECK_IO_PER_HOST = env.int("FACTCHECK_IO_PER_HOST", default=10)
FACTCHECK_IO_HOST_WAIT = env.float("FACTCHECK_IO_HOST_WAIT", default=1.0)
FACTCHECK_IO_DEFER_DELAY = env.float("FACTCHECK_IO_DEFER_DELAY", default=2.0)
# Retries of network jobs are spread by up to this fraction of their delay either way.
FACTCHECK_IO_RETRY_JITTER = env.float("FACTCHECK_IO_RETRY_JITTER", default=0.25)
# Seconds one snapshot (fetch, extract, archive) may take.
FACTCHECK_SNAPSHOT_TIME_LIMIT = env.int("FACTCHECK_SNAPSHOT_TIME_LIMIT", default=60)
# Link health: sources of published claims are checked again after this many seconds
# (weekly); a host that does not resolve this many checks in a row counts as gone; a
# main text whose similarity to the snapshot's (0-100, rapidfuzz) falls below the
# threshold counts as changed.
FACTCHECK_LINK_CHECK_INTERVAL = env.float("FACTCHECK_LINK_CHECK_INTERVAL", default=7 * 24 * 3600)
FACTCHECK_LINK_CHECK_BATCH = env.int("FACTCHECK_LINK_CHECK_BATCH", default=500)
FACTCHECK_LINK_GONE_AFTER = env.int("FACTCHECK_LINK_GONE_AFTER", default=3)
FACTCHECK_LINK_CHANGED_BELOW = env.float("FACTCHECK_LINK_CHANGED_BELOW", default=80.0)
# Seconds a link check may spend reading a cited PDF's text to compare it with the snapshot;
# past them the link counts as online, not compared.
FACTCHECK_LINK_CHECK_READ_SECONDS = env.float("FACTCHECK_LINK_CHECK_READ_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["check-links"] = {
    "task": "annotations.evidence.archive_tasks.check_links",
    # Hourly: each run queues only the sources whose last check is older than the interval.
    "schedule": min(3600.0, FACTCHECK_LINK_CHECK_INTERVAL),
    "options": {"expires": min(3600.0, FACTCHECK_LINK_CHECK_INTERVAL)},
}
# The Internet Archive, off by default: look up an existing capture of each fetched source
# (availability API) and, with credentials (an archive.org S3-style key pair), ask Save
# Page Now for a new one.
FACTCHECK_WAYBACK_ENABLED = env.bool("FACTCHECK_WAYBACK_ENABLED", default=False)
FACTCHECK_WAYBACK_AVAILABILITY_URL = env.str(
    "FACTCHECK_WAYBACK_AVAILABILITY_URL", default="https://archive.org/wayback/available"
)
FACTCHECK_WAYBACK_SAVE_URL = env.str(
    "FACTCHECK_WAYBACK_SAVE_URL", default="https://web.archive.org/save"
)
FACTCHECK_WAYBACK_ACCESS_KEY = env.str("FACTCHECK_WAYBACK_ACCESS_KEY", default="")
FACTCHECK_WAYBACK_SECRET_KEY = env.str("FACTCHECK_WAYBACK_SECRET_KEY", default="")
# Save Page Now answers with a job; its status is asked every interval until the timeout.
FACTCHECK_WAYBACK_POLL_INTERVAL = env.float("FACTCHECK_WAYBACK_POLL_INTERVAL", default=3.0)
FACTCHECK_WAYBACK_POLL_TIMEOUT = env.float("FACTCHECK_WAYBACK_POLL_TIMEOUT", default=60.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Evidence search (issue 10, annotations.evidence): providers listed like
# AUTHENTICATION_BACKENDS, one module each (annotations/evidence/providers/). Per provider
# name, FACTCHECK_EVIDENCE_OPTIONS may set {"enabled": bool, "timeout": seconds,
# "rate_limit": calls per second, 0 for none}. All calls go through the safe fetcher.
FACTCHECK_EVIDENCE_PROVIDERS = env.list(
    "FACTCHECK_EVIDENCE_PROVIDERS",
    default=[
        "annotations.evidence.providers.factchecks.EarlierFactChecks",
        "annotations.evidence.providers.mediawiki.MediaWiki",
        "annotations.evidence.providers.google.GoogleFactCheck",
    ],
)
FACTCHECK_EVIDENCE_OPTIONS = env.json("FACTCHECK_EVIDENCE_OPTIONS", default={})
# Any MediaWiki's api.php; "{language}" is replaced by the language below.
FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = env.str(
    "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT", default="https://{language}.wikipedia.org/w/api.php"
)
FACTCHECK_EVIDENCE_MEDIAWIKI_LANGUAGE = env.str(
    "FACTCHECK_EVIDENCE_MEDIAWIKI_LANGUAGE", default="en"
)
# Google Fact Check Tools claims:search, on only when a key is set.
FACTCHECK_EVIDENCE_GOOGLE_API_KEY = env.str("FACTCHECK_EVIDENCE_GOOGLE_API_KEY", default="")
FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT = env.str(
    "FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT",
    default="https://factchecktools.googleapis.com/v1alpha1/claims:search",
)
# Seconds one evidence request (all of one provider's calls) may take.
FACTCHECK_EVIDENCE_TIME_LIMIT = env.int("FACTCHECK_EVIDENCE_TIME_LIMIT", default=60)

# Claim spotting (issue 14, annotations.spotting): per article, store at most MAX_STORED
# suggestions whose probability is at least MIN_STORED; the panel shows those at or above
# SHOW_THRESHOLD. Retraining with a newsroom's labels uses only that organization's labels
# unless SHARE_LABELS; PUBLIC_LIMIT (tests) trains on the first N public transcripts only.
FACTCHECK_SPOTTING_MAX_STORED = env.int("FACTCHECK_SPOTTING_MAX_STORED", default=200)
FACTCHECK_SPOTTING_MIN_STORED = env.float("FACTCHECK_SPOTTING_MIN_STORED", default=0.2)
FACTCHECK_SPOTTING_SHOW_THRESHOLD = env.float("FACTCHECK_SPOTTING_SHOW_THRESHOLD", default=0.3)
FACTCHECK_SPOTTER_SHARE_LABELS = env.bool("FACTCHECK_SPOTTER_SHARE_LABELS", default=False)
FACTCHECK_SPOTTER_PUBLIC_LIMIT = env.int("FACTCHECK_SPOTTER_PUBLIC_LIMIT", default=None)
FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT = env.int("FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT", default=1800)
