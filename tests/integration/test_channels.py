"""Every channel of credentials.yml, on the session's real Rasa server and action server:
Socket.IO with session persistence and the callback channel through real clients; Telegram,
Slack, Messenger, WhatsApp (Twilio) and Teams (Bot Framework) through webhook requests in
each platform's format, signed as the platform signs them, with the replies read where
the connectors send them (tests/integration/fake_platforms.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import NamedTuple

import pytest
import requests
import socketio

from bot.config import settings
from bot.core.replies import french_date
from bot.rasa_server import message_checks
from bot.rasa_server.channels import layout
from bot.rasa_server.channels.telegram import CHOICE_EXPIRED
from tests.integration import fake_platforms as fp
from tests.integration.conftest import RASA_TOKEN
from tests.support.channel_requests import (
    messenger_body,
    messenger_event,
    messenger_messages,
    messenger_post,
    new_chat_id,
    new_whatsapp_number,
    slack_direct_message,
    slack_headers,
    slack_post,
    slack_posted,
    teams_activity,
    teams_post,
    teams_replies,
    telegram_message,
    telegram_post,
    telegram_sent,
    telegram_tap,
    twilio_bodies,
    twilio_form,
    twilio_post,
)

# « Source : url (vérifié le …) », « Source non officielle : … », « (page du …, vérifié le …) ».
SOURCE = re.compile(
    r"Sources?(?: non officielles?)? : https?://\S+.*"
    r"\((?:page du \d{1,2}(?:er)? \w+ \d{4}, )?vérifié le \d{1,2}(er)? \w+ \d{4}\)"
)
AP = "assurance-prospection"
AP_QUESTION = "C'est quoi l'Assurance Prospection ?"


def follow_up_payloads(pid: str) -> list:
    return [
        f'/{intent}{{"programme":"{pid}"}}'
        for intent in ("ask_eligibility", "ask_amount", "ask_how_to_apply", "ask_contact")
    ]


def assert_programme_text(kb, text: str, pid: str) -> None:
    record = kb.get("programme", pid)
    assert record["name"] in text
    assert record["sources"][0]["url"] in text
    assert f"vérifié le {french_date(record['verified_on'])}" in text


def amounts_heading(kb, pid: str) -> str:
    return f"{kb.get('programme', pid)['name']} : montants, taux et durées"


def user_texts(rasa_server, sender: str) -> list:
    """What the tracker store holds of the user's messages in that conversation."""
    # As is: Rasa reads the path without decoding it (« whatsapp:+336… », « 29:a:… »).
    tracker = requests.get(
        f"{rasa_server.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    assert tracker.status_code == 200, tracker.text
    return [e["text"] for e in tracker.json()["events"] if e["event"] == "user"]


# --- Socket.IO and the callback channel ------------------------------------------------------


class SocketUser:
    """A widget's side of Rasa's Socket.IO channel: session_request → session_confirm,
    user_uttered → bot_uttered."""

    def __init__(self, url: str):
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.replies: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.put)

    async def start(self, session_id: str) -> str:
        # Long polling only: python-engineio 4.15's websocket client needs aiohttp 3.10,
        # and Rasa pins aiohttp 3.9 (browsers' clients upgrade to websocket as usual).
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 60)

    async def say(self, text: str, session_id: str, **custom) -> list:
        """The bot's messages up to the one carrying the buttons (the last of an answer)."""
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": custom})
        messages = []
        while not messages or not messages[-1].get("quick_replies"):
            messages.append(await asyncio.wait_for(self.replies.get(), 120))
        return messages


async def test_socketio_keeps_the_conversation_across_a_reconnection(rasa_server, kb):
    session_id = uuid.uuid4().hex
    first = SocketUser(rasa_server.url)
    assert await first.start(session_id) == session_id
    answer = await first.say(AP_QUESTION, session_id, page="/accueil")
    assert_programme_text(kb, "\n\n".join(m["text"] for m in answer), AP)
    quick = answer[-1]["quick_replies"]
    assert [q["payload"] for q in quick[:-1]] == follow_up_payloads(AP)
    # The text lists two of the programme's sources: the others are one tap away.
    assert quick[-1]["title"] == layout.ALL_SOURCES_TITLE
    await first.client.emit("user_uttered", {"message": quick[-1]["payload"], "session_id": session_id})
    listed = await asyncio.wait_for(first.replies.get(), 120)
    assert listed["text"].startswith("Toutes les sources de cette réponse (")
    await first.client.disconnect()

    # A reload: another socket, the same session id, a follow-up that needs the context.
    second = SocketUser(rasa_server.url)
    assert await second.start(session_id) == session_id
    assert second.client.get_sid() != first.client.get_sid()
    follow_up = await second.say("et ça coûte combien ?", session_id)
    assert amounts_heading(kb, AP) in "\n".join(m["text"] for m in follow_up)
    await second.client.disconnect()

    # Filed under the channel's own namespace: the client's id never names another's conversation.
    tracker = requests.get(
        f"{rasa_server.url}/conversations/sio-{session_id}/tracker", params={"token": RASA_TOKEN}, timeout=30
    ).json()
    said = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in said] == [AP_QUESTION, "et ça coûte combien ?"]
    assert said[0]["input_channel"] == "socketio" and said[0]["metadata"]["page"] == "/accueil"


