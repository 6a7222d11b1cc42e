"""Builds the python-telegram-bot Application with the shared services and the handlers."""

from __future__ import annotations

from typing import Callable, Optional

import httpx
from telegram import LinkPreviewOptions
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

from bot import probes
from bot.telegram import handlers
from bot.telegram.buttons import ButtonStore
from bot.telegram.config import TelegramSettings
from bot.telegram.services import ChatLocks, Services, attach, close_rasa_client, open_rasa_client
from bot.telegram.texts import Texts, load_texts
from bot.telegram.throttle import ChatThrottle


def build_application(
    settings: TelegramSettings,
    texts: Optional[Texts] = None,
    request: Optional[BaseRequest] = None,
    rasa_transport: Optional[httpx.AsyncBaseTransport] = None,
    rasa_ready: Callable[[str], bool] = probes.responds,
) -> Application:
    """The application; `request` (Bot API), `rasa_transport` and `rasa_ready` (the start-up
    probe of Rasa) replace the network in tests."""
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_base_url)  # "<address>/bot"; the token is appended
        # Answers plain text with no link previews: a reply is read, not a web page.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # Chats are served concurrently; ChatLocks keeps each chat's own messages in order.
        .concurrent_updates(settings.concurrent_updates)
        .job_queue(None)  # no scheduled jobs (APScheduler is installed for Rasa, not for this)
        .post_init(open_rasa_client)  # waits until Rasa answers: before polling starts
        .post_shutdown(close_rasa_client)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    attach(
        application,
        Services(
            settings=settings,
            texts=texts or load_texts(),
            buttons=ButtonStore(),
            throttle=ChatThrottle(settings.throttle_messages, settings.throttle_seconds),
            locks=ChatLocks(),
            rasa_transport=rasa_transport,
            rasa_ready=rasa_ready,
        ),
    )
    handlers.register(application)
    return application
