"""The REST channel's collector keeps a message's sources beside its text: the website gives
the widget the citations the reply built, not the ones it could read back from the text."""

from __future__ import annotations

import asyncio

from rasa.core.actions.action import create_bot_utterance
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.core import citations, replies
from bot.rasa_server.channels.collector import SourcesCollector


def _collected(messages: list) -> list:
    """The messages as the action server sends them, as Rasa turns them into bot events and
    as the REST channel answers them."""
    dispatcher = CollectingDispatcher()
    actions._reply(dispatcher, messages)
    collector = SourcesCollector()

    async def send():
        for sent in dispatcher.messages:
            await collector.send_response("s", create_bot_utterance(dict(sent)).message())

    asyncio.run(send())
    return collector.messages


def test_an_answer_with_buttons_carries_all_its_sources(kb):
    [message] = replies.financing_overview(kb)
    [answer] = _collected([message])
    assert answer["text"] == message["text"] and answer["buttons"]
    assert answer[citations.SOURCES_KEY] == message["metadata"][citations.SOURCES_KEY]
    assert len(answer[citations.SOURCES_KEY][0]["urls"]) > answer[citations.SOURCES_KEY][0]["shown"]


def test_each_paragraph_keeps_the_citations_it_shows(kb):
    tfe, vie = kb.get("organisation", "team-france-export"), kb.get("programme", "vie")
    message = replies.cited_message(["Premier.", replies.cite(tfe), "Second.", replies.cite(vie), "Fin."])
    answers = _collected([message])
    assert [a["text"] for a in answers] == message["text"].split("\n\n")
    cited = [a.get(citations.SOURCES_KEY) for a in answers]
    assert cited == [None, [citations.of_record(tfe).as_json()], None, [citations.of_record(vie).as_json()], None]


def test_a_message_without_sources_is_as_rasa_collects_it(kb):
    answers = _collected(replies.which_country(kb) + replies.knowledge_unavailable())
    assert all(citations.SOURCES_KEY not in a for a in answers)
    assert answers[0]["buttons"] and answers[1]["text"].startswith("Désolé")