def test_the_callback_channel_posts_the_replies_to_the_gateway(rasa_server, fake_platforms):
    sender = f"passerelle-{uuid.uuid4().hex[:8]}"
    reply = requests.post(
        f"{rasa_server.url}/webhooks/callback/webhook", json={"sender": sender, "message": "Bonjour"}, timeout=120
    )
    assert reply.status_code == 200 and reply.text == "success"
    posted = fake_platforms.wait_for("callback", lambda r: r.get("recipient_id") == sender)
    assert posted[0]["text"].startswith("Bonjour ! Je suis Boussole Export")
    assert posted[0]["buttons"], "les exemples de questions sont des boutons"


# --- Telegram ----------------------------------------------------------------------------------


def test_telegram_registers_its_webhook_with_a_secret_token_at_start(rasa_server, fake_platforms):
    calls = fake_platforms.received("telegram")
    assert [c["method"] for c in calls[:2]] == ["getMe", "setWebhook"]
    registered = calls[1]["params"]
    assert registered["url"] == fp.TELEGRAM_WEBHOOK_URL
    assert registered["secret_token"] == fp.TELEGRAM_SECRET
    assert json.loads(registered["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    # Once at start, not on every update.
    assert sum(c["method"] == "getMe" for c in fake_platforms.received("telegram")) == 1


def test_telegram_answers_in_one_message_with_its_buttons_one_per_row(rasa_server, fake_platforms, kb):
    chat_id = new_chat_id()
    reply = telegram_post(rasa_server, telegram_message(chat_id, AP_QUESTION))
    assert reply.status_code == 200
    sent = telegram_sent(fake_platforms, chat_id)
    assert len(sent) == 1, "la réponse et sa source arrivent ensemble"
    assert_programme_text(kb, sent[0]["text"], AP)
    assert SOURCE.search(sent[0]["text"].splitlines()[-1])
    rows = json.loads(sent[0]["reply_markup"])["inline_keyboard"]
    assert [len(row) for row in rows] == [1, 1, 1, 1, 1]
    assert [row[0]["callback_data"] for row in rows[:-1]] == follow_up_payloads(AP)
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in rows)
    # The text lists two of the programme's sources: a tap sends them all, without a turn.
    assert rows[-1][0]["text"] == layout.ALL_SOURCES_TITLE
    telegram_post(rasa_server, telegram_tap(chat_id, rows[-1][0]["callback_data"]))
    listed = telegram_sent(fake_platforms, chat_id)[1]["text"]
    assert listed.count("\n") == len(kb.get("programme", AP)["sources"])
    assert user_texts(rasa_server, str(chat_id)) == [AP_QUESTION]


def test_telegram_refuses_an_update_without_the_secret_token(rasa_server, fake_platforms):
    chat_id = new_chat_id()
    for secret in (None, "pas-le-bon-jeton"):
        reply = telegram_post(rasa_server, telegram_message(chat_id, AP_QUESTION), secret=secret)
        assert reply.status_code == 403
    assert telegram_sent(fake_platforms, chat_id) == []
    assert user_texts(rasa_server, str(chat_id)) == []


def test_telegram_processes_an_update_posted_twice_once(rasa_server, fake_platforms):
    chat_id = new_chat_id()
    update = telegram_message(chat_id, "Bonjour")
    first, again = telegram_post(rasa_server, update), telegram_post(rasa_server, update)
    # 200 for the copy too: Telegram would deliver it again and again otherwise.
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(telegram_sent(fake_platforms, chat_id)) == 1
    assert user_texts(rasa_server, str(chat_id)) == ["Bonjour"]
    # The next update of the same chat is answered as usual.
    telegram_post(rasa_server, telegram_message(chat_id, "merci"))
    assert len(telegram_sent(fake_platforms, chat_id)) == 2


def test_telegram_start_greets(rasa_server, fake_platforms):
    chat_id = new_chat_id()
    telegram_post(rasa_server, telegram_message(chat_id, "/start"))
    assert telegram_sent(fake_platforms, chat_id)[0]["text"].startswith("Bonjour ! Je suis Boussole Export")


def test_a_telegram_button_whose_payload_is_too_long_still_works(rasa_server, fake_platforms, kb):
    """A button over Telegram's 64 bytes of callback_data travels as a digest, which the
    connector finds again among the buttons the conversation has shown."""
    chat_id = new_chat_id()
    telegram_post(rasa_server, telegram_message(chat_id, "Quelles aides à l'export en Martinique ?"))
    pid = "aide-developpement-international-martinique"
    long_payload = f'/ask_programme{{"programme":"{pid}"}}'
    assert len(long_payload.encode()) > 64
    buttons = [
        row[0]
        for sent in telegram_sent(fake_platforms, chat_id)
        if sent.get("reply_markup")
        for row in json.loads(sent["reply_markup"])["inline_keyboard"]
    ]
    tapped = next(b for b in buttons if b["text"] == kb.name("programme", pid))
    assert tapped["callback_data"] == layout.DIGEST_PREFIX + layout.payload_digest(long_payload)
    assert len(tapped["callback_data"].encode()) <= 64

    before = len(telegram_sent(fake_platforms, chat_id))
    update = telegram_tap(chat_id, tapped["callback_data"])
    telegram_post(rasa_server, update)
    answer = telegram_sent(fake_platforms, chat_id)[before:]
    assert_programme_text(kb, "\n".join(a["text"] for a in answer), pid)
    acknowledged = fake_platforms.received("telegram", lambda r: r["method"] == "answerCallbackQuery")
    assert update["callback_query"]["id"] in [a["params"]["callback_query_id"] for a in acknowledged]

    # A digest that matches nothing this conversation showed.
    telegram_post(rasa_server, telegram_tap(chat_id, layout.DIGEST_PREFIX + "A" * 22))
    assert telegram_sent(fake_platforms, chat_id)[-1]["text"] == CHOICE_EXPIRED


# --- Slack -------------------------------------------------------------------------------------


def test_slack_answers_the_check_of_the_webhook_url(rasa_server):
    body = json.dumps({"token": "x", "challenge": "defi-3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"})
    reply = slack_post(rasa_server, body, "application/json")
    assert reply.status_code == 200 and reply.json() == {"challenge": "defi-3eZbrw1aBm2rZgRNFdxV"}


def test_slack_answers_a_direct_message_with_blocks_and_a_button_click(rasa_server, fake_platforms, kb):
    user, channel = f"U{uuid.uuid4().hex[:8].upper()}", f"D{uuid.uuid4().hex[:8].upper()}"
    sent = slack_post(rasa_server, slack_direct_message(user, channel, "c koi le vie"), "application/json")
    assert sent.status_code == 200
    post = slack_posted(fake_platforms, channel)[0]
    sections = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert_programme_text(kb, "\n\n".join(sections), "vie")
    assert all(len(s) <= layout.SLACK_SECTION_LIMIT for s in sections)
    elements = next(b for b in post["blocks"] if b["type"] == "actions")["elements"]
    assert [e["value"] for e in elements[:-1]] == follow_up_payloads("vie")
    assert elements[-1]["text"]["text"] == layout.ALL_SOURCES_TITLE
    assert all(len(e["text"]["text"]) <= 75 for e in elements)

    # A click on « Combien ? » comes back as an interactive payload, form-encoded.
    click = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [{"type": "button", "action_id": elements[1]["action_id"], "value": elements[1]["value"]}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(click)})
    assert slack_post(rasa_server, body, "application/x-www-form-urlencoded").status_code == 200
    second = slack_posted(fake_platforms, channel, count=2)[1]
    assert amounts_heading(kb, "vie") in second["text"]


