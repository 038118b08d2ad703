"""Settings for Campaign Command (创城指挥).

Everything comes from the environment (see .env.example and README.md). With nothing set and DJANGO_DEBUG=1 the
app runs in "embedded" mode: SQLite under var/, no Redis, Celery on a filesystem broker. Production must set
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; missing values fail at start, not at the first request.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import development_secret_key, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
# The test suite runs in parallel processes (pytest-xdist names them gw0, gw1, … in PYTEST_XDIST_WORKER, which the
# worker processes a test starts inherit): each keeps its files (test database, file cache, embedded broker,
# media) in its own directory and, on the servers, uses its own Redis database (below), so two processes never
# flush each other's cache or take each other's tasks. Unset outside the test suite.
TEST_PROCESS = env_str("PYTEST_XDIST_WORKER") or ""
if TEST_PROCESS:
    VAR_DIR = VAR_DIR / TEST_PROCESS

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DJANGO_DEBUG is off (on a developer machine, set DJANGO_DEBUG=1)."
        )
    SECRET_KEY = development_secret_key(VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    # Ours, bottom to top: scoring → rectification → campaign → core.
    "core",
    "campaign",
    "rectification",
    "scoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "core.middleware.PasswordExpiryMiddleware",
    "campaign.middleware.CurrentCampaignMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.shell",
                "core.context_processors.notifications",
                "campaign.context_processors.campaigns",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
except Exception as exc:  # dj-database-url raises several exception types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from exc
if _database["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # The web process and the embedded worker write to the same file: WAL lets readers go on while one
        # writes, IMMEDIATE takes the write lock at BEGIN so two writers queue instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not :memory:, so a worker process started by a test sees the test database.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://) or SQLite (sqlite:///).")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, cache and Celery ---------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_MODE = REDIS_URL is None
if REDIS_URL and TEST_PROCESS:
    # Test process gwN uses the database N below the one named (redis://…/15 → 15, 14, …).
    _redis = urlsplit(REDIS_URL)
    _redis_db = int(_redis.path.strip("/") or 0) - int(TEST_PROCESS.removeprefix("gw"))
    if _redis_db < 0:
        raise ImproperlyConfigured("REDIS_URL's database number is too low for this many test processes.")
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Files, not process memory: the web server and the embedded worker share it (job progress, throttling).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # With acks_late a task is redelivered only after the visibility timeout: keep it above the hard time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
    # How often a worker looks for tasks a lost worker left unacknowledged past the visibility timeout (kombu's
    # default is about every 100 s).
    if env_int("CELERY_UNACKED_RESTORE_SECONDS", 0):
        CELERY_BROKER_TRANSPORT_OPTIONS |= {
            "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_SECONDS", 0),
            "unacked_restore_throttle": 1,
        }
else:
    # Embedded mode: a real worker and beat on Celery's filesystem transport, no server needed.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
# Progress and results of long jobs live in our own tables (core.Job); no result backend is needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Authentication and the 等保 2.0 controls ------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)
# 0 turns expiry off; otherwise users must change a password older than this many days before going on.
PASSWORD_EXPIRY_DAYS = env_int("PASSWORD_EXPIRY_DAYS", 0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "core.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "core.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
]

# Failed-login lockout (django-axes): lock the pair (user name, client address) after N failures, for a cool-off.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Number of reverse proxies in front of the app; their X-Forwarded-For entries are trusted, no others.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.request_context.client_ip"

# Idle timeout: a session lasts SESSION_IDLE_MINUTES after the last request (sliding), and ends with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# HTTPS and headers. Production defaults are strict; an intranet behind a TLS-terminating proxy sets
# SECURE_PROXY_SSL_HEADER=1, and one without TLS must turn these off explicitly (and will fail check --deploy).
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _secure)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Internationalisation --------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static and media --------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads are served through views that check permissions, never straight from MEDIA_ROOT.
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Photos (core/images.py): larger uploads are refused; what is kept is re-encoded with at most PHOTO_MAX_SIDE pixels
# on its long side. PHOTO_MAX_PIXELS bounds the memory a decode may take (about 4 bytes a pixel).
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 60_000_000)
PHOTO_MAX_SIDE = env_int("PHOTO_MAX_SIDE", 2560)
# Materials handed in for material review (scoring/materials.py): PDF, Word, Excel, PowerPoint, PNG or JPEG files up
# to this size; the content is checked, not the name.
MATERIAL_MAX_BYTES = env_int("MATERIAL_MAX_BYTES", 20 * 1024 * 1024)
# How long a dashboard panel is kept in the cache; publishing a ranking, a bulletin or a projection clears it sooner.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300)
# A list's Excel export longer than this is written by a background job with progress, not within the request.
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 5000)
# Their files are removed this many days after they were written (core.purge_exports, daily).
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)

# API ---------------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ScopedAccess"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campaign Command API",
    "DESCRIPTION": "创城指挥 — REST API of the civilized-city campaign command office.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and its docs are for signed-in users (and API clients with a token), like the API itself.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Choice sets that share a field name ("kind") or are used by fields of different names get one name each.
    "ENUM_NAME_OVERRIDES": {
        "IndicatorKindEnum": "campaign.choices.IndicatorKind",
        "UnitGroupKindEnum": "campaign.choices.UnitGroupKind",
        "UnitTypeEnum": "campaign.choices.UnitType",
        "CampaignStatusEnum": "campaign.choices.CampaignStatus",
        "ProblemStatusEnum": "rectification.choices.ProblemStatus",
        "SelfCheckResultEnum": "campaign.choices.SelfCheckResult",
        "DailyReportStatusEnum": "campaign.choices.DailyReportStatus",
        "ReportComplianceEnum": "campaign.choices.ReportCompliance",
        "CoordinationStatusEnum": "campaign.choices.CoordinationStatus",
        "DocumentStatusEnum": "scoring.choices.DocumentStatus",
        "PeriodEnum": "scoring.choices.Period",
        "MentionReasonEnum": "scoring.choices.MentionReason",
        "ProblemSourceEnum": "rectification.choices.ProblemSource",
        "DispatchTargetStatusEnum": "campaign.choices.DispatchTargetStatus",
        "DispatchSourceEnum": "campaign.choices.DispatchSource",
        "DispatchPriorityEnum": "campaign.choices.DispatchPriority",
        "RoundKindEnum": "scoring.choices.RoundKind",
        "ItemResultEnum": "scoring.choices.ItemResult",
        "ReviewStatusEnum": "scoring.choices.ReviewStatus",
        "RankingPeriodEnum": "scoring.choices.RankingPeriod",
        "MaterialStatusEnum": "scoring.choices.MaterialStatus",
        "AccountabilityKindEnum": "scoring.choices.AccountabilityKind",
        "ListKindEnum": "scoring.choices.ListKind",
    },
}

# Logging -------------------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Campaign Command ------------------------------------------------------------------------------------------------
SITE_NAME = _("Campaign Command")
# The campaign the public report page and Open311 feed into; empty: the newest campaign that is not closed.
PUBLIC_CAMPAIGN_SLUG = env_str("PUBLIC_CAMPAIGN_SLUG", "")

# Notifications leaving the app (core/delivery.py): e-mail to each recipient and group-chat webhooks (configured by
# staff). E-mail goes out only when a mail server is set (or NOTIFICATION_EMAIL=1 with another EMAIL_BACKEND).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
NOTIFICATION_EMAIL = env_bool("NOTIFICATION_EMAIL", bool(EMAIL_HOST))
# Links in e-mails and chat messages are made absolute with this address (e.g. https://cc.example.gov.cn).
SITE_URL = (env_str("SITE_URL", "") or "").rstrip("/")
NOTIFICATION_WEBHOOK_TIMEOUT = env_int("NOTIFICATION_WEBHOOK_TIMEOUT", 5)
# Attempts before a delivery is marked failed; the pause doubles from one minute up to the cap.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_RETRY_CAP_MINUTES = env_int("NOTIFICATION_RETRY_CAP_MINUTES", 60)
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 100)
