"""How the connectors call their platform (bot/rasa_server/channels/platform_http.py), on a
real local HTTP server: an answer is read, and a refusal, a platform too slow or one that
cannot be reached is logged in French and never raised; the Twilio and Messenger output
channels send what each platform's API expects, through it."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.rasa_server.channels import platform_http
from bot.rasa_server.channels.facebook import MessengerOutput
from bot.rasa_server.channels.twilio import TwilioOutput, message_form
from bot.tools.processes import free_port

LOGGER = "bot.rasa_server.channels.platform_http"


class Platform:
    """A platform's API on loopback that records each request; `delay_s` makes it slow and
    `status` makes it refuse."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.delay_s = 0.0
        self.status = 201

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "authorization": request.headers.get("Authorization"),
                "form": list((await request.post()).items()) if request.content_type.endswith("urlencoded") else None,
                "json": await request.json() if request.content_type == "application/json" else None,
            }
        )
        await asyncio.sleep(self.delay_s)
        if self.status >= 400:
            return web.Response(text="Numéro\n  inconnu. " + "x" * 500, status=self.status)
        return web.json_response({"id": len(self.requests)}, status=self.status)


@pytest.fixture
async def platform():
    fake = Platform()
    app = web.Application()
    app.router.add_post("/{path:.*}", fake.handle)
    server = TestServer(app)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


async def test_an_answer_is_read(platform):
    assert await platform_http.post("Twilio", "la réponse", f"{platform.url}/messages", json={"a": 1}) == {"id": 1}
    assert platform.requests[0]["json"] == {"a": 1}


async def test_a_refusal_is_logged_with_its_status_and_the_start_of_its_reason(platform, caplog):
    platform.status = 400
    with caplog.at_level("ERROR", logger=LOGGER):
        assert await platform_http.post("Messenger", "la réponse", f"{platform.url}/me/messages", json={}) is None
    [line] = caplog.messages
    assert line.startswith("Messenger : échec de l'envoi de la réponse (HTTP 400 : Numéro inconnu. xxx")
    assert len(line) < 300


async def test_a_platform_too_slow_costs_the_time_limit_and_is_logged(platform, caplog, monkeypatch):
    monkeypatch.setattr(platform_http, "SEND_TIMEOUT_S", 0.3)
    platform.delay_s = 3
    started = time.monotonic()
    with caplog.at_level("ERROR", logger=LOGGER):
        assert await platform_http.post("Bot Framework", "la réponse", f"{platform.url}/v3/x", json={}) is None
    assert time.monotonic() - started < 1.5
    assert caplog.messages == ["Bot Framework : échec de l'envoi de la réponse (pas de réponse en 0.3 s)."]


async def test_a_platform_out_of_reach_is_logged(caplog):
    with caplog.at_level("ERROR", logger=LOGGER):
        assert await platform_http.post("Twilio", "la réponse", f"http://127.0.0.1:{free_port()}/x", data={}) is None
    assert caplog.messages == [
        "Twilio : échec de l'envoi de la réponse (plateforme injoignable : ClientConnectorError)."
    ]


async def test_a_slow_platform_leaves_the_event_loop_free(platform):
    """What a blocking client could not do: other tasks run while the platform thinks."""
    platform.delay_s = 0.5
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.ensure_future(tick())
    await platform_http.post("Twilio", "la réponse", f"{platform.url}/x", json={})
    ticker.cancel()
    assert ticks > 20


def test_twilio_form_names():
    assert message_form({"to": "whatsapp:+33600000000", "from_": "whatsapp:+1", "body": "Bonjour", "x": None}) == [
        ("To", "whatsapp:+33600000000"),
        ("From", "whatsapp:+1"),
        ("Body", "Bonjour"),
    ]
    assert message_form({"media_url": ["a", "b"], "messaging_service_sid": "MG1", "send_as_mms": True}) == [
        ("MediaUrl", "a"),
        ("MediaUrl", "b"),
        ("MessagingServiceSid", "MG1"),
        ("SendAsMms", "true"),
    ]


async def test_twilio_sends_numbered_choices_to_the_messages_resource(platform):
    channel = TwilioOutput("AC123", "jeton", "whatsapp:+14155238886", api_url=platform.url + "/")
    buttons = [{"title": "Suis-je éligible ?", "payload": "/a"}, {"title": "Combien ?", "payload": "/b"}]
    await channel.send_response("whatsapp:+33611111111", {"text": "Réponse.", "buttons": buttons})
    [sent] = platform.requests
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["authorization"] == "Basic " + base64.b64encode(b"AC123:jeton").decode()
    form = dict(sent["form"])
    assert (form["To"], form["From"]) == ("whatsapp:+33611111111", "whatsapp:+14155238886")
    assert form["Body"] == "Réponse.\n\n• Suis-je éligible ?\n• Combien ?"


async def test_messenger_sends_to_the_send_api_with_the_page_token(platform):
    channel = MessengerOutput("jeton-de-page", api_url=platform.url)
    await channel.send_action("4242", "typing_on")
    await channel.send_response("4242", {"text": "Réponse.", "buttons": [{"title": "Combien ?", "payload": "/b"}]})
    action, message = platform.requests
    assert action["path"] == message["path"] == "/me/messages"
    assert action["query"] == message["query"] == {"access_token": "jeton-de-page"}
    assert action["json"] == {"recipient": {"id": "4242"}, "sender_action": "typing_on"}
    assert message["json"]["recipient"] == {"id": "4242"} and message["json"]["messaging_type"] == "RESPONSE"
    template = message["json"]["message"]["attachment"]["payload"]
    assert template["text"] == "Réponse." and template["buttons"][0]["payload"] == "/b"


async def test_a_refused_reply_is_not_raised_into_the_turn(platform, caplog):
    platform.status = 500
    with caplog.at_level("ERROR", logger=LOGGER):
        await TwilioOutput("AC1", "t", "whatsapp:+1", api_url=platform.url).send_response("whatsapp:+2", {"text": "a"})
        await MessengerOutput("t", api_url=platform.url).send_response("1", {"text": "a"})
    assert [m.split(" :")[0] for m in caplog.messages] == ["Twilio", "Messenger"]