def test_slack_refuses_a_request_not_signed_with_the_signing_secret(rasa_server, fake_platforms):
    user, channel = f"U{uuid.uuid4().hex[:8].upper()}", f"D{uuid.uuid4().hex[:8].upper()}"
    body = slack_direct_message(user, channel, AP_QUESTION)
    assert slack_post(rasa_server, body, "application/json", secret="un-autre-secret").status_code == 401
    # Signed with the right secret, but six minutes ago: a captured request posted later.
    old = slack_headers(body, "application/json", timestamp=int(time.time()) - 360)
    assert slack_post(rasa_server, body, "application/json", headers=old).status_code == 401
    unsigned = requests.post(
        f"{rasa_server.url}/webhooks/slack/webhook",
        data=body.encode(),
        timeout=60,
        headers={"Content-Type": "application/json"},
    )
    assert unsigned.status_code == 401
    time.sleep(2)
    assert fake_platforms.received("slack", lambda r: r["body"].get("channel") == channel) == []
    assert user_texts(rasa_server, user) == []


def test_slack_processes_a_copy_or_a_retry_of_an_event_once(rasa_server, fake_platforms):
    user, channel = f"U{uuid.uuid4().hex[:8].upper()}", f"D{uuid.uuid4().hex[:8].upper()}"
    body = slack_direct_message(user, channel, "Bonjour")
    headers = slack_headers(body, "application/json")
    assert slack_post(rasa_server, body, "application/json", headers=headers).status_code == 200
    # Once its turn (in the background) has ended, the same request posted again, then
    # Slack's own retry: another timestamp, the same event_id. (A copy that arrives during
    # the turn gets a 503 instead, so that Slack sends it again should that turn's server
    # die: tests/rasa_server/test_replay_channels.py.)
    wait_for_answer(rasa_server, user, "Bonjour")
    copy = slack_post(rasa_server, body, "application/json", headers=headers)
    assert copy.status_code == 200 and copy.headers.get("X-Slack-No-Retry") == "1"
    retry = dict(
        slack_headers(body, "application/json", timestamp=int(time.time()) + 1),
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"},
    )
    assert slack_post(rasa_server, body, "application/json", headers=retry).status_code == 200
    # A click on a button, posted twice (the same trigger_id).
    click = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [{"type": "button", "action_id": "a1", "value": "/thanks"}],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(click)})
    assert slack_post(rasa_server, form, "application/x-www-form-urlencoded").status_code == 200
    wait_for_answer(rasa_server, user, "/thanks")
    assert slack_post(rasa_server, form, "application/x-www-form-urlencoded").status_code == 200
    # Slack's turns run in the background: a last message, whose answer comes after any
    # duplicate's (the conversation's turns are taken in the order they came).
    slack_post(rasa_server, slack_direct_message(user, channel, "au revoir"), "application/json")
    wait_for_answer(rasa_server, user, "au revoir")
    time.sleep(1)
    assert user_texts(rasa_server, user) == ["Bonjour", "/thanks", "au revoir"]
    assert slack_posted(fake_platforms, channel)


