"""The one fake Telegram Bot API of the tests, with two ways in.

`FakeBotApi`: a server for the end-to-end tests, aiohttp on 127.0.0.1 in a thread. It answers
/bot<token>/<method> like Telegram (form or JSON parameters, {"ok": ..., "result": ...}),
records every call, and hands queued updates to getUpdates (long polling). Tests queue updates
with `queue_message` / `queue_callback` and wait for the calls they expect.

`OfflineBotApi`: the same answers as python-telegram-bot's request class, for the unit tests
(no network at all); any method the front end should not call fails the test.

Both answer through `BotApiAnswers`, which also builds the updates a user would send.
"""

from __future__ import annotations

import asyncio
import http.server
import itertools
import json
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from aiohttp import web
from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Perheneuvo",
    "username": "perheneuvo_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters that arrive JSON-encoded (python-telegram-bot sends the rest as plain strings).
_JSON_PARAMETERS = {"reply_markup", "allowed_updates", "link_preview_options", "entities"}
_INT_PARAMETERS = {"chat_id", "message_id", "offset", "limit", "timeout"}


class BotApiAnswers:
    """What Telegram answers to the methods the front end uses, and the updates users send."""

    METHODS = {
        "getMe",
        "deleteWebhook",
        "setWebhook",
        "sendChatAction",
        "answerCallbackQuery",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    }

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)

    def answer(self, method: str, params: Dict[str, Any]) -> Any:
        """The `result` Telegram gives for `method` (one of METHODS) called with `params`."""
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            message = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private", "first_name": "Perhe"},
                "from": BOT_USER,
                "text": params["text"],
            }
            # Telegram shows only inline keyboards in the message it returns (not ForceReply)
            if (params.get("reply_markup") or {}).get("inline_keyboard"):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    def message(
        self, chat_id: int, text: Optional[str] = None, edited: bool = False, **content: Any
    ) -> Dict[str, Any]:
        """A message from a user in a private chat (text, or e.g. photo=[...])."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Perhe"},
            "from": self.user(chat_id),
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if edited:
            message["edit_date"] = int(time.time())
        return message

    def message_update(
        self, chat_id: int, text: Optional[str] = None, edited: bool = False, **content: Any
    ) -> Dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "edited_message" if edited else "message": self.message(
                chat_id, text, edited, **content
            ),
        }

    def callback_update(self, chat_id: int, data: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """The user pressed a button with `data` under `message` (a sendMessage result)."""
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cb{next(self._update_ids)}",
                "from": self.user(chat_id),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": message,
            },
        }

    @staticmethod
    def user(chat_id: int) -> Dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Perhe", "language_code": "fi"}


class OfflineBotApi(BaseRequest):
    """python-telegram-bot's request class answering offline: records each call; a method
    outside ANSWERS, another token or any real network use fails the test."""

    ANSWERS = {
        "getMe",
        "sendMessage",
        "sendChatAction",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageReplyMarkup",
    }

    def __init__(self, token: str) -> None:
        self.token = token
        self.updates = BotApiAnswers()
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.fail_next: Dict[str, str] = {}  # method -> error description, once

    @property
    def read_timeout(self) -> Optional[float]:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: Optional[RequestData] = None,
        *args: Any,
        **kwargs: Any,
    ) -> Tuple[int, bytes]:
        assert url.startswith(f"https://api.telegram.org/bot{self.token}/"), url
        name = url.rsplit("/", 1)[1]
        assert name in self.ANSWERS, f"unexpected Bot API call {name}"
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        if name in self.fail_next:
            description = self.fail_next.pop(name)
            return 400, json.dumps(
                {"ok": False, "error_code": 400, "description": description}
            ).encode()
        return 200, json.dumps({"ok": True, "result": self.updates.answer(name, params)}).encode()

    def of(self, name: str) -> List[Dict[str, Any]]:
        return [params for method, params in self.calls if method == name]

    def sent_texts(self) -> List[str]:
        return [params["text"] for params in self.of("sendMessage")]


class Call(dict):
    """One Bot API call: its parameters (`call["text"]`), `call.method` and `call.result`."""

    def __init__(self, method: str, params: Dict[str, Any]):
        super().__init__(params)
        self.method = method
        self.result: Any = None  # what the fake answered (the sent Message for sendMessage)


class FakeBotApi(BotApiAnswers):
    def __init__(self, token: str = "123456:TEST-token_for-fake-api"):
        super().__init__()
        self.token = token
        self.calls: List[Call] = []
        self.polls = 0  # getUpdates requests so far: the bot is polling once this grows
        self.port = 0
        self._updates: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._new_update: Optional[asyncio.Event] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self._started = threading.Event()

    # -- test side --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL: the token is appended, as with Telegram's."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> "FakeBotApi":
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    def queue_update(self, update: Dict[str, Any]) -> int:
        with self._lock:
            self._updates.append(update)
        if self._loop and self._new_update:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update["update_id"]

    def queue_message(self, chat_id: int, text: Optional[str] = None, **content: Any) -> int:
        """A new message from a user in a private chat (text, or e.g. photo=[...])."""
        return self.queue_update(self.message_update(chat_id, text, **content))

    def queue_callback(self, chat_id: int, data: str, message: Dict[str, Any]) -> int:
        """The user pressed a button with `data` under `message` (a sendMessage result)."""
        return self.queue_update(self.callback_update(chat_id, data, message))

    def calls_of(self, method: str, chat_id: Optional[int] = None) -> List[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method == method and (chat_id is None or call.get("chat_id") == chat_id)
            ]

    def wait_for(
        self,
        method: str,
        chat_id: Optional[int] = None,
        count: int = 1,
        timeout: float = 60.0,
        where: Optional[Callable[[Call], bool]] = None,
        settle: float = 0.0,
    ) -> List[Call]:
        """Waits until `count` calls of `method` (for `chat_id`, matching `where`) were made,
        then `settle` seconds more; returns all such calls. Fails with what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_of(method, chat_id) if where is None or where(c)]
            if len(found) >= count:
                if settle:
                    time.sleep(settle)
                    found = [c for c in self.calls_of(method, chat_id) if where is None or where(c)]
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} {method} call(s) for chat {chat_id} within {timeout:g} s; "
                    f"got {len(found)}. All calls: {[(c.method, dict(c)) for c in self.calls]}"
                )
            time.sleep(0.05)

    # -- server side ------------------------------------------------------------------------

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        pending = asyncio.all_tasks(self._loop)  # e.g. a long poll of a bot that was stopped
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "getUpdates":
            self.polls += 1
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method not in self.METHODS:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        call = Call(method, params)
        call.result = self.answer(method, params)
        with self._lock:
            self.calls.append(call)
        return web.json_response({"ok": True, "result": call.result})

    @staticmethod
    async def _params(request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        params: Dict[str, Any] = dict(request.query)
        params.update(await request.post())
        for name, value in list(params.items()):
            if name in _JSON_PARAMETERS and isinstance(value, str):
                params[name] = json.loads(value)
            elif name in _INT_PARAMETERS and isinstance(value, str):
                params[name] = int(value)
        return params

    async def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except asyncio.TimeoutError:
                pass


class StartupOnlyRasa:
    """A stand-in for Rasa that answers only the front end's start-up probe (GET / -> 200)
    until `stop()`: the front end starts, and then meets a Rasa outage."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"Hello from the stand-in")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "StartupOnlyRasa":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
