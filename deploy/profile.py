"""The production profile's processes, in the order they start, and the loop that keeps them
running."""

from __future__ import annotations

import functools
import os
import sys
import time
from typing import List

from bot import model_files
from bot.launcher import actions_command, rasa_command, rasa_server_env
from bot.probes import port_open, responds
from bot.retention import DailyRetention
from deploy import nginx, postgres, redis_server
from deploy.settings import ENDPOINTS, ProductionSettings
from deploy.supervisor import Service, Supervisor, log


def rasa_server_name(index: int) -> str:
    return f"rasa-{index + 1}"


class Production:
    def __init__(self, settings: ProductionSettings):
        self.settings = settings
        self.supervisor = Supervisor(
            settings.path("logs"), settings.path("pids"), settings.common_env()
        )
        # bot.retention on the PostgreSQL store, daily in the background (log: retention.log)
        self.retention = DailyRetention(
            ["--endpoints", str(ENDPOINTS)],
            env=dict(os.environ, **settings.server_env()),
            log_file=settings.path("logs", "retention.log"),
        )
        # names of the processes started together, in order: the stores, then the servers
        self.tiers: List[List[str]] = []

    def app_services(self) -> List[Service]:
        """The action server and the Rasa servers."""
        settings = self.settings
        launcher = settings.launcher_settings()
        env = {"TF_CPP_MIN_LOG_LEVEL": "2", **settings.server_env()}
        actions_health = f"http://127.0.0.1:{settings.actions_port}/health"
        services = [
            Service(
                "actions",
                actions_command(settings.actions_port),
                ready=lambda: responds(actions_health),
                # rasa-sdk binds to SANIC_HOST: loopback only
                env={**env, "SANIC_HOST": "127.0.0.1"},
            )
        ]
        for index, port in enumerate(settings.rasa_ports):
            services.append(
                Service(
                    rasa_server_name(index),
                    rasa_command(launcher, port, endpoints=str(ENDPOINTS)),
                    ready=functools.partial(responds, f"http://127.0.0.1:{port}/"),
                    env={**env, **rasa_server_env(launcher)},
                )
            )
        return services

    def console_service(self) -> Service:
        """The staff console on loopback; nginx serves it under its own server name only.
        Made at start: its settings include the database password made on first start."""
        settings = self.settings
        return Service(
            "console",
            [sys.executable, "-m", "console"],
            ready=lambda: responds(f"http://127.0.0.1:{settings.console_port}/healthz"),
            env=settings.console_env(),
        )

    def start(self, timeout: float = 300.0) -> None:
        """Starts everything and waits until every server answers."""
        settings = self.settings
        model_files.verify(settings.base.model)
        settings.prepare_directory()
        postgres.initialise(settings)
        self._start_tier([postgres.service(settings), redis_server.service(settings)], 60)
        postgres.create_database(settings)
        front = nginx.service(settings, ready=lambda: port_open(settings.http_port))
        # in parallel: a Rasa server takes most of a minute to load the model
        self._start_tier(self.app_services() + [self.console_service(), front], timeout)

    def _start_tier(self, services: List[Service], timeout: float) -> None:
        self.tiers.append([service.name for service in services])
        for service in services:
            self.supervisor.start(service)
        self.supervisor.wait_ready(self.tiers[-1], timeout)

    def run(self) -> None:
        """Restarts what dies and deletes expired conversations daily (until interrupted)."""
        while True:
            self.supervisor.check()
            self.retention.run_when_due()
            time.sleep(0.5)

    def stop(self) -> None:
        """nginx and the servers first, then the stores they write to."""
        log("stopping")
        for names in reversed(self.tiers):
            self.supervisor.stop(names)
        log("stopped")