def wait_for_answer(rasa_server, sender: str, text: str, timeout: float = 90) -> None:
    """Until the tracker holds an answer of the bot's after the user's `text`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = requests.get(
            f"{rasa_server.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
        ).json()["events"]
        said = [i for i, e in enumerate(events) if e["event"] == "user" and e["text"] == text]
        if said and any(e["event"] == "bot" for e in events[said[-1] :]):
            return
        time.sleep(0.5)
    raise AssertionError(f"pas de réponse à « {text} » après {timeout:.0f} s")


# --- Messenger ---------------------------------------------------------------------------------


def test_messenger_answers_within_its_limits_and_reads_a_quick_reply(rasa_server, fake_platforms, kb):
    psid = str(uuid.uuid4().int % 10**16)
    assert messenger_post(rasa_server, [messenger_event(psid, AP_QUESTION)]).status_code == 200
    actions = [
        r["body"]["sender_action"]
        for r in fake_platforms.received(
            "facebook", lambda r: r["body"]["recipient"]["id"] == psid and "sender_action" in r["body"]
        )
    ]
    assert actions == ["mark_seen", "typing_on", "typing_off"]
    sent = messenger_messages(fake_platforms, psid)
    assert all(len(m["text"]) <= layout.MESSENGER_TEXT_LIMIT for m in sent)
    assert_programme_text(kb, "\n".join(m["text"] for m in sent), AP)
    # « Comment faire la demande ? » is over Messenger's 20 characters: numbered choices,
    # « Toutes les sources » last.
    quick = sent[-1]["quick_replies"]
    assert [q["title"] for q in quick] == ["1", "2", "3", "4", "5"]
    assert [q["payload"] for q in quick[:-1]] == follow_up_payloads(AP)
    assert "3. Comment faire la demande ?" in sent[-1]["text"]
    assert f"5. {layout.ALL_SOURCES_TITLE}" in sent[-1]["text"]

    before = len(sent)
    messenger_post(rasa_server, [messenger_event(psid, "2", quick_reply=quick[1]["payload"])])
    assert amounts_heading(kb, AP) in "\n".join(m["text"] for m in messenger_messages(fake_platforms, psid)[before:])


def test_messenger_answers_every_event_of_a_batch(rasa_server, fake_platforms, kb):
    psid = str(uuid.uuid4().int % 10**16)
    messenger_post(rasa_server, [messenger_event(psid, AP_QUESTION), messenger_event(psid, "c koi le vie")])
    text = "\n".join(m["text"] for m in messenger_messages(fake_platforms, psid))
    assert_programme_text(kb, text, AP)
    assert_programme_text(kb, text, "vie")


def test_messenger_refuses_a_forged_signature_and_checks_its_verify_token(rasa_server, fake_platforms):
    psid = str(uuid.uuid4().int % 10**16)
    assert messenger_post(rasa_server, [messenger_event(psid, AP_QUESTION)], secret="pas-le-secret").status_code == 403
    unsigned = requests.post(
        f"{rasa_server.url}/webhooks/facebook/webhook",
        timeout=30,
        data=messenger_body([messenger_event(psid, AP_QUESTION)]).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert unsigned.status_code == 403
    assert fake_platforms.received("facebook", lambda r: r["body"]["recipient"]["id"] == psid) == []
    assert user_texts(rasa_server, psid) == []

    url = f"{rasa_server.url}/webhooks/facebook/webhook"
    good = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": fp.FACEBOOK_VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=30,
    )
    assert good.status_code == 200 and good.text == "1158201444"
    bad = requests.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "faux", "hub.challenge": "1"}, timeout=30
    )
    assert bad.status_code == 403


def test_messenger_processes_a_message_posted_twice_once(rasa_server, fake_platforms):
    psid = str(uuid.uuid4().int % 10**16)
    hello = messenger_event(psid, "Bonjour")
    body = messenger_body([hello])
    assert messenger_post(rasa_server, [], body=body).status_code == 200
    answered = len(messenger_messages(fake_platforms, psid))
    assert answered >= 1
    # The same request again (200: Meta would deliver it again otherwise), then a batch
    # holding the same event and a new one: only the new one is answered.
    assert messenger_post(rasa_server, [], body=body).status_code == 200
    assert len(messenger_messages(fake_platforms, psid)) == answered
    assert messenger_post(rasa_server, [hello, messenger_event(psid, "merci")]).status_code == 200
    assert user_texts(rasa_server, psid) == ["Bonjour", "merci"]


# --- WhatsApp through Twilio -------------------------------------------------------------------


def test_whatsapp_numbers_the_choices_and_answering_2_picks_the_second(rasa_server, fake_platforms, kb):
    sender = new_whatsapp_number()
    assert twilio_post(rasa_server, sender, AP_QUESTION).status_code == 204
    sent = fake_platforms.received("twilio", lambda r: r["form"].get("To") == sender)
    assert {r["form"]["From"] for r in sent} == {fp.TWILIO_NUMBER}
    bodies = [r["form"]["Body"] for r in sent]
    assert all(len(body) <= layout.TWILIO_BODY_LIMIT for body in bodies)
    assert_programme_text(kb, "\n\n".join(bodies), AP)
    assert any(SOURCE.search(body) for body in bodies), "la ligne des sources n'est pas coupée"
    # The long answer is cut into several bodies at paragraph breaks: the end is read on all of them.
    assert "\n\n".join(bodies).endswith(
        f"{layout.ALL_SOURCES_HINT}\n\n1. Suis-je éligible ?\n2. Combien ?\n3. Comment faire la demande ?\n"
        f"4. Qui contacter ?\n\n{layout.CHOOSE_BY_NUMBER}"
    )

    twilio_post(rasa_server, sender, "2")
    answer = "\n\n".join(twilio_bodies(fake_platforms, sender)[len(bodies) :])
    assert amounts_heading(kb, AP) in answer


PROFILE_ANSWERS = (
    "Quels dispositifs pour mon entreprise ?",
    "agroalimentaire",
    "Bretagne",
    "25 salariés",
    "3 M€",
    "créée en 2010",
    "jamais",
    "Japon",
)


def test_whatsapp_numbers_work_inside_the_profile_form_and_on_the_recommendations(rasa_server, fake_platforms, kb):
    """The need question is numbered; its « 2 » must answer the form, which the bot's own
    reading of a number does not do: the connector sends it on as the button's payload."""
    sender = new_whatsapp_number()
    for text in PROFILE_ANSWERS:
        twilio_post(rasa_server, sender, text)
    question = twilio_bodies(fake_platforms, sender)[-1]
    assert f"2. {kb.name('obstacle', 'choix-marche')}" in question and layout.CHOOSE_BY_NUMBER in question

    seen = len(twilio_bodies(fake_platforms, sender))
    twilio_post(rasa_server, sender, "2")
    turn = twilio_bodies(fake_platforms, sender)[seen:]
    assert f"Besoin principal : {kb.name('obstacle', 'choix-marche')}" in turn[0]
    ranked = [body for body in turn if re.match(r"\d\. ", body)]
    assert [body[:2] for body in ranked] == ["1.", "2.", "3.", "4.", "5."]
    assert ranked[1].endswith("\n\n2. Détails") and ranked[-1].endswith(layout.CHOOSE_BY_NUMBER)
    assert "1. " not in turn[-1] and "• Parler à un conseiller" in turn[-1]

    # « 2 » now means the second programme: its details, which start with its name.
    seen = len(twilio_bodies(fake_platforms, sender))
    twilio_post(rasa_server, sender, "2")
    details = twilio_bodies(fake_platforms, sender)[seen:]
    assert details[0].startswith(ranked[1].splitlines()[0][len("2. ") :])
    assert any(SOURCE.search(body) for body in details)

    tracker = requests.get(
        f"{rasa_server.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
    ).json()
    said = [e for e in tracker["events"] if e["event"] == "user"][-2:]
    assert [e["text"] for e in said] == ['/inform_company{"obstacle":"choix-marche"}', said[1]["text"]]
    assert said[1]["text"].startswith('/ask_programme{"programme":')
    assert [e["metadata"]["typed"] for e in said] == ["2", "2"]


