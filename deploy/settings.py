"""Settings of the production profile, read from the environment (deploy/production.env.example).

The settings the profile shares with `make run` (model, API token, CORS origins, knowledge
base) come from bot.settings.Settings; ports have their own names, so that both profiles can
run side by side.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path
from typing import Dict, List, Mapping
from urllib.parse import quote

from bot.secret_files import read_or_create_secret_file
from bot.settings import ROOT, Settings

DEPLOY_DIR = Path(__file__).resolve().parent
ENDPOINTS = DEPLOY_DIR / "endpoints.production.yml"
NGINX_TEMPLATE = DEPLOY_DIR / "nginx.conf.template"
# A host name with at least one dot: nothing nginx would read as anything but a name.
SERVER_NAME = re.compile(
    r"^(?=.{3,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)


@dataclasses.dataclass
class ProductionSettings:
    # Data, logs, pid files, rendered configuration and generated secrets.
    directory: Path = ROOT / "var" / "production"
    # nginx: the only address the outside reaches.
    http_address: str = "127.0.0.1"
    http_port: int = 8081
    # Rasa servers on rasa_base_port, rasa_base_port + 1, ... (loopback).
    rasa_servers: int = 2
    rasa_base_port: int = 5011
    actions_port: int = 5065
    postgres_port: int = 5433
    postgres_db: str = "perheneuvo"
    postgres_user: str = "perheneuvo"
    postgres_password: str = ""  # empty: generated and kept in <directory>/secrets
    redis_port: int = 6380
    redis_password: str = ""  # empty: generated and kept in <directory>/secrets
    # nginx's limit per client address: a steady rate and the burst allowed on top of it.
    rate_limit: str = "10r/s"
    rate_burst: int = 20
    # Seconds a conversation's lock in Redis outlives a Rasa server that died holding it.
    lock_lifetime: int = 30
    # The staff console: nginx serves it only under its own server name (never on the
    # families' address), from `python -m console` on a loopback port. With console_https the
    # address is https:// (a TLS terminator in front of nginx), cookies are secure and nginx
    # sends HSTS.
    console_server_name: str = "konsoli.localhost"
    console_port: int = 8091
    console_https: bool = False
    # The widget's files; nginx serves them when the folder exists.
    static_dir: Path = ROOT / "bot" / "web" / "static"
    base: Settings = dataclasses.field(default_factory=Settings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ProductionSettings":
        env = environ.get
        settings = cls(
            directory=Path(env("PERHENEUVO_PRODUCTION_DIR", cls.directory)).resolve(),
            http_address=env("PERHENEUVO_HTTP_ADDRESS", cls.http_address),
            http_port=int(env("PERHENEUVO_HTTP_PORT", cls.http_port)),
            rasa_servers=int(env("PERHENEUVO_RASA_SERVERS", cls.rasa_servers)),
            rasa_base_port=int(env("PERHENEUVO_RASA_BASE_PORT", cls.rasa_base_port)),
            actions_port=int(env("PERHENEUVO_PRODUCTION_ACTIONS_PORT", cls.actions_port)),
            postgres_port=int(env("PERHENEUVO_POSTGRES_PORT", cls.postgres_port)),
            postgres_db=env("PERHENEUVO_POSTGRES_DB", cls.postgres_db),
            postgres_user=env("PERHENEUVO_POSTGRES_USER", cls.postgres_user),
            postgres_password=env("PERHENEUVO_POSTGRES_PASSWORD", "").strip(),
            redis_port=int(env("PERHENEUVO_REDIS_PORT", cls.redis_port)),
            redis_password=env("PERHENEUVO_REDIS_PASSWORD", "").strip(),
            rate_limit=env("PERHENEUVO_RATE_LIMIT", cls.rate_limit),
            rate_burst=int(env("PERHENEUVO_RATE_BURST", cls.rate_burst)),
            lock_lifetime=int(env("PERHENEUVO_LOCK_LIFETIME", cls.lock_lifetime)),
            console_server_name=env(
                "PERHENEUVO_CONSOLE_SERVER_NAME", cls.console_server_name
            ).strip(),
            console_port=int(env("PERHENEUVO_PRODUCTION_CONSOLE_PORT", cls.console_port)),
            console_https=env("PERHENEUVO_CONSOLE_HTTPS", "").strip().lower()
            in {"1", "true", "yes", "on"},
            base=Settings.from_env(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.rasa_servers < 1:
            raise ValueError("PERHENEUVO_RASA_SERVERS must be at least 1")
        if self.lock_lifetime < 10:
            raise ValueError("PERHENEUVO_LOCK_LIFETIME must be at least 10 seconds")
        if not SERVER_NAME.match(self.console_server_name):
            raise ValueError(
                "PERHENEUVO_CONSOLE_SERVER_NAME must be a host name such as "
                "konsoli.example.fi (the staff console's own address)"
            )

    def prepare_directory(self) -> None:
        """Creates the directory; logs and secrets in it are for the owner only. As root,
        PostgreSQL (user postgres) and nginx's workers (user nobody) must reach the directory,
        so it and every folder above it must be open to other users."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for private in ("logs", "secrets"):
            self.path(private).mkdir(exist_ok=True)
            self.path(private).chmod(0o700)
        if os.geteuid() != 0:
            return
        self.directory.chmod(0o755)
        for folder in self.directory.parents:
            if not folder.stat().st_mode & stat.S_IXOTH:
                raise ValueError(
                    f"{folder} is closed to other users, so PostgreSQL and nginx "
                    f"could not reach {self.directory}: set "
                    f"PERHENEUVO_PRODUCTION_DIR to a folder under an open one "
                    f"(e.g. /var/lib/perheneuvo) or run 'chmod o+x {folder}'"
                )

    # -- derived ------------------------------------------------------------------------------

    @property
    def rasa_ports(self) -> List[int]:
        return [self.rasa_base_port + index for index in range(self.rasa_servers)]

    @property
    def public_url(self) -> str:
        return f"http://{self.http_address}:{self.http_port}"

    @property
    def console_origin(self) -> str:
        """The staff console's address as browsers see it (its CSRF origin)."""
        if self.console_https:
            return f"https://{self.console_server_name}"
        port = "" if self.http_port == 80 else f":{self.http_port}"
        return f"http://{self.console_server_name}{port}"

    def path(self, *parts: str) -> Path:
        return self.directory.joinpath(*parts)

    def secret(self, name: str, configured: str = "") -> str:
        """`configured` if set, else the secret kept in <directory>/secrets/<name> (made once)."""
        return configured or read_or_create_secret_file(self.path("secrets", name))

    @property
    def database_password(self) -> str:
        return self.secret("postgres-password", self.postgres_password)

    @property
    def admin_password(self) -> str:
        """The PostgreSQL superuser's, used only to create the role and the database."""
        return self.secret("postgres-admin-password")

    @property
    def lock_store_password(self) -> str:
        return self.secret("redis-password", self.redis_password)

    def launcher_settings(self) -> Settings:
        """The shared settings, with this profile's action server port."""
        return dataclasses.replace(self.base, actions_port=self.actions_port)

    def common_env(self) -> Dict[str, str]:
        """What every process of the profile is given."""
        return {"PERHENEUVO_KNOWLEDGE_DIR": str(self.base.knowledge_dir)}

    def tracker_store_url(self) -> str:
        """The conversation store as a SQLAlchemy URL (the console, the action server)."""
        return (
            f"postgresql://{quote(self.postgres_user, safe='')}:"
            f"{quote(self.database_password, safe='')}@127.0.0.1:"
            f"{self.postgres_port}/{self.postgres_db}"
        )

    def console_env(self) -> Dict[str, str]:
        """The staff console's settings (console/settings.py) behind nginx."""
        return {
            **self.common_env(),
            "PERHENEUVO_CONSOLE_HOST": "127.0.0.1",
            "PERHENEUVO_CONSOLE_PORT": str(self.console_port),
            "PERHENEUVO_CONSOLE_VAR_DIR": str(self.path("console")),
            # 127.0.0.1: the runner's readiness probe; nginx sends only the console's name.
            "PERHENEUVO_CONSOLE_ALLOWED_HOSTS": f"{self.console_server_name} 127.0.0.1",
            "PERHENEUVO_CONSOLE_TRUSTED_ORIGINS": self.console_origin,
            "PERHENEUVO_CONSOLE_HTTPS": "1" if self.console_https else "0",
            "PERHENEUVO_TRACKER_DB": self.tracker_store_url(),
            "PERHENEUVO_RASA_URL": f"http://127.0.0.1:{self.rasa_ports[0]}",
            # publishing loads the new model into every Rasa server
            "PERHENEUVO_RASA_URLS": " ".join(f"http://127.0.0.1:{p}" for p in self.rasa_ports),
        }

    def server_env(self) -> Dict[str, str]:
        """The variables deploy/endpoints.production.yml reads, and Rasa's own settings."""
        return {
            **self.common_env(),
            "PERHENEUVO_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "PERHENEUVO_POSTGRES_HOST": "127.0.0.1",
            "PERHENEUVO_POSTGRES_PORT": str(self.postgres_port),
            "PERHENEUVO_POSTGRES_DB": self.postgres_db,
            "PERHENEUVO_POSTGRES_USER": self.postgres_user,
            "PERHENEUVO_POSTGRES_PASSWORD": self.database_password,
            "PERHENEUVO_REDIS_HOST": "127.0.0.1",
            "PERHENEUVO_REDIS_PORT": str(self.redis_port),
            "PERHENEUVO_REDIS_PASSWORD": self.lock_store_password,
            # The action server makes families' requests for a person in the conversation
            # store (bot/handover.py); the Rasa servers read it through their tracker store.
            "PERHENEUVO_TRACKER_DB": self.tracker_store_url(),
            # Rasa: connections each server keeps to PostgreSQL, and the lock lifetime.
            "SQL_POOL_SIZE": "10",
            "SQL_MAX_OVERFLOW": "10",
            "TICKET_LOCK_LIFETIME": str(self.lock_lifetime),
            "RASA_TELEMETRY_ENABLED": "false",
        }
