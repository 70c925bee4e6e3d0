"""Replies shaped to each platform's limits, without Rasa: pure functions the connectors
call and the unit tests check.

A bot message is a text and its buttons ({"title", "payload"}). Rasa's own connectors send
each paragraph of a text as a message of its own, so that an answer arrives in five
bubbles with its source alone in the last; here an answer stays one message, and is cut
(at paragraphs, then lines, then words) only where the platform's limit requires it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence

from bot.core.choices import Choice
from bot.core.citations import SOURCES_KEY
from bot.core.text import words

ELLIPSIS = "…"
CHOOSE_BY_NUMBER = "Pour choisir, répondez par son numéro (par exemple « 2 »)."
# The answer to a photo, a sticker or a voice message.
TEXT_ONLY = "Je ne lis que les messages écrits : posez-moi votre question en quelques mots."
# Text of a Messenger button template when a message has buttons and no text.
CHOOSE_PROMPT = "Que souhaitez-vous faire ?"


# --- text ------------------------------------------------------------------------------


def _pack(units: Sequence[str], limit: int, separator: str) -> list[str]:
    chunks: list[str] = []
    for unit in units:
        if chunks and len(chunks[-1]) + len(separator) + len(unit) <= limit:
            chunks[-1] += separator + unit
        else:
            chunks.append(unit)
    return chunks


def _fit(text: str, limit: int, separators=("\n\n", "\n", " ")) -> list[str]:
    if len(text) <= limit:
        return [text] if text else []
    if not separators:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    units = [piece for part in text.split(separator) for piece in _fit(part.strip(), limit, finer)]
    return _pack(units, limit, separator)


def split_text(text: str, limit: int, last_limit: int | None = None) -> list[str]:
    """The text in chunks of at most `limit` characters, cut at the widest break that
    fits; the last chunk (where buttons go) at most `last_limit` when given. Nothing but
    the whitespace at the cuts is lost, and paragraphs keep their order: the source line
    stays at the end of the answer."""
    chunks = _fit((text or "").strip(), limit)
    if not chunks or not last_limit or len(chunks[-1]) <= last_limit:
        return chunks
    last = chunks.pop()
    tail = _fit(last, last_limit)[-1]
    rest = last[: -len(tail)] if last.endswith(tail) else last.replace(tail, "")
    return chunks + _fit(rest.strip(), limit) + [tail]


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + ELLIPSIS


def _numbers(buttons: Sequence[dict], choices: Sequence[Choice]) -> list[int]:
    """The bot's own numbers when every button is one of its numbered choices (a typed
    « 2 » then means the same), else 1, 2, 3… in the order shown."""
    by_payload = {c.payload: c.number for c in choices}
    if buttons and all(b["payload"] in by_payload for b in buttons):
        return [by_payload[b["payload"]] for b in buttons]
    return list(range(1, len(buttons) + 1))


# --- « Toutes les sources » -----------------------------------------------------------------
#
# An answer's text lists the two or three sources that carry it and counts the others; the
# message's metadata holds them all (bot/core/citations.py). Where the platform has buttons,
# a « Toutes les sources » button follows the answer's own; where it has none, a line asks
# to reply « sources ». Either way the request names the answer's sources by their key, and
# bot/rasa_server/channels/all_sources.py answers it from the conversation's record.

ALL_SOURCES_TITLE = "Toutes les sources"
# Not an intent: the channels answer it themselves, it never reaches the model. Short
# enough for Telegram's 64 bytes of callback_data with two keys.
ALL_SOURCES_PREFIX = "/all_sources:"
_KEY_LENGTH = 16
ALL_SOURCES_HINT = "Pour voir toutes les sources de cette réponse, répondez « sources »."
SOURCES_GONE = "Je ne retrouve plus les sources de ce message : posez-moi de nouveau votre question."
# What a user of a platform without buttons types to get them (accents and case aside).
_SOURCES_REPLIES = {"sources", "source", "toutes les sources", "les sources"}


def cited(message: Mapping) -> list[dict]:
    """The citations a bot message carries beside its text (`as_json` of each)."""
    sources = message.get(SOURCES_KEY)
    return [c for c in sources if isinstance(c, dict)] if isinstance(sources, list) else []


def hides_sources(sources: Sequence[Mapping]) -> bool:
    """True when the text leaves some of these sources out (it only counts them)."""
    return any(len(c.get("urls") or []) > c.get("shown", len(c.get("urls") or [])) for c in sources)


def sources_key(sources: Sequence[Mapping]) -> str:
    """What names a message's sources in a request for them: a digest of the addresses and
    dates, so that it is the same whichever Rasa server computes it, and needs no id."""
    content = json.dumps([[c.get("urls"), c.get("verified_on")] for c in sources], ensure_ascii=False)
    return payload_digest(content)[:_KEY_LENGTH]


def all_sources_payload(keys: Sequence[str]) -> str:
    return ALL_SOURCES_PREFIX + ",".join(keys)


def requested_sources(text: str | None) -> list[str] | None:
    """The keys a « Toutes les sources » request names, or None for any other message."""
    if not text or not text.startswith(ALL_SOURCES_PREFIX):
        return None
    keys = [k for k in text[len(ALL_SOURCES_PREFIX) :].split(",") if k]
    return keys or None


def with_all_sources(buttons: Sequence[dict], sources: Sequence[Mapping]) -> list[dict]:
    """The message's buttons, then « Toutes les sources » when its text leaves some out."""
    buttons = list(buttons)
    if hides_sources(sources):
        buttons.append({"title": ALL_SOURCES_TITLE, "payload": all_sources_payload([sources_key(sources)])})
    return buttons