def test_whatsapp_refuses_a_request_without_twilio_s_signature(rasa_server, fake_platforms):
    sender = new_whatsapp_number()
    assert twilio_post(rasa_server, sender, AP_QUESTION, token="pas-le-bon-jeton").status_code == 403
    unsigned = requests.post(
        f"{rasa_server.url}/webhooks/twilio/webhook",
        timeout=30,
        data={"From": sender, "Body": AP_QUESTION, "To": fp.TWILIO_NUMBER},
    )
    assert unsigned.status_code == 403
    assert twilio_bodies(fake_platforms, sender) == []
    assert user_texts(rasa_server, sender) == []


def test_whatsapp_processes_a_message_posted_twice_once(rasa_server, fake_platforms):
    sender = new_whatsapp_number()
    form = twilio_form(sender, "Bonjour")
    # 204 for the copy too: an error would send Twilio to the number's fallback URL.
    assert [twilio_post(rasa_server, sender, "", form=form).status_code for _ in range(2)] == [204, 204]
    assert len(twilio_bodies(fake_platforms, sender)) == 1
    assert user_texts(rasa_server, sender) == ["Bonjour"]


def test_every_channel_refuses_a_message_over_the_same_limit(rasa_server, fake_platforms):
    """BOUSSOLE_MAX_MESSAGE_CHARS, read by the website's gateway, by Rasa's REST channel
    and by every messaging channel: its default here."""
    limit = settings.current().max_message_chars
    refusal = message_checks.too_long(limit + 1, limit)
    sender = new_whatsapp_number()
    assert twilio_post(rasa_server, sender, "a" * (limit + 1)).status_code == 204
    assert twilio_bodies(fake_platforms, sender) == [refusal]
    rest = requests.post(
        f"{rasa_server.url}/webhooks/rest/webhook",
        timeout=60,
        json={"sender": f"limite-{uuid.uuid4().hex[:8]}", "message": "a" * (limit + 1)},
    )
    assert [m["text"] for m in rest.json()] == [refusal]
    assert user_texts(rasa_server, sender) == []


