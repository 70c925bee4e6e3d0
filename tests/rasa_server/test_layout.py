"""Replies shaped for each messaging platform (bot/core/choices.py, layout.py), on the
real knowledge base's answers, without Rasa running: numbering shared with the bot's
`last_options`, cuts at the platforms' limits, nothing lost on the way."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.core import choices, citations, intent_labels, replies
from bot.core.advice import company as advice_company
from bot.core.advice import finder, render
from bot.rasa_server.channels import layout

SOURCE = citations.CITATION
# Every intent a button payload carries, with the kind of record its entity names.
BUTTON_INTENTS = {
    "programme": (
        "ask_programme",
        "ask_eligibility",
        "ask_amount",
        "ask_how_to_apply",
        "ask_contact",
        "ask_programme_status",
    ),
    "obstacle": ("ask_obstacle", "inform_company"),
    "cluster": ("ask_cluster",),
    "organisation": ("ask_organisation",),
    "region": ("ask_region_support",),
    "country": ("ask_country",),
}


def words(text: str) -> list:
    return text.split()


@pytest.fixture(scope="module")
def recommendation_turn(kb):
    company = advice_company.from_values(
        kb,
        {
            "sector": "agroalimentaire",
            "region": "Bretagne",
            "headcount": "25",
            "country": "Japon",
            "need": "financement",
        },
        dt.date(2026, 12, 2),
    )
    return render.recommendations(kb, company, finder.recommend(kb, company))


def all_button_payloads(kb):
    for kind, names in BUTTON_INTENTS.items():
        for rid, name in itertools.product(kb.records[kind], names):
            yield replies.payload(name, **{kind: rid})


# --- the numbering shared with the bot --------------------------------------------------------


def test_choices_are_numbered_across_a_turn_as_last_options_holds_them(kb, recommendation_turn):
    dispatcher = CollectingDispatcher()
    events = actions._reply(dispatcher, recommendation_turn)
    last_options = events[0]["value"]
    read = [choices.read(message) for message in dispatcher.messages]
    numbered = [c for message_choices, _ in read for c in message_choices]
    assert [c.payload for c in numbered] == last_options
    assert [c.number for c in numbered] == list(range(1, len(last_options) + 1))
    # Five programmes, one number each (« le deuxième » is the second programme), and the
    # line on answering with a number goes with the fifth.
    assert len(last_options) == len(recommendation_turn) - 2 == 5
    assert [holds_last for _, holds_last in read] == [False, False, False, False, False, True, False]


def test_a_message_without_choices_carries_no_numbers():
    dispatcher = CollectingDispatcher()
    assert actions._reply(dispatcher, [{"text": "Bonjour."}]) == []
    assert choices.read(dispatcher.messages[0]) == ([], False)
    assert choices.read({choices.KEY: {"choices": [["deux", "/x"]], "last": True}}) == ([], False)


def test_a_typed_number_picks_the_payload_the_bot_numbered(kb, recommendation_turn):
    dispatcher = CollectingDispatcher()
    actions._reply(dispatcher, recommendation_turn)
    # What the tracker keeps of each bot message: its metadata, without the text.
    latest = [{k: v for k, v in m.items() if k == choices.KEY} for m in dispatcher.messages]
    second = choices.read(latest[2])[0][0]
    assert second.number == 2
    for typed in ("2", " 2 ", "2.", "2)"):
        assert choices.picked(typed, latest) == second.payload
    for typed in ("6", "0", "deux", "2 salariés", "", "12"):
        assert choices.picked(typed, latest) is None
    assert choices.picked("2", []) is None


# --- text cut at the limits --------------------------------------------------------------------


@pytest.mark.parametrize("limit", [layout.TWILIO_BODY_LIMIT, layout.MESSENGER_TEMPLATE_TEXT_LIMIT])
def test_long_answers_are_cut_at_paragraphs_and_lose_nothing(kb, limit):
    for pid in kb.records["programme"]:
        text = replies.programme_details(kb, pid)[0]["text"]
        chunks = layout.split_text(text, limit)
        assert all(0 < len(chunk) <= limit for chunk in chunks)
        assert words(" ".join(chunks)) == words(text)
        assert SOURCE.fullmatch(chunks[-1].split("\n\n")[-1]), "la ligne des sources reste entière, à la fin"


def test_the_last_chunk_fits_its_own_limit():
    text = "\n\n".join(f"Paragraphe {i} " + "mot " * 60 for i in range(8)) + "\n\nSource : https://exemple.fr"
    chunks = layout.split_text(text, 2000, last_limit=640)
    assert len(chunks[-1]) <= 640 and all(len(c) <= 2000 for c in chunks)
    assert words(" ".join(chunks)) == words(text)
    assert layout.split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert layout.split_text("   ", 10) == []


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert layout.shorten("Comment faire la demande ?", 20) == "Comment faire la…"
    assert layout.shorten("Combien ?", 20) == "Combien ?"
    assert all(len(layout.shorten(b["title"], 20)) <= 20 for b in replies.follow_up_buttons("vie"))


# --- WhatsApp: numbered text -------------------------------------------------------------------


def test_whatsapp_numbers_the_follow_ups_and_says_to_answer_with_the_number(kb):
    message = replies.programme_details(kb, "assurance-prospection")[0]
    numbered = choices.number([message])[0]
    text = layout.plain_text(message["text"], message["buttons"], numbered, holds_last=True)
    assert text.startswith(message["text"])
    assert text.endswith(
        "\n\n1. Suis-je éligible ?\n2. Combien ?\n3. Comment faire la demande ?\n"
        f"4. Qui contacter ?\n\n{layout.CHOOSE_BY_NUMBER}"
    )


def test_whatsapp_recommendations_number_the_programmes_not_their_buttons(kb, recommendation_turn):
    numbered = choices.number(recommendation_turn)
    flags = [m.get(choices.KEY, {}).get("last", False) for m in choices.metadata(numbered)]
    texts = [
        layout.plain_text(m["text"], m.get("buttons", []), n, last)
        for m, n, last in zip(recommendation_turn, numbered, flags)
    ]
    for rank, text in enumerate(texts[1:6], 1):
        assert text.startswith(f"{rank}. ")
        assert f"\n{rank}. Détails" in text
        assert "Suis-je éligible ?" not in text.split("\n\n")[-1], "les autres boutons ne sont pas numérotés"
    assert [layout.CHOOSE_BY_NUMBER in text for text in texts] == [False] * 5 + [True, False]
    # The last message's buttons are not choices by number: suggestions to type.
    assert "• Parler à un conseiller" in texts[-1]
    assert not re.search(r"^\d+\. ", texts[-1].split("Pour aller plus loin :")[-1], re.M)


def test_whatsapp_buttons_without_numbers_become_suggestions(kb):
    message = intent_labels.did_you_mean([{"name": "ask_amount"}, {"name": "ask_contact"}], {})
    text = layout.plain_text(message["text"], message["buttons"], [], holds_last=False)
    assert text == (
        "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :\n\n• Connaître un montant ou un coût\n"
        "• Savoir qui contacter\n• Autre chose"
    )


# --- Telegram ----------------------------------------------------------------------------------


def test_every_button_payload_of_the_knowledge_base_fits_telegram_callback_data(kb):
    payloads = list(all_button_payloads(kb))
    too_long = [p for p in payloads if len(p.encode("utf-8")) > layout.TELEGRAM_CALLBACK_LIMIT]
    # Measured: dozens of payloads (the longest ids: regional programmes and councils) are
    # over the limit; every one must still reach the bot.
    assert too_long
    datas = [layout.callback_data(p) for p in payloads]
    assert max(len(d.encode("utf-8")) for d in datas) <= layout.TELEGRAM_CALLBACK_LIMIT
    assert len(set(datas)) == len(payloads), "deux boutons ne partagent jamais la même donnée"
    shown = [{"title": "x", "payload": p} for p in payloads]
    assert all(layout.find_payload(layout.callback_data(p), shown) == p for p in too_long)
    assert layout.find_payload(layout.DIGEST_PREFIX + "A" * 22, shown) is None


def test_telegram_keyboard_has_one_button_per_row(kb):
    buttons = replies.follow_up_buttons("aide-developpement-international-martinique")
    keyboard = layout.telegram_keyboard(buttons)["inline_keyboard"]
    assert [len(row) for row in keyboard] == [1] * len(buttons)
    assert [row[0]["text"] for row in keyboard] == [b["title"] for b in buttons]


# --- Messenger ---------------------------------------------------------------------------------


def assert_within_messenger_limits(messages):
    for message in messages:
        if "text" in message:
            assert len(message["text"]) <= layout.MESSENGER_TEXT_LIMIT
        quick = message.get("quick_replies", [])
        assert len(quick) <= layout.MESSENGER_QUICK_REPLIES
        assert all(len(q["title"]) <= layout.MESSENGER_TITLE_LIMIT for q in quick)
        template = message.get("attachment", {}).get("payload")
        if template:
            assert len(template["text"]) <= layout.MESSENGER_TEMPLATE_TEXT_LIMIT
            assert len(template["buttons"]) <= layout.MESSENGER_TEMPLATE_BUTTONS
            assert all(len(b["title"]) <= layout.MESSENGER_TITLE_LIMIT for b in template["buttons"])


def test_messenger_puts_three_short_buttons_on_a_template_under_the_answer(kb, recommendation_turn):
    message = recommendation_turn[1]
    sent = layout.messenger_messages(message["text"], message["buttons"])
    assert_within_messenger_limits(sent)
    template = sent[-1]["attachment"]["payload"]
    assert template["template_type"] == "button"
    assert [b["title"] for b in template["buttons"]] == ["Détails", "Suis-je éligible ?", "Qui contacter ?"]
    assert {b["type"] for b in template["buttons"]} == {"postback"}
    assert SOURCE.search(template["text"])
    assert words(" ".join([m["text"] for m in sent[:-1]] + [template["text"]])) == words(message["text"])


def test_messenger_numbers_quick_replies_whose_titles_are_too_long(kb):
    message = replies.programme_details(kb, "vie")[0]
    sent = layout.messenger_messages(message["text"], message["buttons"], choices.number([message])[0])
    assert_within_messenger_limits(sent)
    assert [q["title"] for q in sent[-1]["quick_replies"]] == ["1", "2", "3", "4"]
    assert [q["payload"] for q in sent[-1]["quick_replies"]] == [b["payload"] for b in message["buttons"]]
    assert "\n3. Comment faire la demande ?" in sent[-1]["text"]


def test_messenger_keeps_short_titles_as_quick_replies_and_caps_them():
    buttons = [{"title": f"Choix {i}", "payload": f"/choix{i}"} for i in range(16)]
    sent = layout.messenger_messages("Lequel ?", buttons)
    assert_within_messenger_limits(sent)
    assert [q["title"] for q in sent[-1]["quick_replies"]] == [f"Choix {i}" for i in range(13)]


# --- Slack -------------------------------------------------------------------------------------


def test_slack_escapes_markup_and_spreads_buttons_over_actions_blocks():
    buttons = [
        {
            "title": f"Un bouton au libellé très long, numéro {i}, qui dépasse largement la limite de Slack",
            "payload": f"/choix{i}",
        }
        for i in range(30)
    ]
    posted = layout.slack_messages("R&D : <b>pas du HTML</b>", buttons)
    assert len(posted) == 1
    blocks = posted[0]["blocks"]
    assert blocks[0]["text"] == {"type": "mrkdwn", "text": "R&amp;D : &lt;b&gt;pas du HTML&lt;/b&gt;"}
    actions_blocks = [b for b in blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions_blocks] == [25, 5]
    elements = [e for b in actions_blocks for e in b["elements"]]
    assert [e["value"] for e in elements] == [b["payload"] for b in buttons]
    assert all(len(e["text"]["text"]) <= layout.SLACK_BUTTON_TEXT_LIMIT for e in elements)
    assert len({e["action_id"] for e in elements}) == 30


def test_slack_cuts_a_long_answer_into_sections(kb):
    text = "\n\n".join(replies.programme_details(kb, pid)[0]["text"] for pid in list(kb.records["programme"])[:4])
    posted = layout.slack_messages(text, [])
    sections = [b["text"]["text"] for m in posted for b in m["blocks"]]
    assert len(sections) > 1 and all(len(s) <= layout.SLACK_SECTION_LIMIT for s in sections)
    assert words(" ".join(sections)) == words(layout.slack_escape(text))


# --- Teams -------------------------------------------------------------------------------------


def test_teams_sends_plain_text_and_at_most_six_buttons_per_card(kb):
    buttons = [{"title": f"Région {i}", "payload": f'/ask_region_support{{"region":"r{i}"}}'} for i in range(8)]
    activities = layout.teams_activities("Quelle Région ?\nUne ligne par Région.", buttons)
    assert len(activities) == 1
    activity = activities[0]
    assert activity["textFormat"] == "plain" and activity["text"] == "Quelle Région ?\nUne ligne par Région."
    cards = [a["content"]["buttons"] for a in activity["attachments"]]
    assert [len(card) for card in cards] == [6, 2]
    first = cards[0][0]
    assert first == {
        "type": "messageBack",
        "title": "Région 0",
        "displayText": "Région 0",
        "text": '/ask_region_support{"region":"r0"}',
    }
    assert json.dumps(activity, ensure_ascii=False).encode("utf-8").__len__() < 28 * 1024


# --- « Toutes les sources » ---------------------------------------------------------------------


def _cited(kb, pid: str) -> dict:
    [message] = replies.programme_details(kb, pid)
    [data] = message["metadata"][citations.SOURCES_KEY]
    return data


def test_the_button_follows_an_answer_whose_text_leaves_sources_out(kb):
    [overview] = replies.financing_overview(kb)
    sources = layout.cited(overview["metadata"])
    buttons = layout.with_all_sources(overview["buttons"], sources)
    assert buttons[:-1] == overview["buttons"]
    assert buttons[-1]["title"] == "Toutes les sources"
    # Within Telegram's callback data and Messenger's 20-character titles, as it is.
    assert layout.callback_data(buttons[-1]["payload"]) == buttons[-1]["payload"]
    assert len(buttons[-1]["title"]) <= layout.MESSENGER_TITLE_LIMIT
    assert layout.requested_sources(buttons[-1]["payload"]) == [layout.sources_key(sources)]


def test_no_button_when_the_text_lists_every_source(kb):
    one = next(r for r in kb.all("faq") if len(r["sources"]) == 1)
    [message] = replies.faq_answer(kb, one["id"])
    sources = layout.cited(message["metadata"])
    assert sources and not layout.hides_sources(sources)
    assert layout.with_all_sources(message.get("buttons", []), sources) == message.get("buttons", [])
    assert layout.cited({}) == [] and layout.cited({citations.SOURCES_KEY: "pas une liste"}) == []


def test_the_key_names_the_sources_whoever_computes_it(kb):
    ap, vie = _cited(kb, "assurance-prospection"), _cited(kb, "vie")
    assert layout.sources_key([ap]) == layout.sources_key([json.loads(json.dumps(ap))])
    assert layout.sources_key([ap]) != layout.sources_key([vie])
    assert layout.requested_sources("Quelles aides ?") is None
    assert layout.requested_sources(layout.ALL_SOURCES_PREFIX) is None


def test_the_full_list_numbers_every_source_with_title_address_and_dates():
    sources = [
        {
            "urls": ["https://a.example/", "https://b.example/", "https://c.example/"],
            "titles": ["Page A", None, "Page C"],
            "page_labels": [None, "3 mars 2025", None],
            "verified_label": "27 novembre 2026",
            "official": True,
            "shown": 2,
        },
        {
            "urls": ["https://b.example/", "https://d.example/"],
            "titles": [None, "Blog D"],
            "page_labels": [None, None],
            "verified_label": "1er décembre 2026",
            "official": False,
            "shown": 1,
        },
    ]
    assert layout.all_sources_text(sources) == (
        "Toutes les sources de cette réponse (4) :\n"
        "1. Page A : https://a.example/ (vérifié le 27 novembre 2026)\n"
        "2. https://b.example/ (page du 3 mars 2025, vérifié le 27 novembre 2026)\n"
        "3. Page C : https://c.example/ (vérifié le 27 novembre 2026)\n"
        "4. Blog D : https://d.example/ (source non officielle, vérifié le 1er décembre 2026)"
    )


def test_replying_sources_asks_for_those_of_the_latest_answers(kb):
    ap, vie = _cited(kb, "assurance-prospection"), _cited(kb, "vie")
    latest = [{citations.SOURCES_KEY: [ap]}, {}, {citations.SOURCES_KEY: [vie]}]
    wanted = layout.all_sources_payload([layout.sources_key([ap]), layout.sources_key([vie])])
    for typed in ("sources", "Sources.", "  toutes les sources !", "SOURCE", "les sources"):
        assert layout.sources_asked(typed, latest) == wanted, typed
    for typed in ("", "2", "sources de financement", "merci"):
        assert layout.sources_asked(typed, latest) is None, typed
    assert layout.sources_asked("sources", [{}, {choices.KEY: {}}]) is None


def test_without_buttons_the_line_on_sources_follows_the_text(kb):
    numbered = [choices.Choice(1, "/a"), choices.Choice(2, "/b")]
    buttons = [{"title": "Détails", "payload": "/a"}, {"title": "Combien ?", "payload": "/b"}]
    text = layout.plain_text("Réponse.\n\nSources : …", buttons, numbered, True, sources_left_out=True)
    assert text == (
        f"Réponse.\n\nSources : …\n\n{layout.ALL_SOURCES_HINT}\n\n1. Détails\n2. Combien ?\n\n{layout.CHOOSE_BY_NUMBER}"
    )
    assert layout.ALL_SOURCES_HINT not in layout.plain_text("Réponse.", buttons, numbered, True)
