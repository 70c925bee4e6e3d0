"""The review pages' reading of Rasa's tracker store, on SQLite and PostgreSQL, from
conversations that Rasa's own SQLTrackerStore wrote (tests/support/review_store.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, insert, text

from bot.core.unit_answers import ABSTAINED_KEY
from bot.website.review import activity, conversations, queue, unanswered
from bot.website.review.period import Period, parse
from bot.website.review.tracker import EVENTS, TrackerReader, TrackerUnavailable
from bot.website.review.unanswered import NO_ANSWER, NOT_UNDERSTOOD, OUT_OF_SCOPE
from tests.support import review_store
from tests.support.review_store import DAY, PARIS, VIE_PAYLOAD

EVERYTHING = Period(tz=PARIS)


@pytest.fixture
def stored(db_url):
    """(reader, conversations written) on each kind of database."""
    scripts = review_store.standard(db_url)
    reader = TrackerReader(db_url)
    yield reader, scripts
    reader.close()


def only(day: dt.date) -> Period:
    return Period(day, day, PARIS)


def test_conversations_most_recent_first_with_their_counts(stored):
    reader, _ = stored
    page = conversations.page(reader, EVERYTHING)
    assert page.total == 4
    summary = {c.sender_id: c for c in page.items}
    assert [c.sender_id for c in page.items] == ["conv-night", "conv-unanswered", "conv-answered", "conv-old"]
    # The clarified message is one turn, though Rasa stored it twice.
    assert (summary["conv-unanswered"].turns, summary["conv-unanswered"].unanswered) == (5, 4)
    assert (summary["conv-answered"].turns, summary["conv-answered"].unanswered) == (2, 0)
    assert summary["conv-night"].channels == ["telegram"]
    assert summary["conv-answered"].channels == ["rest"]
    assert summary["conv-night"].started < summary["conv-night"].last_activity


def test_conversations_are_paged(stored):
    reader, _ = stored
    first, second = conversations.page(reader, EVERYTHING, 0, 3), conversations.page(reader, EVERYTHING, 1, 3)
    assert [c.sender_id for c in first.items] == ["conv-night", "conv-unanswered", "conv-answered"]
    assert [c.sender_id for c in second.items] == ["conv-old"]
    assert (first.count, first.has_next, second.has_next, second.has_previous) == (2, True, False, True)


def test_conversations_of_a_period_use_local_days(stored):
    reader, _ = stored
    assert [c.sender_id for c in conversations.page(reader, only(DAY)).items] == ["conv-unanswered", "conv-answered"]
    # 00:30 in Paris on the 11th is still the 10th in UTC: it belongs to the 11th.
    assert [c.sender_id for c in conversations.page(reader, only(DAY + dt.timedelta(days=1))).items] == ["conv-night"]


def test_turns_of_a_conversation(stored):
    reader, _ = stored
    detail = conversations.detail(reader, "conv-unanswered")
    turns = detail.turns
    assert [t.text for t in turns] == [
        "xqzw plorb",
        VIE_PAYLOAD,
        "Quel temps fera-t-il à Brest demain ?",
        "le quota japonais sur le glutamate, c'est combien ?",
        "blablabla",
    ]
    assert [t.reason for t in turns] == [NOT_UNDERSTOOD, None, OUT_OF_SCOPE, NO_ANSWER, NOT_UNDERSTOOD]
    unclear, clicked = turns[0], turns[1]
    assert (unclear.intent, unclear.confidence, unclear.new_session) == ("nlu_fallback", 0.41, True)
    assert unclear.replies[0].buttons == ["Une question sur un dispositif d'aide", "Autre chose"]
    # The button's title is shown, and the clarified copy's answer belongs to the same turn.
    assert clicked.button == "Une question sur un dispositif d'aide"
    assert len(clicked.event_ids) == 2
    assert clicked.actions == ["action_two_stage_fallback", "action_programme_details"]
    assert clicked.replies[0].text.startswith("V.I.E")
    assert detail.summary.turns == 5 and detail.summary.unanswered == 4


def test_turns_keep_entities_and_buttons_clicked(stored):
    reader, _ = stored
    question, clicked = conversations.detail(reader, "conv-answered").turns
    assert question.entities == [("programme", "vie")]
    assert question.actions == ["action_programme_details"]
    assert clicked.button == "C'est pour qui ?"


def test_turns_are_paged(stored):
    reader, _ = stored
    pages = [conversations.detail(reader, "conv-unanswered", number, size=2) for number in range(3)]
    assert [[t.text for t in p.turns] for p in pages] == [
        ["xqzw plorb", VIE_PAYLOAD],
        ["Quel temps fera-t-il à Brest demain ?", "le quota japonais sur le glutamate, c'est combien ?"],
        ["blablabla"],
    ]
    assert [t.reason for t in pages[1].turns] == [OUT_OF_SCOPE, NO_ANSWER]
    assert pages[0].page.has_next and not pages[2].page.has_next


def test_an_unknown_conversation_is_none(stored):
    reader, _ = stored
    assert conversations.detail(reader, "personne") is None


def test_queue_lists_typed_messages_left_unanswered_newest_first(stored):
    reader, _ = stored
    page = queue.page(reader, EVERYTHING)
    assert [(m.sender_id, m.text, m.reason) for m in page.items] == [
        ("conv-night", "euh donc voilà", NOT_UNDERSTOOD),
        ("conv-unanswered", "blablabla", NOT_UNDERSTOOD),
        ("conv-unanswered", "le quota japonais sur le glutamate, c'est combien ?", NO_ANSWER),
        ("conv-unanswered", "Quel temps fera-t-il à Brest demain ?", OUT_OF_SCOPE),
        ("conv-unanswered", "xqzw plorb", NOT_UNDERSTOOD),
    ]
    night = page.items[0]
    assert (night.intent, night.confidence, night.channel) == ("greet", 0.22, "telegram")
    assert night.reply == "Un conseiller pourra vous répondre."
    assert page.items[-1].reply.startswith("Je ne suis pas sûr d'avoir compris")


def test_queue_of_a_period_and_its_pages(stored):
    reader, _ = stored
    assert [m.sender_id for m in queue.page(reader, only(DAY + dt.timedelta(days=1))).items] == ["conv-night"]
    assert queue.page(reader, only(DAY - dt.timedelta(days=40))).total == 0
    second = queue.page(reader, EVERYTHING, 1, 2)
    assert [m.text for m in second.items] == [
        "le quota japonais sur le glutamate, c'est combien ?",
        "Quel temps fera-t-il à Brest demain ?",
    ]
    assert [m.text for m in queue.iterate(reader, EVERYTHING, batch=2)] == [
        m.text for m in queue.page(reader, EVERYTHING).items
    ]


def test_daily_activity_in_local_days(stored):
    reader, _ = stored
    days = activity.daily(reader, parse("2026-03-09", "2026-03-11"))
    assert [d.day for d in days] == [DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)]
    before, day, night = days
    assert (before.messages, before.unanswered_share) == (0, None)
    # Two questions on a programme that day: one typed, one clarified (counted once).
    assert day.intents == {
        "ask_programme": 2,
        "ask_eligibility": 1,
        "nlu_fallback": 1,
        "out_of_scope": 1,
        "ask_amount": 1,
        "nonsense": 1,
    }
    assert (day.typed, day.unanswered, day.unanswered_share) == (5, 4, 0.8)
    assert (night.intents, night.typed, night.unanswered) == ({"greet": 1}, 1, 1)
    assert activity.intent_totals(days)[0] == ("ask_programme", 2)


def test_conversations_and_turns_exported_in_full(stored):
    reader, scripts = stored
    assert {s.sender_id for s in conversations.iterate(reader, EVERYTHING, batch=1)} == set(scripts)
    pairs = list(conversations.iterate_turns(reader, only(DAY)))
    assert [(sender, turn.text) for sender, turn in pairs if sender == "conv-answered"] == [
        ("conv-answered", "C'est quoi le V.I.E ?"),
        ("conv-answered", '/ask_eligibility{"programme":"vie"}'),
    ]
    assert {sender for sender, _ in pairs} == {"conv-answered", "conv-unanswered"}


def test_the_reader_cannot_write(stored):
    reader, _ = stored
    with pytest.raises(TrackerUnavailable):
        with reader.connect() as connection:
            connection.execute(insert(EVENTS).values(sender_id="intrus", type_name="user", timestamp=0.0, data="{}"))
            connection.commit()
    assert conversations.page(reader, EVERYTHING).total == 4


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_sessions_of_the_reader_do_not_compile_queries(db_url):
    """The queue's lookups would otherwise pass jit_above_cost and be compiled before each run."""
    reader = TrackerReader(db_url)
    try:
        with reader.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        reader.close()