# --- Teams through the Bot Framework -----------------------------------------------------------


def test_teams_answers_with_a_hero_card_and_a_click_on_it(rasa_server, fake_platforms, kb):
    conversation = f"a:{uuid.uuid4().hex}"
    token = fake_platforms.botframework_token(fake_platforms.botframework_service_url)
    activity = teams_activity(fake_platforms, conversation, f"<at>Boussole Export</at> {AP_QUESTION}")
    assert teams_post(rasa_server, activity, token).status_code == 200
    replies = teams_replies(fake_platforms, conversation)
    assert replies and all(r["authorized"] for r in replies), "jeton d'accès de l'émetteur attendu"
    sent = replies[0]["activity"]
    assert sent["type"] == "message" and sent["textFormat"] == "plain"
    assert sent["recipient"]["id"] == f"29:{conversation}"
    assert_programme_text(kb, sent["text"], AP)
    buttons = sent["attachments"][0]["content"]["buttons"]
    assert [b["text"] for b in buttons[:-1]] == follow_up_payloads(AP)
    assert buttons[-1]["title"] == layout.ALL_SOURCES_TITLE
    assert {b["type"] for b in buttons} == {"messageBack"}
    assert buttons[1]["displayText"] == "Combien ?"
    asked = fake_platforms.received("botframework-token")[-1]["form"]
    assert asked["client_id"] == fp.BOTFRAMEWORK_APP_ID and asked["scope"] == "https://api.botframework.com/.default"

    # A click on « Combien ? »: Teams sends the button's text.
    teams_post(rasa_server, teams_activity(fake_platforms, conversation, buttons[1]["text"]), token)
    assert amounts_heading(kb, AP) in teams_replies(fake_platforms, conversation)[-1]["activity"]["text"]


