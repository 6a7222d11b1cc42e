"""Redis from Debian's package as the lock store: loopback only, a password, nothing written
to disk (a conversation's lock lives only as long as a message is being handled)."""

from __future__ import annotations

import redis

from deploy.settings import ProductionSettings
from deploy.supervisor import Service


def write_config(settings: ProductionSettings) -> str:
    """redis.conf with the password, readable by the owner only (not on the command line)."""
    directory = settings.path("redis")
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "redis.conf"
    config.touch(mode=0o600)
    config.chmod(0o600)
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                "protected-mode yes",
                f"port {settings.redis_port}",
                f'requirepass "{settings.lock_store_password}"',
                'save ""',
                "appendonly no",
                f"dir {directory}",
                "daemonize no",
                "loglevel warning",
                "",
            ]
        )
    )
    return str(config)


def service(settings: ProductionSettings) -> Service:
    return Service(
        "redis", ["redis-server", write_config(settings)], ready=lambda: responds(settings)
    )


def client(settings: ProductionSettings) -> redis.Redis:
    return redis.Redis(
        host="127.0.0.1",
        port=settings.redis_port,
        password=settings.lock_store_password,
        socket_timeout=2,
        socket_connect_timeout=2,
    )


def responds(settings: ProductionSettings) -> bool:
    try:
        return bool(client(settings).ping())
    except redis.RedisError:
        return False