def test_a_store_rasa_never_wrote_is_empty_and_left_alone(tmp_path):
    path = tmp_path / "absent" / "tracker.db"
    reader = TrackerReader(f"sqlite:///{path}")
    assert not reader.has_events()
    assert conversations.page(reader, EVERYTHING).total == 0
    assert queue.page(reader, EVERYTHING).items == []
    assert [d.typed for d in activity.daily(reader, parse("2026-03-01", "2026-03-02"))] == [0, 0]
    assert conversations.detail(reader, "x") is None
    assert not path.parent.exists()


def test_a_database_without_rasa_tables_is_empty(db_url):
    reader = TrackerReader(db_url)
    try:
        if db_url.startswith("sqlite"):
            engine = create_engine(db_url)
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE autre (x INTEGER)"))
            engine.dispose()
        assert not reader.has_events()
        assert conversations.page(reader, EVERYTHING).items == []
    finally:
        reader.close()


def test_a_query_past_its_time_limit_is_stopped_with_a_french_message(db_url):
    review_store.write(db_url, {"c": review_store.answered(review_store.at(DAY, 9))})
    reader = TrackerReader(db_url, timeout_s=0.001)
    slow = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) SELECT count(*) FROM n"
        if db_url.startswith("sqlite")
        else "SELECT pg_sleep(2)"
    )
    try:
        with pytest.raises(TrackerUnavailable, match="période plus courte"):
            with reader.connect() as connection:
                connection.execute(text(slow)).all()
    finally:
        reader.close()