def sources_asked(text: str | None, latest: Sequence[Mapping]) -> str | None:
    """On a platform without buttons: the request for the sources of the bot's latest
    messages (their metadata, in order) when the user replied « sources » and one of them
    leaves some out; else None (the message is the model's to read)."""
    if " ".join(words(text or "")) not in _SOURCES_REPLIES:
        return None
    keys = [sources_key(cited(m)) for m in latest if hides_sources(cited(m))]
    return all_sources_payload(list(dict.fromkeys(keys))) if keys else None


def _checked(citation: Mapping, position: int) -> str:
    pages = citation.get("page_labels") or []
    page = pages[position] if position < len(pages) else None
    parts = [] if citation.get("official", True) else ["source non officielle"]
    if page:
        parts.append(f"page du {page}")
    parts.append(f"vérifié le {citation.get('verified_label')}")
    return ", ".join(parts)


def all_sources_text(sources: Sequence[Mapping]) -> str:
    """Every source of the citations, numbered, each with its title, its address and the
    day it was checked; an address cited twice is listed once."""
    lines, seen = [], set()
    for citation in sources:
        titles = citation.get("titles") or []
        for position, url in enumerate(citation.get("urls") or []):
            if url in seen:
                continue
            seen.add(url)
            title = titles[position] if position < len(titles) else None
            where = f"{title} : {url}" if title else url
            lines.append(f"{len(lines) + 1}. {where} ({_checked(citation, position)})")
    return f"{ALL_SOURCES_TITLE} de cette réponse ({len(lines)}) :\n" + "\n".join(lines)


# --- WhatsApp (Twilio): no buttons ---------------------------------------------------------

# Twilio refuses a message body over 1 600 characters
# (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
TWILIO_BODY_LIMIT = 1600


