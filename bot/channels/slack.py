"""Slack, as Rasa's connector does it (signing secret checked on every request, retries
ignored, a reply in the background), with a configurable Web API URL (`api_url`) and
replies shaped to Block Kit: one message per answer instead of one per paragraph, links
clickable, up to 25 buttons (Rasa's connector drops every button past 5) with their
labels cut to Slack's 75 characters. The URL check that Slack runs when the webhook is
declared gets `{"challenge": …}` back, as Slack documents it, rather than Rasa's bare
JSON string.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import layout
from bot.channels.guard import guarded_channel

SLACK_API_URL = "https://slack.com/api/"


class SlackOutput(SlackBot):
    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_url: Text = SLACK_API_URL) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        if text or buttons:
            for post in layout.slack_messages(text, buttons):
                await self._post_message(channel=self.slack_channel or recipient_id, **post)
        await super().send_response(recipient_id, message)


@guarded_channel
class SlackInput(RasaSlackInput):
    api_url = SLACK_API_URL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url") or SLACK_API_URL
        return channel

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> SlackOutput:
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = super().blueprint(on_new_message)

        @slack_webhook.middleware("request")
        async def url_verification(request: Request):
            if request.method != "POST" or not request.path.endswith("/webhook") \
                    or request.headers.get("content-type") != "application/json":
                return None
            event = request.json
            if isinstance(event, dict) and event.get("type") == "url_verification" \
                    and self.is_request_from_slack_authentic(request):
                return response.json({"challenge": event.get("challenge")})
            return None

        return slack_webhook