def test_teams_refuses_what_the_bot_framework_did_not_sign_for_this_bot(rasa_server, fake_platforms):
    conversation = f"a:{uuid.uuid4().hex}"
    service = fake_platforms.botframework_service_url
    activity = teams_activity(fake_platforms, conversation, AP_QUESTION)
    forged = {
        "sans jeton": (activity, None),
        "autre clé": (activity, fake_platforms.botframework_token(service, key=fp.new_rsa_key())),
        "autre application": (activity, fake_platforms.botframework_token(service, audience=str(uuid.uuid4()))),
        "autre émetteur": (activity, fake_platforms.botframework_token(service, issuer="https://intrus.example")),
        # Expired ten minutes ago: beyond the five minutes of clock skew allowed.
        "expiré": (activity, fake_platforms.botframework_token(service, issued_ago=4200)),
        "pas encore valable": (activity, fake_platforms.botframework_token(service, issued_ago=-900)),
        # A genuine token replayed with another serviceUrl, where the bot's access token
        # would be sent.
        "serviceUrl détourné": (
            teams_activity(fake_platforms, conversation, AP_QUESTION, service_url="http://127.0.0.1:9/intrus/"),
            fake_platforms.botframework_token(service),
        ),
    }
    for case, (body, token) in forged.items():
        assert teams_post(rasa_server, body, token).status_code == 401, case
    assert teams_replies(fake_platforms, conversation) == []
    assert user_texts(rasa_server, f"29:{conversation}") == []


def test_teams_processes_an_activity_posted_twice_once(rasa_server, fake_platforms):
    conversation = f"a:{uuid.uuid4().hex}"
    token = fake_platforms.botframework_token(fake_platforms.botframework_service_url)
    activity = teams_activity(fake_platforms, conversation, "Bonjour")
    assert [teams_post(rasa_server, activity, token).status_code for _ in range(2)] == [200, 200]
    assert len(teams_replies(fake_platforms, conversation)) == 1
    assert user_texts(rasa_server, f"29:{conversation}") == ["Bonjour"]


# --- a slow platform ---------------------------------------------------------------------------

# A platform that struggles: each request of these conversations answered in 5 s.
SLOW_PLATFORM_S = 5.0
# What the other conversations must stay under meanwhile: a warm turn takes a fraction of a
# second, and a loop held by one blocking call would hold them the whole 5 s.
OTHERS_WITHIN_S = 2.0


class SlowConversation(NamedTuple):
    recipient: str
    post: Callable[[], requests.Response]  # the user's question, through the webhook
    to_it: Callable[[dict], bool]  # the platform's requests for this conversation
    answer: Callable[[], str]  # what the platform was given to show


def slow_conversation(platform: str, rasa_server, fake_platforms) -> SlowConversation:
    if platform == "facebook":
        psid = str(uuid.uuid4().int % 10**16)
        return SlowConversation(
            psid,
            lambda: messenger_post(rasa_server, [messenger_event(psid, AP_QUESTION)]),
            lambda r: r["body"]["recipient"]["id"] == psid,
            lambda: "\n".join(m.get("text", "") for m in messenger_messages(fake_platforms, psid)),
        )
    if platform == "twilio":
        number = new_whatsapp_number()
        return SlowConversation(
            number,
            lambda: twilio_post(rasa_server, number, AP_QUESTION),
            lambda r: r["form"].get("To") == number,
            lambda: "\n\n".join(twilio_bodies(fake_platforms, number)),
        )
    conversation = f"a:{uuid.uuid4().hex}"
    token = fake_platforms.botframework_token(fake_platforms.botframework_service_url)
    return SlowConversation(
        conversation,
        lambda: teams_post(rasa_server, teams_activity(fake_platforms, conversation, AP_QUESTION), token),
        lambda r: r["conversation"] == conversation,
        lambda: "\n".join(r["activity"].get("text", "") for r in teams_replies(fake_platforms, conversation)),
    )


