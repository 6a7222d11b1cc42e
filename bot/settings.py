"""Settings shared by every process of the bot and by the tools, read from the environment
(see .env.example). `make run` (bot/launcher.py), the production profile (deploy/), the
Telegram front end, the staff tools and the benchmark all read them from here."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Dict

from bot.secret_files import read_or_create_secret_file

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
API_TOKEN_FILE = ROOT / "var" / "api-token"


@dataclasses.dataclass
class Settings:
    rasa_port: int = 5005
    actions_port: int = 5055
    model: Path = ROOT / "models" / "perheneuvo.tar.gz"
    web_port: int = 8080
    cors_origins: str = "http://localhost:8080 http://127.0.0.1:8080"
    # The Telegram front end starts only when a bot token is set.
    telegram_token: str = ""
    # Conversations (Rasa's SQL tracker store on SQLite in this profile).
    tracker_db: Path = ROOT / "var" / "conversations.db"
    # Rasa's HTTP API (model reload, conversation export) accepts only this token; when it is
    # not set, a random one is made and kept in var/api-token (readable by the owner only).
    api_token: str = ""
    # The network interface Rasa listens on; behind nginx or on one machine, loopback.
    rasa_interface: str = "127.0.0.1"
    # The knowledge base (places, people, services) every process reads.
    knowledge_dir: Path = ROOT / "knowledge"
    # The staff console (python -m console), loopback only.
    console_port: int = 8090

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            rasa_port=int(os.environ.get("PERHENEUVO_RASA_PORT", cls.rasa_port)),
            actions_port=int(os.environ.get("PERHENEUVO_ACTIONS_PORT", cls.actions_port)),
            model=Path(os.environ.get("PERHENEUVO_MODEL", cls.model)),
            web_port=int(os.environ.get("PERHENEUVO_WEB_PORT", cls.web_port)),
            cors_origins=os.environ.get("PERHENEUVO_CORS_ORIGINS", cls.cors_origins),
            telegram_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
            tracker_db=Path(os.environ.get("PERHENEUVO_TRACKER_DB", cls.tracker_db)),
            api_token=os.environ.get("PERHENEUVO_API_TOKEN", "").strip(),
            rasa_interface=os.environ.get("PERHENEUVO_RASA_INTERFACE", cls.rasa_interface),
            knowledge_dir=Path(
                os.environ.get("PERHENEUVO_KNOWLEDGE_DIR", "").strip() or cls.knowledge_dir
            ),
            console_port=int(os.environ.get("PERHENEUVO_CONSOLE_PORT", cls.console_port)),
        )

    def resolved_api_token(self) -> str:
        """The API token: the configured one, else the one in var/api-token (made if missing)."""
        if self.api_token:
            return self.api_token
        return read_or_create_secret_file(API_TOKEN_FILE)


def endpoint_env(settings: Settings) -> Dict[str, str]:
    """The variables endpoints.yml reads, and the knowledge base's folder."""
    return {
        "PERHENEUVO_ACTIONS_URL": f"http://127.0.0.1:{settings.actions_port}/webhook",
        "PERHENEUVO_TRACKER_DB": str(settings.tracker_db),
        "PERHENEUVO_KNOWLEDGE_DIR": str(settings.knowledge_dir),
    }
