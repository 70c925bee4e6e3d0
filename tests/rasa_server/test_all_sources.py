"""« Toutes les sources » through the real channel handlers (Telegram, Slack, Socket.IO and
WhatsApp through Twilio, each on a Sanic server of this test, their replies sent to the
loopback stand-ins of the platforms), on the knowledge base's financing overview, whose
text lists three sources and counts the others. A turn here does what Rasa's does with the
action's messages: records them in a real Rasa tracker store and sends them on."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from types import SimpleNamespace

import pytest
import socketio
from rasa.core.actions.action import create_bot_utterance
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic

from actions import actions
from bot.core import citations, replies
from bot.rasa_server.channels import layout
from bot.rasa_server.channels.slack import SlackInput
from bot.rasa_server.channels.socketio import SocketIOInput
from bot.rasa_server.channels.telegram import TelegramInput
from bot.rasa_server.channels.twilio import TwilioInput
from tests.integration import fake_platforms as fp
from tests.support.channel_requests import (
    new_chat_id,
    new_whatsapp_number,
    slack_direct_message,
    slack_post,
    telegram_message,
    telegram_post,
    telegram_tap,
    twilio_bodies,
    twilio_post,
)
from tests.support.channel_servers import serving

QUESTION = "Quels financements pour exporter ?"


class Bot:
    """Rasa's side of the turns: every turn answers with `answer` (the action's messages),
    recorded in the tracker store before being sent, as Rasa's processor does."""

    def __init__(self, answer: list[dict]):
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.answer = answer
        self.turns: list[str] = []

    async def on_new_message(self, message) -> None:
        self.turns.append(message.text)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        events = [create_bot_utterance(dict(m)) for m in self.answer]
        for event in events:
            tracker.update(event)
        await self.tracker_store.save(tracker)
        for event in events:
            await message.output_channel.send_response(message.sender_id, event.message())


def dispatched(messages: list[dict]) -> list[dict]:
    """The messages as the action server hands them to Rasa (actions/actions.py)."""
    dispatcher = CollectingDispatcher()
    actions._reply(dispatcher, messages)
    return dispatcher.messages


@pytest.fixture
def overview(kb) -> dict:
    """The financing overview's citation: every programme's source, three of them listed."""
    [message] = replies.financing_overview(kb)
    [cited] = message["metadata"][citations.SOURCES_KEY]
    assert len(cited["urls"]) > cited["shown"] == 3
    return {"message": message, "cited": cited, "titles": titles_of(kb)}


def titles_of(kb) -> dict:
    """Each address's titles in knowledge/ (one page can back several records)."""
    titles: dict = {}
    for record in kb.all("programme"):
        for source in record["sources"]:
            titles.setdefault(source["url"], set()).add(source.get("title"))
    return titles


def assert_full_list(text: str, overview: dict) -> None:
    """Every source of the answer, numbered from 1, each with its title, address and date."""
    cited = overview["cited"]
    lines = text.splitlines()
    assert lines[0] == f"Toutes les sources de cette réponse ({len(cited['urls'])}) :"
    assert len(lines) == len(cited["urls"]) + 1
    for number, (line, url) in enumerate(zip(lines[1:], cited["urls"]), start=1):
        assert line.startswith(f"{number}. "), line
        assert url in line and f"vérifié le {cited['verified_label']}" in line, line
        titles = overview["titles"][url] - {None}
        if titles:
            assert any(line.startswith(f"{number}. {title} : {url} (") for title in titles), line


def assert_short_list(text: str, overview: dict) -> None:
    cited = overview["cited"]
    assert cited["line"] in text
    assert [u for u in cited["urls"] if u in text] == cited["urls"][:3]
    assert f"— et {len(cited['urls']) - 3} autres sources" in text