def plain_text(
    text: str, buttons: Sequence[dict], choices: Sequence[Choice], holds_last: bool, sources_left_out: bool = False
) -> str:
    """A message for a platform without buttons. The choices that a bare number picks (the
    bot's numbering, shared by the whole turn) are listed « 1. Détails »; when the message
    has none, its buttons are suggestions to type. The line on answering with the number
    comes once, after the last choice of the turn. When the text leaves sources out, the
    line on replying « sources » follows it, beside the source line."""
    parts = [text.strip()] if text and text.strip() else []
    if sources_left_out:
        parts.append(ALL_SOURCES_HINT)
    if choices:
        by_payload = {c.payload: c.number for c in choices}
        # A message whose choices are not its buttons (a recommendation numbers the
        # programme, its text starts with the rank) lists only the matching button.
        lines = [f"{by_payload[b['payload']]}. {b['title']}" for b in buttons if b["payload"] in by_payload]
    else:
        lines = [f"• {b['title']}" for b in buttons]
    if lines:
        parts.append("\n".join(lines))
    if choices and holds_last:
        parts.append(CHOOSE_BY_NUMBER)
    return "\n\n".join(parts)


# --- Telegram ------------------------------------------------------------------------------

# https://core.telegram.org/bots/api#sendmessage (text: 1–4096 characters) and
# https://core.telegram.org/bots/api#inlinekeyboardbutton (callback_data: 1–64 bytes).
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CALLBACK_LIMIT = 64
# A payload too long for callback_data travels as this prefix and a digest of it; the
# connector finds the payload again among the buttons the conversation has shown.
DIGEST_PREFIX = "#"


def payload_digest(payload: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(payload.encode("utf-8")).digest())[:22].decode("ascii")


def callback_data(payload: str) -> str:
    if len(payload.encode("utf-8")) <= TELEGRAM_CALLBACK_LIMIT and not payload.startswith(DIGEST_PREFIX):
        return payload
    return DIGEST_PREFIX + payload_digest(payload)


def telegram_keyboard(buttons: Sequence[dict]) -> dict:
    """One button per row: French labels are long, and a shared row truncates them."""
    return {"inline_keyboard": [[{"text": b["title"], "callback_data": callback_data(b["payload"])}] for b in buttons]}


def find_payload(data: str, buttons: Sequence[dict]) -> str | None:
    """The payload that `callback_data` turned into `data`, among buttons shown earlier."""
    if not data.startswith(DIGEST_PREFIX):
        return data
    digest = data[len(DIGEST_PREFIX) :]
    return next((b["payload"] for b in buttons if payload_digest(b["payload"]) == digest), None)


# --- Messenger -----------------------------------------------------------------------------

# https://developers.facebook.com/docs/messenger-platform/send-messages/buttons,
# .../send-messages/template/button and .../send-messages/quick-replies.
MESSENGER_TEXT_LIMIT = 2000
MESSENGER_TEMPLATE_TEXT_LIMIT = 640
MESSENGER_TEMPLATE_BUTTONS = 3
MESSENGER_TITLE_LIMIT = 20
MESSENGER_QUICK_REPLIES = 13
MESSENGER_PAYLOAD_LIMIT = 1000


def messenger_messages(text: str, buttons: Sequence[dict], choices: Sequence[Choice] = ()) -> list[dict]:
    """Send API `message` objects. Up to three short buttons: a button template, which
    stays under the answer (its text is the answer's last paragraphs, the source line).
    Otherwise quick replies on the last message, labelled with the buttons' titles when
    they fit in 20 characters, else « 1 », « 2 »… with the titles listed in the text."""
    buttons = [b for b in buttons if len(b["payload"]) <= MESSENGER_PAYLOAD_LIMIT]
    if not buttons:
        return [{"text": chunk} for chunk in split_text(text, MESSENGER_TEXT_LIMIT)]
    text = (text or "").strip() or CHOOSE_PROMPT
    fits = all(len(b["title"]) <= MESSENGER_TITLE_LIMIT for b in buttons)
    if len(buttons) <= MESSENGER_TEMPLATE_BUTTONS and fits:
        chunks = split_text(text, MESSENGER_TEXT_LIMIT, last_limit=MESSENGER_TEMPLATE_TEXT_LIMIT)
        template = {
            "template_type": "button",
            "text": chunks[-1],
            "buttons": [{"type": "postback", "title": b["title"], "payload": b["payload"]} for b in buttons],
        }
        return [{"text": chunk} for chunk in chunks[:-1]] + [{"attachment": {"type": "template", "payload": template}}]
    buttons = list(buttons[:MESSENGER_QUICK_REPLIES])
    if fits:
        labels = [b["title"] for b in buttons]
    else:
        numbers = _numbers(buttons, choices)
        text += "\n\n" + "\n".join(f"{n}. {b['title']}" for n, b in zip(numbers, buttons))
        labels = [str(n) for n in numbers]
    messages = [{"text": chunk} for chunk in split_text(text, MESSENGER_TEXT_LIMIT)]
    messages[-1]["quick_replies"] = [
        {"content_type": "text", "title": label, "payload": b["payload"]} for label, b in zip(labels, buttons)
    ]
    return messages


