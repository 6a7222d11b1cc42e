"""The action server: rasa-sdk's server for the `actions` package, plus GET /knowledge, which
says which version of the knowledge base the actions answer from (`make reload` asks).

    python -m bot.action_server --actions actions --port 5055

The arguments are rasa-sdk's (`rasa run actions` takes the same).
"""

from __future__ import annotations

from typing import Any

from bot import quiet_warnings

quiet_warnings.install()  # before rasa_sdk imports Sanic and the libraries it warns about

import rasa_sdk.__main__  # noqa: E402
from rasa_sdk import endpoint  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.request import Request  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

import knowledge_base  # noqa: E402

_create_app = endpoint.create_app


def create_app(*args: Any, **kwargs: Any) -> Sanic:
    """rasa-sdk's app with the knowledge status route."""
    app = _create_app(*args, **kwargs)

    @app.get("/knowledge")
    async def knowledge(_request: Request) -> HTTPResponse:
        live = knowledge_base.live()
        live.current()  # take a changed directory into use now, if it is valid
        return response.json(live.status())

    return app


def main() -> None:
    endpoint.create_app = create_app  # rasa_sdk.endpoint.run builds its app through this name
    rasa_sdk.__main__.main()


if __name__ == "__main__":
    main()
