"""The console's Django settings, read from the environment (.env.example lists them).

Secrets and state live in var/: the secret key (var/console-secret-key, made on first use,
mode 600), the database (var/console.sqlite3) and the first administrator's password."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from bot.secret_files import read_or_create_secret_file

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _flag(name: str) -> bool:
    return _env(name).lower() in {"1", "true", "yes", "on"}


# Where the console keeps its database and secrets, and the project whose files it edits.
VAR_DIR = Path(_env("PERHENEUVO_CONSOLE_VAR_DIR", str(ROOT / "var")))
CONSOLE_PROJECT_ROOT = Path(_env("PERHENEUVO_CONSOLE_PROJECT", str(ROOT)))
CONSOLE_HOST = _env("PERHENEUVO_CONSOLE_HOST", "127.0.0.1")
CONSOLE_PORT = int(_env("PERHENEUVO_CONSOLE_PORT", "8090"))
SECRET_KEY_FILE = VAR_DIR / "console-secret-key"
ADMIN_PASSWORD_FILE = VAR_DIR / "console-admin-password"

SECRET_KEY = read_or_create_secret_file(SECRET_KEY_FILE)
DEBUG = _flag("PERHENEUVO_CONSOLE_DEBUG")
ALLOWED_HOSTS = _env("PERHENEUVO_CONSOLE_ALLOWED_HOSTS", "127.0.0.1 localhost [::1]").split()
# Behind nginx with TLS (production profile): cookies only over HTTPS, and the origins the
# CSRF check accepts, e.g. "https://konsoli.example.fi".
CSRF_TRUSTED_ORIGINS = _env("PERHENEUVO_CONSOLE_TRUSTED_ORIGINS").split()
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _flag("PERHENEUVO_CONSOLE_HTTPS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "console.accounts",
    "console.audit",
    "console.content",
    "console.knowledge",
    "console.inbox",
    "console.sheets",
    "console.publishing",
    "console.stats",
    "console.conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (no inline scripts) and Permissions-Policy on every response.
    "console.security.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a log-in unless its view says otherwise (log-in page, health check).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.lockout",
            ],
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(_env("PERHENEUVO_CONSOLE_DB", str(VAR_DIR / "console.sqlite3"))),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: new and changed passwords are hashed with it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A working day, and never beyond closing the browser.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "perheneuvo_console_session"
CSRF_COOKIE_NAME = "perheneuvo_console_csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# django-axes: five wrong passwords are refused as wrong; the sixth locks the account (by
# user name, from any address) for PERHENEUVO_CONSOLE_LOCKOUT_MINUTES, or until a
# pääkäyttäjä runs `python -m console axes_reset_username <tunnus>`.
AXES_FAILURE_LIMIT = 6
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = timedelta(minutes=int(_env("PERHENEUVO_CONSOLE_LOCKOUT_MINUTES", "60")))
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# axes.W006 asks for the address in the lock. Not here, on purpose: an account locks after six
# wrong passwords from any address (behind nginx every request has the same address, and
# rotating addresses must not give more guesses).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "suomi")]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE / "static"]
# WhiteNoise serves the apps' static files straight from their folders (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Publishing (console/publishing): the draft bot stops after this many minutes without questions.
CONSOLE_DRAFT_BOT_IDLE_MINUTES = float(_env("PERHENEUVO_CONSOLE_DRAFT_BOT_IDLE_MINUTES", "15"))