# --- Slack ---------------------------------------------------------------------------------

# https://api.slack.com/reference/block-kit/blocks: a section's text up to 3 000
# characters, an actions block up to 25 elements, a message up to 50 blocks;
# https://api.slack.com/reference/block-kit/block-elements#button: text up to 75
# characters, value up to 2 000.
SLACK_SECTION_LIMIT = 3000
SLACK_ACTIONS_LIMIT = 25
SLACK_BLOCKS_LIMIT = 50
SLACK_BUTTON_TEXT_LIMIT = 75
SLACK_VALUE_LIMIT = 2000


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_messages(text: str, buttons: Sequence[dict]) -> list[dict]:
    """chat.postMessage arguments: the text in mrkdwn sections (links stay clickable), the
    buttons in actions blocks; a very long answer spreads over several messages."""
    escaped = slack_escape((text or "").strip())
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in split_text(escaped, SLACK_SECTION_LIMIT)
    ]
    buttons = [b for b in buttons if len(b["payload"]) <= SLACK_VALUE_LIMIT]
    for start in range(0, len(buttons), SLACK_ACTIONS_LIMIT):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"choix-{start + i + 1}",
                        "value": b["payload"],
                        "text": {
                            "type": "plain_text",
                            "text": shorten(b["title"], SLACK_BUTTON_TEXT_LIMIT),
                            "emoji": True,
                        },
                    }
                    for i, b in enumerate(buttons[start : start + SLACK_ACTIONS_LIMIT])
                ],
            }
        )
    messages = []
    for start in range(0, len(blocks), SLACK_BLOCKS_LIMIT):
        group = blocks[start : start + SLACK_BLOCKS_LIMIT]
        # The notification text: what the sections of this message say.
        fallback = "\n\n".join(b["text"]["text"] for b in group if b["type"] == "section") or escaped
        messages.append({"text": fallback, "blocks": group})
    return messages


# --- Microsoft Teams (Bot Framework) -------------------------------------------------------

# Teams shows at most 6 buttons on a card
# (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference)
# and refuses a message over about 28 KB
# (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages):
# 7 000 characters stay below it even in 4-byte UTF-8.
TEAMS_CARD_BUTTONS = 6
TEAMS_TEXT_LIMIT = 7000


def teams_activities(text: str, buttons: Sequence[dict]) -> list[dict]:
    """The content of the activities for one message: the text as plain text (Teams would
    read it as Markdown, and an answer's line breaks and « * » with it), the buttons on
    hero cards below the last part. A messageBack button shows its title in the chat and
    sends its payload to the bot."""
    chunks = split_text(text, TEAMS_TEXT_LIMIT) or [""]
    activities = [{"text": chunk, "textFormat": "plain"} for chunk in chunks]
    if buttons:
        activities[-1]["attachments"] = [
            {
                "contentType": "application/vnd.microsoft.card.hero",
                "content": {
                    "buttons": [
                        {"type": "messageBack", "title": b["title"], "displayText": b["title"], "text": b["payload"]}
                        for b in buttons[start : start + TEAMS_CARD_BUTTONS]
                    ]
                },
            }
            for start in range(0, len(buttons), TEAMS_CARD_BUTTONS)
        ]
        activities[-1]["attachmentLayout"] = "list"
    return activities
