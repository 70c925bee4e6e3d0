"""The fixes bot/launch.py applies to Rasa's per-turn path keep Rasa's behaviour:
the action server's answers that Rasa accepts are accepted, those it refuses are refused
with the same error."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import launch

ORIGINAL = RemoteAction._validate_action_result

VALID = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "timestamp": None, "name": "programme", "value": "assurance-prospection"},
            {"event": "slot", "name": "last_options", "value": ["/ask_amount", "/ask_contact"]},
        ],
        "responses": [{"text": "Assurance Prospection", "buttons": [{"title": "Montants", "payload": "/ask_amount"}]}],
    },
    {
        "events": [{"event": "followup", "name": "action_listen"}, {"event": "active_loop", "name": None}],
        "responses": [{"response": "utter_default"}],
    },
]
INVALID = [
    {"events": [{"event": "slot", "value": 3}]},  # a slot without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": "slot"},
    {"events": [], "responses": ["texte seul"]},
    {"events": [{"event": "slot", "name": 12, "value": None}]},
]


@pytest.fixture(autouse=True)
def fixes_undone_afterwards():
    """The fixes patch Rasa and SQLAlchemy for the whole process: other tests get them back
    as they were."""
    yield
    from rasa.core import run, tracker_store
    from rasa.core.processor import MessageProcessor
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.rasa_server import processed_messages, warm_up

    RemoteAction._validate_action_result = ORIGINAL
    if MessageProcessor.handle_message is processed_messages.handle_message:
        MessageProcessor.handle_message = processed_messages._rasa_handle_message
    if MessageProcessor.get_tracker is processed_messages.get_tracker:
        MessageProcessor.get_tracker = processed_messages._rasa_get_tracker
    if run.load_agent_on_start is warm_up.load_agent_on_start:
        run.load_agent_on_start = warm_up._rasa_load_agent_on_start
    if tracker_store.create_engine_kwargs is launch._engine_kwargs:
        tracker_store.create_engine_kwargs = launch._rasa_engine_kwargs
    if event.contains(Engine, "connect", launch._tune_sqlite):
        event.remove(Engine, "connect", launch._tune_sqlite)


@pytest.fixture()
def action():
    launch.apply_fixes()
    return RemoteAction("action_programme_details", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize("answer", VALID)
def test_answers_rasa_accepts_are_accepted(action, answer):
    assert ORIGINAL(action, answer) is True
    assert action._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", INVALID)
def test_answers_rasa_refuses_are_refused_with_the_same_error(action, answer):
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        ORIGINAL(action, answer)
    with pytest.raises(jsonschema.ValidationError) as fixed_error:
        action._validate_action_result(answer)
    assert (fixed_error.value.validator, list(fixed_error.value.absolute_path)) == (
        rasa_error.value.validator,
        list(rasa_error.value.absolute_path),
    )
    assert "action_programme_details" in fixed_error.value.message


def test_the_schema_itself_is_checked_once_not_on_every_answer(action, monkeypatch):
    """The cost removed: jsonschema.validate checks the schema against the meta-schema on
    each call."""
    launch._validators.clear()
    checks = []
    validator_class = jsonschema.validators.validator_for(action.action_response_format_spec())
    original_check = validator_class.check_schema
    monkeypatch.setattr(
        validator_class,
        "check_schema",
        classmethod(lambda cls, schema, **kw: checks.append(1) or original_check(schema, **kw)),
    )
    for answer in VALID * 3:
        action._validate_action_result(answer)
    assert len(checks) == 1


def test_a_sqlite_tracker_store_writes_through_a_wal_journal_and_keeps_every_turn(tmp_path):
    """Rasa's own SQL tracker store, on a file: the journal is WAL, and every event saved
    is read back by a store opened afresh (as after a restart of Rasa)."""
    import asyncio

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    launch.apply_fixes()
    path = tmp_path / "tracker.db"
    domain = Domain.from_dict({"slots": {"programme": {"type": "text", "mappings": [{"type": "from_text"}]}}})
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "essai", [UserUttered("C'est quoi l'AP ?"), SlotSet("programme", "assurance-prospection")]
    )
    asyncio.run(store.save(tracker))
    # The connection stays open between turns (a pool, not one connection per query).
    assert type(store.engine.pool).__name__ == "QueuePool"
    assert store.engine.pool.checkedin() == 1
    with sa.create_engine(f"sqlite:///{path}").connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    reopened = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    restored = asyncio.run(reopened.retrieve("essai"))
    assert restored.get_slot("programme") == "assurance-prospection"
    assert restored.latest_message.text == "C'est quoi l'AP ?"


def test_postgresql_and_in_memory_sqlite_keep_rasa_s_engine_options():
    from rasa.core import tracker_store

    launch.apply_fixes()
    assert tracker_store.create_engine_kwargs("sqlite://") == {}
    assert tracker_store.create_engine_kwargs(
        "postgresql://postgres@127.0.0.1:5432/test"
    ) == launch._rasa_engine_kwargs("postgresql://postgres@127.0.0.1:5432/test")
    assert "poolclass" not in tracker_store.create_engine_kwargs("postgresql://postgres@127.0.0.1:5432/test")


def test_the_api_token_joins_rasa_s_arguments_inside_the_process_only():
    args = ["run", "--model", "m.tar.gz", "--enable-api"]
    assert launch.with_api_token(args, "secret") == [*args, "--auth-token", "secret"]
    assert launch.with_api_token(args, "") == args
    assert launch.with_api_token(["train"], "secret") == ["train"]