@pytest.mark.parametrize("platform", ["facebook", "twilio", "botframework"])
def test_a_slow_platform_holds_none_of_the_other_conversations(rasa_server, fake_platforms, kb, platform):
    """The platform answers its connector in 5 s for one conversation; while the first of
    those calls waits, a user of the REST channel and a Telegram user, on the same Rasa
    server, get their answers as usual; then the slow conversation gets its answer too."""

    def rest_turn() -> tuple[requests.Response, float]:
        started = time.monotonic()
        reply = requests.post(
            f"{rasa_server.url}/webhooks/rest/webhook",
            json={"sender": f"rapide-{uuid.uuid4().hex[:8]}", "message": AP_QUESTION},
            timeout=60,
        )
        return reply, time.monotonic() - started

    # Warm: the first answer of a fresh server (its first action call) takes seconds.
    rest_turn()
    slow = slow_conversation(platform, rasa_server, fake_platforms)
    fake_platforms.slow_recipients[slow.recipient] = SLOW_PLATFORM_S
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        webhook = pool.submit(slow.post)
        waiting = fake_platforms.wait_for(platform, slow.to_it)[0]

        rest, rest_s = rest_turn()
        chat_id = new_chat_id()
        started = time.monotonic()
        telegram = telegram_post(rasa_server, telegram_message(chat_id, AP_QUESTION))
        telegram_s = time.monotonic() - started
        still_waiting = "answered_at" not in waiting
        status = webhook.result(timeout=120).status_code

    assert rest.status_code == 200 and telegram.status_code == 200
    assert_programme_text(kb, "\n".join(m.get("text", "") for m in rest.json()), AP)
    assert_programme_text(kb, telegram_sent(fake_platforms, chat_id)[0]["text"], AP)
    assert rest_s < OTHERS_WITHIN_S and telegram_s < OTHERS_WITHIN_S, (rest_s, telegram_s)
    assert still_waiting, "les autres conversations ont été servies pendant l'envoi lent"
    assert status in (200, 204)
    assert_programme_text(kb, slow.answer(), AP)


def test_a_platform_that_refuses_the_answer_fails_nothing_but_its_send(rasa_server, fake_platforms):
    """Twilio refuses to write to this number: the refusal is in Rasa's log, the webhook
    gets its 204, the turn is recorded whole, and the next message is answered."""
    sender = new_whatsapp_number()
    fake_platforms.refused_recipients.add(sender)
    assert twilio_post(rasa_server, sender, "Bonjour").status_code == 204
    tracker = requests.get(
        f"{rasa_server.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
    ).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["Bonjour"]
    assert any(e["event"] == "bot" for e in tracker["events"]), "le tour va au bout malgré l'envoi refusé"
    log = rasa_server.log_path.read_text(errors="replace")
    failures = [line for line in log.splitlines() if "Twilio : échec de l'envoi de la réponse (HTTP 400 : " in line]
    assert failures and fp.TWILIO_REFUSAL in failures[-1], "la raison du refus est dans le journal"

    fake_platforms.refused_recipients.discard(sender)
    refused = len(twilio_bodies(fake_platforms, sender))
    assert twilio_post(rasa_server, sender, "merci").status_code == 204
    assert user_texts(rasa_server, sender) == ["Bonjour", "merci"]
    assert len(twilio_bodies(fake_platforms, sender)) > refused


# --- failures ----------------------------------------------------------------------------------


def test_a_failed_turn_leaves_its_traceback_in_rasa_s_log_without_the_message(rasa_server, fake_platforms):
    """Telegram refuses the answer (a chat it does not know): the turn fails after the
    model; the guard logs the traceback, and the webhook still gets its 200."""
    chat_id = new_chat_id()
    fake_platforms.telegram_failing_chats.add(str(chat_id))
    marker = f"Notre numéro TVA est FR{uuid.uuid4().int % 10**11:011d}"
    assert telegram_post(rasa_server, telegram_message(chat_id, marker)).status_code == 200
    log = rasa_server.log_path.read_text(errors="replace")
    failure = log[log.rindex("Tour en échec (ChatNotFound) sur le canal telegram") :]
    assert "Traceback (most recent call last)" in failure and "ChatNotFound" in failure
    assert marker not in log


# --- what stays out of the logs ----------------------------------------------------------------


def test_rasa_s_log_holds_no_secret_nor_message_text(rasa_server, fake_platforms):
    marker = f"Notre SIRET est 552{uuid.uuid4().int % 10**11:011d}"
    telegram_post(rasa_server, telegram_message(new_chat_id(), marker))
    log = rasa_server.log_path.read_text(errors="replace")
    assert "canaux actifs : rest, socketio, callback, telegram, slack, facebook, twilio, botframework" in log
    leaked = [secret for secret in fp.SECRETS + (fake_platforms.botframework_access_token,) if secret in log]
    assert leaked == []
    assert marker not in log
