"""PostgreSQL from Debian's package, as the profile's own instance: data in
<directory>/postgres, listening on loopback only, password logins only.

PostgreSQL refuses to run as root; when this runs as root, the server runs as the `postgres`
system user that the package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

import psycopg2
from psycopg2 import sql

from deploy.settings import ProductionSettings
from deploy.supervisor import Service

SUPERUSER = "postgres"


def binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (PERHENEUVO_PG_BIN chooses another)."""
    configured = os.environ.get("PERHENEUVO_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: run 'make setup' (it installs Debian's "
            "postgresql package)"
        )
    return found[-1].parent


def system_user() -> Optional[str]:
    return "postgres" if os.geteuid() == 0 else None


def data_dir(settings: ProductionSettings) -> Path:
    return settings.path("postgres")


def initialise(settings: ProductionSettings) -> None:
    """Creates the database cluster once (the superuser's password from the secrets)."""
    data = data_dir(settings)
    if (data / "PG_VERSION").exists():
        return
    user = system_user()
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    if user:
        account = pwd.getpwnam(user)
        os.chown(data, account.pw_uid, account.pw_gid)
    with tempfile.NamedTemporaryFile(
        "w", dir=settings.directory, prefix=".pw-", delete=False
    ) as handle:
        handle.write(settings.admin_password + "\n")
        password_file = Path(handle.name)
    try:
        if user:
            os.chown(password_file, pwd.getpwnam(user).pw_uid, -1)
        subprocess.run(
            [
                str(binaries() / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth-host",
                "scram-sha-256",
                "--auth-local",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            text=True,
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(data, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{error.stdout}{error.stderr}") from None
    finally:
        password_file.unlink(missing_ok=True)


def service(settings: ProductionSettings) -> Service:
    options = {
        "listen_addresses": "127.0.0.1",
        "port": str(settings.postgres_port),
        "unix_socket_directories": "",
        "max_connections": str(40 + 20 * settings.rasa_servers),
        # No statement text in the log: an INSERT carries a conversation.
        "log_min_error_statement": "panic",
        "log_min_messages": "warning",
    }
    command: List[str] = [str(binaries() / "postgres"), "-D", str(data_dir(settings))]
    for key, value in options.items():
        command += ["-c", f"{key}={value}"]
    return Service(
        "postgres",
        command,
        ready=lambda: _connects(settings),
        stop_signal=signal.SIGINT,
        user=system_user(),
    )


def _connect(settings: ProductionSettings, timeout: int = 2):
    return psycopg2.connect(
        host="127.0.0.1",
        port=settings.postgres_port,
        dbname="postgres",
        user=SUPERUSER,
        password=settings.admin_password,
        connect_timeout=timeout,
    )


def _connects(settings: ProductionSettings) -> bool:
    try:
        _connect(settings).close()
        return True
    except psycopg2.OperationalError:
        return False


def create_database(settings: ProductionSettings) -> None:
    """The conversation store's role (not a superuser) and database; its password is set
    again on every start, so a changed PERHENEUVO_POSTGRES_PASSWORD takes effect."""
    connection = _connect(settings)
    connection.autocommit = True
    role, database = sql.Identifier(settings.postgres_user), sql.Identifier(settings.postgres_db)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.postgres_user,))
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                    role, sql.Literal(settings.database_password)
                )
            )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.postgres_db,))
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
    finally:
        connection.close()