@pytest.fixture
def platforms(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    with fp.FakePlatforms() as started:
        yield started


async def until(found, timeout: float = 20):
    """`found()` once it is true (Slack answers in the background)."""
    for _ in range(int(timeout * 20)):
        if result := found():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("rien reçu à temps")


# --- Telegram -----------------------------------------------------------------------------------


def telegram_channel(platforms) -> TelegramInput:
    return TelegramInput.from_credentials(
        {
            "access_token": fp.TELEGRAM_TOKEN,
            "verify": fp.TELEGRAM_BOT_NAME,
            "webhook_url": fp.TELEGRAM_WEBHOOK_URL,
            "secret_token": fp.TELEGRAM_SECRET,
            "api_url": f"{platforms.url}/telegram",
        }
    )


@pytest.fixture
def telegram(platforms, overview):
    """(the bot, two blueprints of the channel: two Rasa servers on one tracker store).
    Built here, outside the test's event loop: the channel registers its webhook with a
    loop of its own."""
    bot = Bot(dispatched([overview["message"]]))
    first = telegram_channel(platforms).blueprint(bot.on_new_message)
    second = telegram_channel(platforms).blueprint(bot.on_new_message)
    return bot, first, second


def sent_to(platforms, chat_id: int) -> list[dict]:
    return [
        r["params"]
        for r in platforms.received("telegram", lambda r: r["method"] == "sendMessage")
        if r["params"].get("chat_id") == str(chat_id)
    ]


async def test_telegram_shows_three_sources_and_the_button_that_sends_them_all(telegram, platforms, overview):
    bot, blueprint, other_server = telegram
    agent = SimpleNamespace(tracker_store=bot.tracker_store)
    chat_id = new_chat_id()
    async with serving(blueprint, "telegram", agent) as url:
        server = SimpleNamespace(url=url)
        assert (await asyncio.to_thread(telegram_post, server, telegram_message(chat_id, QUESTION))).status_code == 200
        [answer] = sent_to(platforms, chat_id)
        assert_short_list(answer["text"], overview)
        rows = json.loads(answer["reply_markup"])["inline_keyboard"]
        shown = [b["payload"] for b in overview["message"]["buttons"]]
        assert [row[0]["callback_data"] for row in rows[:-1]] == [layout.callback_data(p) for p in shown]
        button = rows[-1][0]
        assert button["text"] == "Toutes les sources"
        assert len(button["callback_data"].encode()) <= layout.TELEGRAM_CALLBACK_LIMIT

        tap = telegram_tap(chat_id, button["callback_data"])
        assert (await asyncio.to_thread(telegram_post, server, tap)).status_code == 200
        listed = sent_to(platforms, chat_id)[1]
        assert_full_list(listed["text"], overview)
        acknowledged = platforms.received("telegram", lambda r: r["method"] == "answerCallbackQuery")
        assert tap["callback_query"]["id"] in [a["params"]["callback_query_id"] for a in acknowledged]
        # Not a turn: the model never read the tap, the conversation holds one question.
        assert bot.turns == [QUESTION]

    # Another Rasa server (or this one restarted), the same tracker store: the tap still works.
    async with serving(other_server, "telegram", agent) as url:
        tap = telegram_tap(chat_id, button["callback_data"])
        await asyncio.to_thread(telegram_post, SimpleNamespace(url=url), tap)
        assert sent_to(platforms, chat_id)[2]["text"] == listed["text"]

        # A key that names nothing in this conversation.
        forged = telegram_tap(chat_id, layout.all_sources_payload(["A" * 16]))
        await asyncio.to_thread(telegram_post, SimpleNamespace(url=url), forged)
        assert sent_to(platforms, chat_id)[3]["text"] == layout.SOURCES_GONE
    assert bot.turns == [QUESTION]


# --- Slack ------------------------------------------------------------------------------------


async def test_slack_adds_the_button_and_a_click_posts_the_full_list(platforms, overview):
    bot = Bot(dispatched([overview["message"]]))
    channel = SlackInput.from_credentials(
        {
            "slack_token": fp.SLACK_TOKEN,
            "slack_signing_secret": fp.SLACK_SIGNING_SECRET,
            "api_url": f"{platforms.url}/slack/api/",
        }
    )
    user, conversation = f"U{uuid.uuid4().hex[:8].upper()}", f"D{uuid.uuid4().hex[:8].upper()}"

    def posted() -> list:
        return [r["body"] for r in platforms.received("slack", lambda r: r["body"].get("channel") == conversation)]

    agent = SimpleNamespace(tracker_store=bot.tracker_store)
    async with serving(channel.blueprint(bot.on_new_message), "slack", agent) as url:
        server = SimpleNamespace(url=url)
        body = slack_direct_message(user, conversation, QUESTION)
        assert (await asyncio.to_thread(slack_post, server, body, "application/json")).status_code == 200
        [answer] = await until(posted)
        blocks = answer["blocks"] if isinstance(answer["blocks"], list) else json.loads(answer["blocks"])
        sections = "\n\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        assert_short_list(sections, overview)
        elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert [e["value"] for e in elements[:-1]] == [b["payload"] for b in overview["message"]["buttons"]]
        button = elements[-1]
        assert button["text"]["text"] == "Toutes les sources"

        click = {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": conversation},
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            "message": {"ts": "1700000000.000100"},
            "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}],
        }
        form = urllib.parse.urlencode({"payload": json.dumps(click)})
        clicked = await asyncio.to_thread(slack_post, server, form, "application/x-www-form-urlencoded")
        assert clicked.status_code == 200
        listed = (await until(lambda: posted()[1:]))[0]
        # Slack reads &, < and > as markup: the list is escaped like every text.
        assert_full_list(listed["text"].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"), overview)
    assert bot.turns == [QUESTION]


# --- Socket.IO --------------------------------------------------------------------------------


async def test_socketio_offers_the_full_list_as_a_quick_reply(platforms, overview):
    bot = Bot(dispatched([overview["message"]]))
    channel = SocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    agent = SimpleNamespace(tracker_store=bot.tracker_store)
    async with serving(channel.blueprint(bot.on_new_message), "socketio", agent) as url:
        client = socketio.AsyncClient(reconnection=False)
        replies_: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", replies_.put)
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", confirmed.put)
        await client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=20)
        session_id = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.get(), 20)

        async def say(text: str) -> list[dict]:
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            messages = [await asyncio.wait_for(replies_.get(), 20)]
            while not messages[-1].get("quick_replies") and "Toutes les sources de" not in messages[-1]["text"]:
                messages.append(await asyncio.wait_for(replies_.get(), 20))
            return messages

        try:
            answer = await say(QUESTION)
            assert_short_list("\n\n".join(m["text"] for m in answer), overview)
            quick = answer[-1]["quick_replies"]
            assert [q["payload"] for q in quick[:-1]] == [b["payload"] for b in overview["message"]["buttons"]]
            assert quick[-1]["title"] == "Toutes les sources"

            [listed] = await say(quick[-1]["payload"])
            assert_full_list(listed["text"], overview)
        finally:
            await client.disconnect()
    # Filed under the channel's namespace, where the tap found the answer.
    assert bot.turns == [QUESTION]
    assert await bot.tracker_store.retrieve(f"sio-{session_id}")