def test_an_unreachable_database_is_a_french_message():
    reader = TrackerReader("postgresql://postgres@127.0.0.1:1/rien")
    try:
        with pytest.raises(TrackerUnavailable, match="BOUSSOLE_TRACKER_URL"):
            conversations.page(reader, EVERYTHING)
    finally:
        reader.close()


def test_an_unsupported_database_is_refused_in_french():
    with pytest.raises(TrackerUnavailable, match="pas pris en charge"):
        TrackerReader("mysql://root@localhost/rasa")


def test_a_user_message_the_bot_never_answered_is_a_failed_turn():
    from bot.website.review.events import build_turns

    rows = [
        (1, "user", 1.0, {"text": "C'est quoi le V.I.E ?"}),
        (2, "action", 1.1, {"name": "action_programme_details"}),
        (3, "bot", 1.2, {"text": "Le V.I.E…"}),
        (4, "user", 2.0, {"text": "et c'est pour qui ?"}),
        (5, "action", 2.1, {"name": "action_programme_details"}),
        (6, "action", 2.2, {"name": "action_listen"}),
        (7, "user", 3.0, {"text": "merci"}),
        (8, "bot", 3.1, {"text": "Avec plaisir."}),
    ]
    assert [turn.failed for turn in build_turns(rows)] == [False, True, False]


