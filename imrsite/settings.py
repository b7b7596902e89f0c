"""Settings for the IMR case-management system.

Everything comes from environment variables (see README "Configuration").
Without any, the app runs as a local demo: SQLite file, Celery tasks run
in-process, DEBUG on.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from imrsite.database import configure as configure_database

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Production must never run on a key that is in the source tree.
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-demo-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "imrsite.apps.ImrAdminConfig",  # django.contrib.admin, every model admin audited (imrsite.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "accounts",
    "cases",
    "reviewers",
    "determinations",
    "reports",
    "publications",
    "correspondence",
    "api",
    "closures",
    "billing",
    "implementation",
    "appeals",
    "reminders",
    "worklists",
]

MIDDLEWARE = [
    # First: a database conflict or outage anywhere below becomes the "try again" page (HTTP 503).
    "imrsite.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the session middleware: takes Vary: Cookie off the public pages' responses.
    "publications.middleware.PublicPageMiddleware",
    "imrsite.middleware.SessionMiddleware",  # Django's; passive (timer) requests do not extend the session
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit.AuditMiddleware",  # request id and client address for the audit trail
    "django_otp.middleware.OTPMiddleware",
    "imrsite.middleware.SessionLifetimeMiddleware",
    "imrsite.middleware.SessionActivityMiddleware",
    "imrsite.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves static files from STATIC_ROOT (collectstatic); runserver does it in development.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "imrsite.urls"

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
                "imrsite.context_processors.product",
            ],
        },
    },
]

WSGI_APPLICATION = "imrsite.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite: WAL, a busy timeout and immediate transactions; PostgreSQL: lock and statement timeouts.
configure_database(DATABASES["default"], sqlite_busy_seconds=float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Tests use "test_" + the database's name (Django's default), so runs against
    # different databases on one server never share a test database.
    if os.environ.get("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out sign-in before the password is checked.
# People sign in to pages (never a service account); service accounts only get
# API tokens at the token endpoint (api/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "api.backends.PeopleBackend",
    "api.backends.ServiceAccountBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    # Case documents and letters: private, never under STATIC or a public URL;
    # served only through permission-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------
# Without REDIS_URL tasks run in-process, so a first run needs no broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800"))
# Broker outage (issue 18, fault 1): a web request that queues work never waits
# more than a few seconds on Redis. The work is in the database already; a
# publish that fails is logged (imrsite.broker) and the sweeps publish it later.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": float(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "5")),
    "retry_on_timeout": False,
}
# Publishing: 2 retries 0.2 s apart at most, then imrsite.broker.publish gives up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# How often a worker scans Redis for messages a dead node left unacked
# (security.md §2.3 C2/C3); the crash tests shorten it.
for _option in ("unacked_restore_interval", "unacked_restore_throttle"):
    if os.environ.get(f"CELERY_{_option.upper()}"):
        CELERY_BROKER_TRANSPORT_OPTIONS[_option] = int(os.environ[f"CELERY_{_option.upper()}"])
# A leak guard (one warm-up per 500 letters); 0 turns it off (the memory benchmark measures without it).
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", "500")) or None
# Celery's Django fixup otherwise closes the database connection around every
# task: each letter paid for a new PostgreSQL connection with cold caches
# (BENCHMARKS.md, worker throughput). imrsite.celery recycles broken or old ones.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000000"))
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = False
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30  # a deploy hands unfinished letters back to the queue
# Run beat (`celery -A imrsite beat`, or `worker -B` on one node) for the re-queue sweep.
CELERY_BEAT_SCHEDULE = {
    "sweep-letters": {"task": "determinations.sweep_letters", "schedule": 300.0},
    # The statistics' summary tables (reports.services.reports_refresh): months changed since the last run.
    "refresh-reports": {"task": "reports.refresh", "schedule": float(os.environ.get("REPORTS_REFRESH_SECONDS", "600"))},
    # The public index catches up with public copies a lost task did not publish.
    "sweep-publications": {"task": "publications.sweep", "schedule": 300.0},
    "sweep-report-documents": {"task": "reports.sweep_documents", "schedule": 300.0},
    "sweep-invoice-documents": {"task": "billing.sweep_documents", "schedule": 300.0},
    "sweep-notices": {"task": "correspondence.sweep_notices", "schedule": 300.0},
    "sweep-mail-batches": {"task": "correspondence.sweep_mail_batches", "schedule": 300.0},
    # Catch-up of everything correspondence owes (NOARFIs due, letter
    # distributions, e-mails to send, information and records time-outs).
    "correspondence-due": {"task": "correspondence.run_due", "schedule": 300.0},
    # Reminders and escalations whose moment has come, then the e-mails they owe (reminders app).
    "reminders-run": {"task": "reminders.run", "schedule": float(os.environ.get("REMINDERS_RUN_SECONDS", "300"))},
}

# --- Letters ---------------------------------------------------------------
# A render claim lasts longer than the task's hard time limit, so a live
# render never loses it; a crashed one is retried once it expires.
LETTER_RENDER_LEASE_SECONDS = int(os.environ.get("LETTER_RENDER_LEASE_SECONDS", str(CELERY_TASK_TIME_LIMIT + 30)))
LETTER_MAX_ATTEMPTS = int(os.environ.get("LETTER_MAX_ATTEMPTS", "5"))
LETTER_QUEUED_STALE_SECONDS = int(os.environ.get("LETTER_QUEUED_STALE_SECONDS", "600"))

# --- Caches ------------------------------------------------------------------
# CACHE_URL (redis://…): a cache shared by every web process, which the public
# pages' per-address rate limit needs to hold across processes. Unset: each
# process keeps its own (fine for one process and for tests).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
    if os.environ.get("CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# --- Public decision search (/decisions/) ----------------------------------------
# Requests per address per window ("120/60": 120 a minute); 0 turns the limit off.
PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "120/60")
PUBLIC_RATE_LIMIT_CACHE = "default"
# How long browsers and proxies may reuse a public page before asking again (then 304 if unchanged).
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "300"))
# --- E-mail (correspondence deliveries) ----------------------------------------
# Notices are e-mailed by a Celery task through Django's e-mail framework; the
# message never carries health information, only a link behind sign-in.
# correspondence.mail.EmailBackend is Django's SMTP backend that records the
# send just before the SMTP transaction commits (end of DATA).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "correspondence.mail.EmailBackend" if EMAIL_HOST or not DEBUG else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IMR notices <notices@imro.example.org>")
# Absolute address of this site, for the links in e-mails.
IMR_SITE_URL = os.environ.get("IMR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "5"))
# An unreachable or "try later" (4xx) mail server: the n-th retry waits
# base * 2**(n-1) seconds (at most 40 * base), then the delivery fails for staff to resend.
EMAIL_RETRY_BACKOFF_SECONDS = float(os.environ.get("EMAIL_RETRY_BACKOFF_SECONDS", "15"))
# A send's claim: above the send task's 120 s time limit, so only a dead worker's claim expires.
EMAIL_SEND_LEASE_SECONDS = int(os.environ.get("EMAIL_SEND_LEASE_SECONDS", "150"))
# Optional "module.function" that says whether the relay accepted a Message-ID
# (True/False/None); without it an e-mail interrupted after the commit point
# waits for staff to check the mail log instead of being sent twice.
EMAIL_RECONCILER = os.environ.get("EMAIL_RECONCILER", "")

# --- The organization and the rules --------------------------------------
IMRO_NAME = os.environ.get("IMRO_NAME", "Pacific Independent Review Organization")
IMRO_SHORT_NAME = os.environ.get("IMRO_SHORT_NAME", "PIRO")
IMRO_ADDRESS = os.environ.get("IMRO_ADDRESS", "P.O. Box 138009, Sacramento, CA 95813-8009")

IMR_CASE_NUMBER_PREFIX = "CM"
# Break-glass grants (cases.EmergencyAccess) lapse after this many hours.
IMR_EMERGENCY_ACCESS_HOURS = int(os.environ.get("IMR_EMERGENCY_ACCESS_HOURS", "4"))

# Reviewer qualification thresholds (domain.md §3.2; the letter states them).
IMR_REVIEWER_MIN_PRACTICE_YEARS = int(os.environ.get("IMR_REVIEWER_MIN_PRACTICE_YEARS", "5"))  # strictly more than
IMR_REVIEWER_MIN_WEEKLY_HOURS = int(os.environ.get("IMR_REVIEWER_MIN_WEEKLY_HOURS", "24"))  # at least

# Statutory time frames (domain.md §2.2, §2.5, §2.7). Values marked
# (unconfirmed) in the brief are settings so they can change by effective date.
# Which disputes IMR covers (LC 4610.5(a)): injuries on or after the first
# date, or any UR decision communicated on or after the second.
IMR_APPLIES_TO_INJURIES_FROM = date.fromisoformat(os.environ.get("IMR_APPLIES_TO_INJURIES_FROM", "2013-01-01"))
IMR_APPLIES_TO_UR_DECISIONS_FROM = date.fromisoformat(os.environ.get("IMR_APPLIES_TO_UR_DECISIONS_FROM", "2013-07-01"))
# Filing window: days from service of the UR decision (LC 4610.5(h)(1); 8 CCR
# 9792.10.1(b)); service by mail adds calendar days (CCP 1013(a): 5 within California).
IMR_APPLICATION_WINDOW_DAYS = int(os.environ.get("IMR_APPLICATION_WINDOW_DAYS", "30"))
IMR_MAIL_SERVICE_EXTENSION_DAYS = int(os.environ.get("IMR_MAIL_SERVICE_EXTENSION_DAYS", "5"))
IMR_RECORDS_DUE_DAYS_MAIL = 15
IMR_RECORDS_DUE_DAYS_ELECTRONIC = 12
IMR_RECORDS_DUE_HOURS_EXPEDITED = 24
IMR_DECISION_DUE_DAYS_STANDARD = 30
IMR_DECISION_DUE_DAYS_EXPEDITED = 3  # (unconfirmed for the DWC statute)
IMR_DECISION_DUE_BUSINESS_DAYS_FORMULARY = 5
IMR_OUTCOME_MIXED_LABEL = "Overturned in part"
# Business days skip the days California state offices close (CalHR's state
# holiday calendar), picked by name from the `holidays` package's California
# list, which also carries observances that are not closures. (unconfirmed:
# check CalHR's current list, e.g. for Juneteenth, before relying on it.)
IMR_STATE_HOLIDAY_NAMES = frozenset({
    "New Year's Day", "Martin Luther King Jr. Day", "Presidents' Day", "Cesar Chavez Day", "Memorial Day",
    "Independence Day", "Labor Day", "Veterans Day", "Thanksgiving Day", "Day After Thanksgiving", "Christmas Day",
})

# Correspondence (issue 12): notices, deliveries, the records clock.
IMR_NOARFI_BUSINESS_DAYS = 1  # 9792.10.4(b): within one business day of the eligibility finding
IMR_PARTY_INFORMATION_BUSINESS_DAYS = int(os.environ.get("IMR_PARTY_INFORMATION_BUSINESS_DAYS", "5"))  # 9792.10.3(c)
IMR_APPEAL_DAYS = 30  # LC 4610.6(h): from service of the determination
# CCP 1013's 5 days for service by mail (unconfirmed: Matute v. LAUSD, 2015).
IMR_APPEAL_MAIL_EXTENSION_DAYS = int(os.environ.get("IMR_APPEAL_MAIL_EXTENSION_DAYS", "5"))
# After the decision (issue 14): implementation of overturned items (8 CCR
# 9792.10.7(a)) from the claims administrator's receipt of the letter.
IMR_IMPLEMENTATION_AUTHORIZE_WORKING_DAYS = 5  # services not yet rendered: authorize within 5 working days
IMR_IMPLEMENTATION_REIMBURSE_DAYS = 20  # services already rendered: reimburse within 20 days
# Channels that count as "sent electronically" for the 12-day records clock
# (9792.10.5); fax among them is (unconfirmed).
IMR_ELECTRONIC_CHANNELS = frozenset(env_list("IMR_ELECTRONIC_CHANNELS", "email,fax,portal"))
# 8 CCR 9792.12(c)(6): late IMR records, per case.
IMR_LATE_RECORDS_PENALTY_PER_DAY = int(os.environ.get("IMR_LATE_RECORDS_PENALTY_PER_DAY", "500"))
IMR_LATE_RECORDS_PENALTY_CAP = int(os.environ.get("IMR_LATE_RECORDS_PENALTY_CAP", "5000"))
# The Administrative Director receives every Final Determination Letter
# (domain.md §2.9; the exact address is (unconfirmed)).
IMR_AD_NAME = os.environ.get("IMR_AD_NAME", "Administrative Director, Division of Workers' Compensation, IMR Unit")
IMR_AD_ADDRESS = os.environ.get("IMR_AD_ADDRESS", "1515 Clay Street, 17th Floor, Oakland, CA 94612")
IMR_AD_EMAIL = os.environ.get("IMR_AD_EMAIL", "")
IMR_AD_CHANNEL = os.environ.get("IMR_AD_CHANNEL", "mail")
# The catch-up job issues notices and letter distributions the events missed
# for findings and decisions this recent (older ones predate the system).
IMR_CORRESPONDENCE_CATCH_UP_DAYS = int(os.environ.get("IMR_CORRESPONDENCE_CATCH_UP_DAYS", "30"))

DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENT_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
# Virus scanning of uploads (security.md control 25): dotted path of a callable
# `scanner(uploaded_file, *, name)` that raises imrsite.errors.ServiceError
# (code "infected") to refuse a file; empty: no scanner (see README "Antivirus").
DOCUMENT_SCANNER = os.environ.get("DOCUMENT_SCANNER", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security --------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(15 * 60)))
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: every request extends it
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP; it carries no health information
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")

# --- Claims administrators' API (api/, README "Claims administrators' API") ---
# The published California IMR contract: Keycloak-style token endpoint for the
# realm and client the published clients send, bearer tokens for every call.
API_REALM = os.environ.get("API_REALM", "dxc-externals")
API_CLIENT_ID = os.environ.get("API_CLIENT_ID", "dxc")
API_ACCESS_TOKEN_SECONDS = int(os.environ.get("API_ACCESS_TOKEN_SECONDS", "3600"))
API_REFRESH_TOKEN_SECONDS = int(os.environ.get("API_REFRESH_TOKEN_SECONDS", "86400"))
# Largest page of a case search; a larger `limit` is cut to it and the response says so.
API_SEARCH_MAX_LIMIT = int(os.environ.get("API_SEARCH_MAX_LIMIT", "100"))
# Rate limits (DRF throttling on the "api" cache): per service account, per client
# address for every call (before authentication, so bad tokens are bounded too),
# and per client address at the token endpoint.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
API_ADDRESS_RATE_LIMIT = os.environ.get("API_ADDRESS_RATE_LIMIT", "1200/minute")
API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "30/minute")
# Document handles are "<prefix>/<20 hex digits>", as the contract's are (they contain a slash).
API_HANDLE_PREFIX = os.environ.get("API_HANDLE_PREFIX", "20.5000.900")
# Document control numbers (dcn) are this base plus a system-wide sequence.
API_DCN_BASE = 900_000_000

OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": API_ACCESS_TOKEN_SECONDS,
    # django-oauth-toolkit counts a refresh token's life from its access token's
    # expiry; the contract counts refresh_expires_in from issue.
    "REFRESH_TOKEN_EXPIRE_SECONDS": API_REFRESH_TOKEN_SECONDS - API_ACCESS_TOKEN_SECONDS,
    "ROTATE_REFRESH_TOKEN": True,  # every refresh hands out a new refresh token and revokes the old
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed old refresh token revokes its whole family
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # only the SHA-256 of a token is stored
    # RFC 9700's other recommendations, none of which the API needs to break.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ACCESS_TOKEN_GENERATOR": "api.tokens.access_token",
    "REFRESH_TOKEN_GENERATOR": "api.tokens.refresh_token",
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.ServiceAccountValidator",
    "SCOPES": {"dxc": "Claims administrators' API"},
    "DEFAULT_SCOPES": ["dxc"],
}

# The published contract logs in with the resource-owner password grant, which
# RFC 9700 discourages (django-oauth-toolkit's W002): only service accounts of
# one public client may use it, rate-limited and locked out like sign-ins.
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W002"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ServiceAccountTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.IsServiceAccount"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # The contract negotiates by Accept only (no ?format=).
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "California IMR claims administrators' API",
    "DESCRIPTION": "The published California IMR API (2016 SDK) as this organization serves it. See /apigw/docs/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/",
    "PREPROCESSING_HOOKS": ["api.schema.only_api_paths"],
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The API's rate-limit counters: shared by every web process through Redis
    # when REDIS_URL is set (one process's memory otherwise).
    "api": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "imr-api"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "imr-api"},
}

# --- Audit trail -------------------------------------------------------------
# How many reverse proxies we trust to append to X-Forwarded-For (0: none, the
# client address is REMOTE_ADDR). Behind one load balancer, set 1.
AUDIT_TRUSTED_PROXY_COUNT = int(os.environ.get("AUDIT_TRUSTED_PROXY_COUNT", "0"))

# Absolute session lifetime: signed out this long after signing in, however
# active (HIPAA automatic logoff; SESSION_COOKIE_AGE above is the idle limit).
IMR_SESSION_MAX_AGE_SECONDS = int(os.environ.get("SESSION_MAX_AGE_SECONDS", str(12 * 60 * 60)))
# The "your session is about to end" dialog appears this long before the idle
# timeout (static/js/session-timeout.js); "Stay signed in" extends the session.
IMR_SESSION_WARNING_SECONDS = int(os.environ.get("SESSION_WARNING_SECONDS", "180"))
# Present while a session is signed in; found on the sign-in page without a
# sign-out, it means the session expired (accounts.sessions).
IMR_SIGNED_IN_COOKIE_NAME = "__Host-imrsignedin" if not DEBUG else "imrsignedin"

# Two-factor authentication (TOTP) before any page but sign-in: always on in
# production; off in the local demo unless IMR_REQUIRE_2FA=true.
IMR_REQUIRE_2FA = not DEBUG or env_bool("IMR_REQUIRE_2FA", False)
IMR_RECOVERY_CODE_COUNT = 10
OTP_TOTP_ISSUER = f"{IMRO_SHORT_NAME} IMR"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # admins reset devices; they never see a user's secret

# Sign-in lockout (django-axes, accounts.lockout): the 10th failure for a
# username from one address locks that pair, and the 30th failure from one
# address across any usernames locks the address. Both cool off after
# AXES_COOLOFF_MINUTES (an admin can unlock sooner: User admin action, or
# `manage.py axes_reset_username <name>`), so knowing a username is not
# enough to lock its owner out for good. The client address is the audit
# trail's (AUDIT_TRUSTED_PROXY_COUNT), so a forged X-Forwarded-For cannot
# dodge the count.
AXES_HANDLER = "accounts.lockout.SignInLockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
_cooloff_minutes = int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))
if _cooloff_minutes < 1:
    raise ImproperlyConfigured("AXES_COOLOFF_MINUTES must be at least 1: a lockout without an end lets anyone lock a user out.")
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
# Failures during a lockout are refused without being counted: they do not
# push its end further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in_paused"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_address"
AXES_VERBOSE = False
# Sign-ins are in the audit trail; axes keeps only the failures the lockout
# counts, shown by accounts.security_admin.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False

# Content-Security-Policy (django-csp): only our own scripts, styles and
# frames; no plugins; nobody frames our pages (the letter preview alone
# allows its own site, see determinations.views.preview_letter).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_template_context": {"()": "imrsite.logfilters.DropTemplateContext"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # django-oauth-toolkit logs a warning on every password grant (RFC 9700
        # discourages it); the published contract requires that grant.
        "oauth2_provider": {"level": "ERROR"},
        # On the logger, not a handler: holds whatever LOG_LEVEL or handler is configured.
        "django.template": {"filters": ["drop_template_context"]},
    },
}

# --- Reminders and escalation (reminders app) --------------------------------
# People get reminders between these local hours on business days only.
REMINDER_WORKDAY_START_HOUR = int(os.environ.get("REMINDER_WORKDAY_START_HOUR", "8"))
REMINDER_WORKDAY_END_HOUR = int(os.environ.get("REMINDER_WORKDAY_END_HOUR", "18"))
# The daily digest goes out at the first run after this local hour.
REMINDER_DIGEST_HOUR = int(os.environ.get("REMINDER_DIGEST_HOUR", "7"))
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "500"))
