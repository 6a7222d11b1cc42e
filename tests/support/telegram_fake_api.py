"""A fake Telegram Bot API server for the end-to-end tests: aiohttp on 127.0.0.1, in a thread.

It answers /bot<token>/<method> like Telegram (form or JSON parameters, {"ok": ..., "result":
...}), records every call, and hands queued updates to getUpdates (long polling). Tests queue
updates with `queue_message` / `queue_callback` and wait for the calls they expect.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Perheneuvo",
            "username": "perheneuvo_test_bot", "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters that arrive JSON-encoded (python-telegram-bot sends the rest as plain strings).
_JSON_PARAMETERS = {"reply_markup", "allowed_updates", "link_preview_options", "entities"}
_INT_PARAMETERS = {"chat_id", "message_id", "offset", "limit", "timeout"}


class Call(dict):
    """One Bot API call: its parameters (`call["text"]`), `call.method` and `call.result`."""

    def __init__(self, method: str, params: Dict[str, Any]):
        super().__init__(params)
        self.method = method
        self.result: Any = None  # what the fake answered (the sent Message for sendMessage)


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST-token_for-fake-api"):
        self.token = token
        self.calls: List[Call] = []
        self.polls = 0  # getUpdates requests so far: the bot is polling once this grows
        self.port = 0
        self._updates: List[Dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
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
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
        if self._loop and self._new_update:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update_id

    def queue_message(self, chat_id: int, text: Optional[str] = None, **content: Any) -> int:
        """A new message from a user in a private chat (text, or e.g. photo=[...])."""
        return self.queue_update({"message": self.message(chat_id, text, **content)})

    def queue_callback(self, chat_id: int, data: str, message: Dict[str, Any]) -> int:
        """The user pressed a button with `data` under `message` (a sendMessage result)."""
        return self.queue_update({"callback_query": {
            "id": f"cb{next(self._update_ids)}", "from": self.user(chat_id),
            "chat_instance": f"ci{chat_id}", "data": data, "message": message}})

    def message(self, chat_id: int, text: Optional[str] = None, **content: Any) -> Dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": "Perhe"},
                   "from": self.user(chat_id), **content}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command)}]
        return message

    @staticmethod
    def user(chat_id: int) -> Dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Perhe", "language_code": "fi"}

    def calls_of(self, method: str, chat_id: Optional[int] = None) -> List[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method
                    and (chat_id is None or call.get("chat_id") == chat_id)]

    def wait_for(self, method: str, chat_id: Optional[int] = None, count: int = 1,
                 timeout: float = 60.0, where: Optional[Callable[[Call], bool]] = None,
                 settle: float = 0.0) -> List[Call]:
        """Waits until `count` calls of `method` (for `chat_id`, matching `where`) were made,
        then `settle` seconds more; returns all such calls. Fails with what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_of(method, chat_id) if where is None or where(c)]
            if len(found) >= count:
                if settle:
                    time.sleep(settle)
                    found = [c for c in self.calls_of(method, chat_id)
                             if where is None or where(c)]
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} {method} call(s) for chat {chat_id} within {timeout:g} s; "
                    f"got {len(found)}. All calls: {[(c.method, dict(c)) for c in self.calls]}")
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
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found: method not found"}, status=404)
        if method == "getUpdates":
            self.polls += 1
            return web.json_response({"ok": True, "result": await handler(params)})
        call = Call(method, params)
        call.result = handler(params)
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

    async def _api_getUpdates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
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

    def _api_getMe(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return BOT_USER

    def _api_deleteWebhook(self, params: Dict[str, Any]) -> bool:
        return True

    def _api_setWebhook(self, params: Dict[str, Any]) -> bool:
        return True

    def _api_sendChatAction(self, params: Dict[str, Any]) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: Dict[str, Any]) -> bool:
        return True

    def _api_sendMessage(self, params: Dict[str, Any]) -> Dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": params["chat_id"], "type": "private", "first_name": "Perhe"},
                   "from": BOT_USER, "text": params["text"]}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_editMessageText(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"message_id": params["message_id"], "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private"}, "from": BOT_USER,
                "text": params["text"]}

    def _api_editMessageReplyMarkup(self, params: Dict[str, Any]) -> bool:
        return True