# --- WhatsApp through Twilio ------------------------------------------------------------------


@pytest.fixture
def twilio_channel(platforms) -> TwilioInput:
    return TwilioInput.from_credentials(
        {
            "account_sid": fp.TWILIO_ACCOUNT_SID,
            "auth_token": fp.TWILIO_AUTH_TOKEN,
            "twilio_number": fp.TWILIO_NUMBER,
            "webhook_url": fp.TWILIO_WEBHOOK_URL,
            "api_url": f"{platforms.url}/twilio",
        }
    )


async def test_whatsapp_says_to_reply_sources_and_that_reply_gets_them_all(twilio_channel, platforms, overview):
    bot = Bot(dispatched([overview["message"]]))
    sender = new_whatsapp_number()
    agent = SimpleNamespace(tracker_store=bot.tracker_store)
    async with serving(twilio_channel.blueprint(bot.on_new_message), "twilio", agent) as url:
        server = SimpleNamespace(url=url)
        assert (await asyncio.to_thread(twilio_post, server, sender, QUESTION)).status_code == 204
        body = "\n\n".join(twilio_bodies(platforms, sender))
        assert_short_list(body, overview)
        # The line right after the source line; the numbered choices and how to pick one after it.
        after_sources = body[body.index(overview["cited"]["line"]) + len(overview["cited"]["line"]) :]
        assert after_sources.startswith(f"\n\n{layout.ALL_SOURCES_HINT}\n\n1. ")
        assert body.endswith(layout.CHOOSE_BY_NUMBER)

        seen = len(twilio_bodies(platforms, sender))
        for typed in ("sources", "Toutes les sources !"):
            assert (await asyncio.to_thread(twilio_post, server, sender, typed)).status_code == 204
            listed = twilio_bodies(platforms, sender)[seen:]
            assert all(len(part) <= layout.TWILIO_BODY_LIMIT for part in listed)
            assert_full_list("\n".join(listed), overview)
            seen = len(twilio_bodies(platforms, sender))
        assert bot.turns == [QUESTION]


async def test_whatsapp_sources_is_an_ordinary_message_after_an_answer_that_lists_them_all(twilio_channel, platforms):
    greeting = dispatched([{"text": "Bonjour ! Que souhaitez-vous savoir ?"}])
    bot = Bot(greeting)
    sender = new_whatsapp_number()
    agent = SimpleNamespace(tracker_store=bot.tracker_store)
    async with serving(twilio_channel.blueprint(bot.on_new_message), "twilio", agent) as url:
        server = SimpleNamespace(url=url)
        await asyncio.to_thread(twilio_post, server, sender, "Bonjour")
        assert layout.ALL_SOURCES_HINT not in twilio_bodies(platforms, sender)[0]
        await asyncio.to_thread(twilio_post, server, sender, "sources")
    # No answer left sources out: the model reads « sources » as any message.
    assert bot.turns == ["Bonjour", "sources"]
