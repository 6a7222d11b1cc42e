"""Talks to Rasa's REST channel (POST /webhooks/rest/webhook)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, Dict, List, Optional, Tuple

import httpx


@dataclasses.dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclasses.dataclass(frozen=True)
class BotReply:
    text: str
    buttons: Tuple[Button, ...] = ()


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer (unreachable, too slow, an error, broken JSON).

    The message never holds what the family wrote."""


class RasaClient:
    """One shared httpx client; every call has a total time limit (`timeout` seconds)."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ):
        self.timeout = timeout
        self._url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self._feedback_url = base_url.rstrip("/") + "/webhooks/rest/feedback"
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def send(
        self, sender: str, message: str, message_id: Optional[str] = None
    ) -> List[BotReply]:
        """The bot's replies to `message`, in order. Raises RasaUnavailable. A message sent
        again with the same `message_id` is answered from the first time (bot/rest_channel)."""
        try:
            body = await asyncio.wait_for(self._post(sender, message, message_id), self.timeout)
        except asyncio.TimeoutError:
            raise RasaUnavailable(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from None
        return parse_replies(body)

    async def rate(
        self, sender: str, message_id: str, rating: str, comment: Optional[str] = None
    ) -> List[BotReply]:
        """Stores the family's rating of the answer to `message_id` (bot/feedback.py); what the
        bot says next (after "not helpful": other topics and the way to a person). Raises
        RasaUnavailable, also when the rating was refused."""
        body: Dict[str, Any] = {
            "sender": sender,
            "message_id": message_id,
            "rating": rating,
            "channel": "telegram",
        }
        if comment:
            body["comment"] = comment
        try:
            response = await asyncio.wait_for(
                self._client.post(self._feedback_url, json=body), self.timeout
            )
        except asyncio.TimeoutError:
            raise RasaUnavailable(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from None
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise RasaUnavailable("the answer is not JSON") from None
        return parse_replies(answer.get("messages") if isinstance(answer, dict) else None)

    async def close(self) -> None:
        await self._client.aclose()

    async def _post(self, sender: str, message: str, message_id: Optional[str]) -> Any:
        body = {"sender": sender, "message": message}
        if message_id:
            body["message_id"] = message_id
        response = await self._client.post(self._url, json=body)
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise RasaUnavailable("the answer is not JSON") from None


class Replies(List[BotReply]):
    """The bot's replies; `handover` is set while a staff member is asked for or has the
    conversation (bot/rest_channel.py): then no reply is not a failure, the bot is silent."""

    handover: Optional[str] = None


def parse_replies(body: Any) -> List[BotReply]:
    """Rasa's list of messages as BotReply objects; images become their address."""
    if not isinstance(body, list):
        raise RasaUnavailable("the answer is not a list of messages")
    replies = Replies()
    for item in body:
        if not isinstance(item, dict):
            continue
        text = item.get("text")
        if not isinstance(text, str):
            text = ""
        image = item.get("image")
        if not text and isinstance(image, str):
            text = image
        buttons = tuple(
            Button(
                str(button.get("title") or button.get("payload")),
                str(button.get("payload") or button.get("title")),
            )
            for button in item.get("buttons") or []
            if isinstance(button, dict) and (button.get("title") or button.get("payload"))
        )
        if text.strip() or buttons:
            replies.append(BotReply(text.strip(), buttons))
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("handover"), str):
            replies.handover = custom["handover"]
    return replies
