"""Slack, as Rasa's connector does it (signing secret and timestamp checked on every request,
a reply in the background), refusing a request not signed by Slack with 401 (Rasa answers
400) and ignoring a delivery already processed: an event whose `event_id` was seen (Slack
retries with the same one and `X-Slack-Retry-Num`, whatever the reason; Rasa ignores only
the retries after a timeout), an interaction whose `trigger_id` was seen, a request posted
twice (bot/rasa_server/channels/replay.py), each once it has been handled: a copy that
arrives meanwhile gets a 503, so that Slack sends it again if the first attempt dies. With a
configurable Web API URL (`api_url`) and replies shaped to Block Kit: one message per answer
instead of one per paragraph, links clickable, up to 25 buttons (Rasa's connector drops
every button past 5) with their labels cut to Slack's 75 characters. The URL check that
Slack runs when the webhook is declared gets `{"challenge": …}` back, as Slack documents
it, rather than Rasa's bare JSON string.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.rasa_server.channels import layout, replay
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"


class SlackOutput(SlackBot):
    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = SLACK_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        buttons = layout.with_all_sources(buttons, layout.cited(message))
        if text or buttons:
            for post in layout.slack_messages(text, buttons):
                await self._post_message(channel=self.slack_channel or recipient_id, **post)
        await super().send_response(recipient_id, message)


@guarded_channel
class SlackInput(RasaSlackInput):
    api_url = SLACK_API_URL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackInput:
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url") or SLACK_API_URL
        return channel

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> SlackOutput:
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = super().blueprint(_turn_of_the_delivery(on_new_message))

        @slack_webhook.middleware("request")
        async def checked(request: Request):
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            # Rasa's check: the signature, and a timestamp within five minutes of now (the
            # signature covers it, so that an old request cannot be posted again later).
            if not self.is_request_from_slack_authentic(request):
                logger.warning(
                    "Slack : requête refusée (signature absente ou fausse, ou horodatage à plus de "
                    "5 minutes de l'heure du serveur)."
                )
                return response.text("unauthorized", status=401)
            event = _json(request)
            if event.get("type") == "url_verification":
                return response.json({"challenge": event.get("challenge")})
            delivery = await replay.take("slack", delivery_id(request, event))
            # Slack retries a delivery that got no 2xx within 3 seconds, up to three times,
            # and may turn off the events of an app whose deliveries keep failing: 200 and
            # no retry for a delivery already processed; a 503 while another attempt
            # processes it, so that Slack sends it again if that attempt dies.
            if delivery.busy:
                logger.warning("Slack : événement déjà en cours de traitement, à renvoyer.")
                return response.text("busy", status=503)
            if not delivery.new:
                logger.warning(
                    "Slack : événement déjà traité, ignoré (rejeu ou nouvel envoi n° %s).",
                    request.headers.get(RETRY_HEADER) or "0",
                )
                return response.text("", headers={"X-Slack-No-Retry": "1"})
            # Rasa's handler runs in this task and starts the turn in a task of its own:
            # both see the delivery.
            request.ctx.delivery = delivery
            _delivery.set(delivery)
            return None

        @slack_webhook.middleware("response")
        async def handled(request: Request, answer: HTTPResponse):
            # A request that started no turn (a click on a link, an event Rasa ignores) is
            # done once answered; a turn marks its delivery itself.
            delivery = getattr(request.ctx, "delivery", None)
            if delivery is not None and not delivery.turn_started:
                await (delivery.release() if answer.status >= 500 else delivery.done())

        return slack_webhook


# The delivery whose request is being handled, for the turn it starts.
_delivery: contextvars.ContextVar[replay.Delivery | None] = contextvars.ContextVar("slack_delivery", default=None)


def _turn_of_the_delivery(on_new_message: Callable[[UserMessage], Awaitable[Any]]):
    """`on_new_message` that gives the message its delivery's id and marks the delivery
    done when the turn ends (released if it fails); Rasa runs the turn in the background,
    after Slack got its answer."""

    def turn(message: UserMessage) -> Awaitable[Any]:
        # Not a coroutine function: Rasa calls it when it creates the turn's task, before
        # answering Slack, so the response middleware knows a turn is under way.
        delivery = _delivery.get()
        if delivery is not None:
            delivery.turn_started = True
            message.message_id = delivery.message_id or message.message_id
        return _run(delivery, message)

    async def _run(delivery: replay.Delivery | None, message: UserMessage) -> Any:
        if delivery is None:
            return await on_new_message(message)
        try:
            result = await on_new_message(message)
        except BaseException:
            await delivery.release()
            raise
        await delivery.done()
        return result

    return turn


RETRY_HEADER = "X-Slack-Retry-Num"


def _json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type") != "application/json":
        return {}
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error on a bad body
        return {}
    return body if isinstance(body, dict) else {}


def delivery_id(request: Request, event: dict[str, Any]) -> str:
    """What identifies a delivery: the Events API's `event_id` (the same on Slack's
    retries), an interaction's `trigger_id`, else the request's signature (the same for
    the same body sent at the same second: a copy)."""
    if event.get("event_id"):
        return f"event:{event['event_id']}"
    if request.headers.get("content-type") == "application/x-www-form-urlencoded":
        try:
            payload = json.loads(request.form.get("payload") or "{}")
        except ValueError:
            payload = {}
        if isinstance(payload, dict) and payload.get("trigger_id"):
            return f"trigger:{payload['trigger_id']}"
    return "signature:" + request.headers.get("X-Slack-Signature", "")
