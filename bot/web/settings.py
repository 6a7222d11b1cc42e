"""Settings of the web server, read from its command line (the launcher passes them)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import List, Optional
from urllib.parse import urlsplit


@dataclasses.dataclass(frozen=True)
class WebSettings:
    # Where the parent's browser reaches the Rasa server (its REST channel).
    rasa_url: str
    port: int = 8080
    host: str = "localhost"

    def __post_init__(self) -> None:
        parts = urlsplit(self.rasa_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"the Rasa address must be an http or https URL, not {self.rasa_url!r}"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"the Rasa address must not carry a query, fragment or user: {self.rasa_url!r}"
            )
        object.__setattr__(self, "rasa_url", self.rasa_url.rstrip("/"))

    @property
    def rasa_origin(self) -> str:
        """scheme://host[:port] of the Rasa server, the only address the pages may connect to."""
        parts = urlsplit(self.rasa_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_argv(cls, argv: Optional[List[str]] = None) -> "WebSettings":
        parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
        parser.add_argument("--port", type=int, default=cls.port)
        parser.add_argument(
            "--host", default=cls.host, help="interface to listen on (default: %(default)s)"
        )
        parser.add_argument(
            "--rasa-url",
            required=True,
            help="the Rasa server as the browser reaches it, e.g. http://localhost:5005",
        )
        args = parser.parse_args(argv)
        try:
            return cls(rasa_url=args.rasa_url, port=args.port, host=args.host)
        except ValueError as error:
            parser.error(str(error))
            raise  # parser.error exits; this keeps type checkers content