def test_a_message_the_ranker_answered_is_not_in_the_queue(db_url):
    """Since issue #17 the fallback actions ask the ranker first: a message the classifier was
    unsure of but that got an answer unit or a profile line is answered; given the honest reply
    it is « pas dans la base » (it was understood well enough to be searched); only
    « Vouliez-vous dire… » leaves it « incompris »."""
    review_store.write(db_url, {"conv-ranker": review_store.ranker_fallbacks(review_store.at(DAY, 11))})
    reader = TrackerReader(db_url)
    try:
        listed = [(m.text, m.reason) for m in reversed(queue.page(reader, EVERYTHING).items)]
        detail = conversations.detail(reader, "conv-ranker")
    finally:
        reader.close()
    assert listed == [
        ("prospection machin", NOT_UNDERSTOOD),
        ("le cerfa 4567 des moules de bouchot", NO_ANSWER),
        ("Nous sommes 40 à Angers : faut-il un cerfa pour les moules ?", NO_ANSWER),
    ]
    # The conversation's turns and its count read the same query.
    assert [t.reason for t in detail.turns] == [NOT_UNDERSTOOD, None, NO_ANSWER, NO_ANSWER, None]
    assert (detail.summary.turns, detail.summary.unanswered) == (5, 3)
    # The dossier's list, from the events the action server receives, agrees.
    events = [event.as_dict() for event in review_store.ranker_fallbacks(review_store.at(DAY, 11)).events]
    assert unanswered.in_events(events) == listed


def _queue_turns_and_dossier(db_url, sender_id: str, script) -> tuple:
    """(the queue's (text, reason) oldest first, the conversation's turns, the dossier's list)
    for one conversation written by Rasa's tracker store."""
    review_store.write(db_url, {sender_id: script})
    reader = TrackerReader(db_url)
    try:
        listed = [(m.text, m.reason) for m in reversed(queue.page(reader, EVERYTHING).items)]
        detail = conversations.detail(reader, sender_id)
    finally:
        reader.close()
    return listed, detail, unanswered.in_events([event.as_dict() for event in script.events])


def test_a_fallback_the_policies_predicted_is_answered_by_what_its_action_said(db_url):
    """RulePolicy predicts action_default_fallback when no rule fits, whatever the intent; that
    action asks the ranker first. Answered by a unit or a profile line, the message is not in
    the queue; given the honest reply (with the nearest entries as buttons) it is « pas dans la
    base »; pointed to an adviser it is « incompris ». A second unclear message in a row, which
    the two-stage fallback hands to the same action, follows the same rule."""
    listed, detail, dossier = _queue_turns_and_dossier(
        db_url, "conv-policy", review_store.policy_fallbacks(review_store.at(DAY, 15))
    )
    assert listed == [
        ("une caution bancaire pour un appel d'offres à Oman", NO_ANSWER),
        ("et sinon les chaussettes ?", NOT_UNDERSTOOD),
        ("marquage truc", NOT_UNDERSTOOD),
    ]
    assert [t.reason for t in detail.turns] == [None, NO_ANSWER, None, None, NOT_UNDERSTOOD, NOT_UNDERSTOOD, None]
    assert (detail.summary.turns, detail.summary.unanswered) == (7, 3)
    assert dossier == listed


def test_the_honest_reply_with_the_nearest_entries_stays_not_in_the_base(db_url):
    """Buttons to the nearest entries, even beside a unit's mark, answer nothing: the honest
    reply keeps its message « pas dans la base »."""
    listed, detail, dossier = _queue_turns_and_dossier(
        db_url, "conv-nearest", review_store.honest_with_nearest(review_store.at(DAY, 16))
    )
    assert listed == [
        ("les droits de douane sur les moules de bouchot au Japon", NO_ANSWER),
        ("la TVA sur les moules vendues à Tokyo", NO_ANSWER),
    ]
    assert [t.reason for t in detail.turns] == [NO_ANSWER, NO_ANSWER]
    assert dossier == listed


def test_a_reply_before_any_user_message_lists_nothing(db_url):
    """A marker with no user message before it (the honest reply sent at the start of a
    session) belongs to no message: nothing is listed, and the answered question after it is
    not either."""
    script = (
        review_store.Script(review_store.at(DAY, 17))
        .session()
        .bot(review_store.HONEST_REPLY, metadata={ABSTAINED_KEY: True})
        .bot("Désolé, je n'ai pas bien compris.", response="utter_default")
        .listen()
        .user("C'est quoi le V.I.E ?", "ask_programme", 0.93)
        .action("action_programme_details")
        .bot("V.I.E – Volontariat international en entreprise")
        .listen()
    )
    listed, detail, dossier = _queue_turns_and_dossier(db_url, "conv-opening", script)
    assert (listed, dossier) == ([], [])
    assert [t.reason for t in detail.turns] == [None, None]
