"""Webhook requests in each messaging platform's format, signed as the platform signs them,
and the replies the connectors sent to the fake platforms (tests/integration/fake_platforms.py):
shared by the channel, isolation and fault tests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid

import requests
from twilio.request_validator import RequestValidator

from tests.integration import fake_platforms as fp

# --- Telegram ------------------------------------------------------------------------------


def telegram_post(rasa_server, update: dict, secret: str = fp.TELEGRAM_SECRET) -> requests.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return requests.post(f"{rasa_server.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120)


# Telegram numbers its updates in sequence; a number already processed is ignored.
_update_ids = itertools.count(int(time.time()) % 10**6 * 1000)


def telegram_message(chat_id: int, text: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Claire", "language_code": "fr"}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 7,
            "date": int(time.time()),
            "text": text,
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Claire"},
        },
    }


def telegram_tap(chat_id: int, data: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Claire", "language_code": "fr"}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"rappel-{uuid.uuid4().hex[:8]}",
            "from": user,
            "chat_instance": "42",
            "data": data,
            "message": {
                "message_id": 8,
                "date": int(time.time()),
                "text": "…",
                "chat": {"id": chat_id, "type": "private"},
            },
        },
    }


def telegram_sent(fake_platforms, chat_id: int) -> list:
    """The sendMessage parameters for that chat, in order."""
    return [
        r["params"]
        for r in fake_platforms.received(
            "telegram", lambda r: r["method"] == "sendMessage" and r["params"].get("chat_id") == str(chat_id)
        )
    ]


def new_chat_id() -> int:
    return 10**8 + uuid.uuid4().int % 10**8


# --- Slack ---------------------------------------------------------------------------------


def slack_headers(body: str, content_type: str, secret: str = fp.SLACK_SIGNING_SECRET, timestamp: int = None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def slack_post(rasa_server, body: str, content_type: str, secret: str = fp.SLACK_SIGNING_SECRET, headers: dict = None):
    return requests.post(
        f"{rasa_server.url}/webhooks/slack/webhook",
        data=body.encode(),
        timeout=60,
        headers=headers or slack_headers(body, content_type, secret),
    )


def slack_direct_message(user: str, channel: str, text: str) -> str:
    ts = f"{time.time():.6f}"
    return json.dumps(
        {
            "token": "jeton-de-verification-obsolete",
            "team_id": "T0BOUSSOLE",
            "api_app_id": "A0BOUSSOLE",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10]}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": ts,
                "event_ts": ts,
            },
        }
    )


def slack_posted(fake_platforms, channel: str, count: int = 1) -> list:
    return [
        r["body"]
        for r in fake_platforms.wait_for(
            "slack", lambda r: r["method"] == "chat.postMessage" and r["body"].get("channel") == channel, count
        )
    ]


# --- Messenger -----------------------------------------------------------------------------


def messenger_post(
    rasa_server, events: list, secret: str = fp.FACEBOOK_APP_SECRET, body: str = None
) -> requests.Response:
    body = body or messenger_body(events)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body.encode(), hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest(),
    }
    return requests.post(
        f"{rasa_server.url}/webhooks/facebook/webhook", data=body.encode(), headers=headers, timeout=120
    )


def messenger_body(events: list) -> str:
    return json.dumps(
        {"object": "page", "entry": [{"id": "PAGE-BOUSSOLE", "time": int(time.time() * 1000), "messaging": events}]}
    )


def messenger_event(psid: str, text: str, quick_reply: str = None) -> dict:
    message = {"mid": f"m_{uuid.uuid4().hex}", "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return {
        "sender": {"id": psid},
        "recipient": {"id": "PAGE-BOUSSOLE"},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }


def messenger_messages(fake_platforms, psid: str) -> list:
    return [
        r["body"]["message"]
        for r in fake_platforms.received(
            "facebook", lambda r: r["body"]["recipient"]["id"] == psid and "message" in r["body"]
        )
    ]


# --- WhatsApp through Twilio ---------------------------------------------------------------


def twilio_form(sender: str, text: str) -> dict:
    sid = f"SM{uuid.uuid4().hex}"
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Claire",
        "WaId": sender.split("+")[-1],
        "SmsStatus": "received",
        "Body": text,
        "To": fp.TWILIO_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": fp.TWILIO_ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def twilio_post(
    rasa_server, sender: str, text: str, token: str = fp.TWILIO_AUTH_TOKEN, form: dict = None
) -> requests.Response:
    form = form or twilio_form(sender, text)
    # Twilio signs the public URL it was given, whatever proxy stands in between.
    signature = RequestValidator(token).compute_signature(fp.TWILIO_WEBHOOK_URL, form)
    return requests.post(
        f"{rasa_server.url}/webhooks/twilio/webhook", data=form, timeout=120, headers={"X-Twilio-Signature": signature}
    )


def twilio_bodies(fake_platforms, to: str) -> list:
    return [r["form"]["Body"] for r in fake_platforms.received("twilio", lambda r: r["form"].get("To") == to)]


def new_whatsapp_number() -> str:
    return f"whatsapp:+336{uuid.uuid4().int % 10**8:08d}"


# --- Teams through the Bot Framework -------------------------------------------------------


def teams_activity(fake_platforms, conversation: str, text: str, service_url: str = None) -> dict:
    return {
        "type": "message",
        "id": uuid.uuid4().hex[:10],
        "timestamp": "2026-12-02T09:30:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url or fake_platforms.botframework_service_url,
        "from": {"id": f"29:{conversation}", "name": "Claire Martin"},
        "conversation": {"id": conversation, "conversationType": "personal"},
        "recipient": {"id": f"28:{fp.BOTFRAMEWORK_APP_ID}", "name": "Boussole Export"},
        "text": text,
        "textFormat": "plain",
        "locale": "fr-FR",
    }


def teams_post(rasa_server, activity: dict, token: str = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(
        f"{rasa_server.url}/webhooks/botframework/webhook", json=activity, headers=headers, timeout=120
    )


def teams_replies(fake_platforms, conversation: str) -> list:
    return [r for r in fake_platforms.received("botframework", lambda r: r["conversation"] == conversation)]
