"""The Rasa server's process: Rasa 3.6's own command line (`rasa run …`), with fixes to
its per-turn path applied first. `python -m bot serve rasa` starts Rasa through it.

Fixes applied (measured in docs/performance.md):

- Rasa checks every custom action's answer with `jsonschema.validate`, which first checks
  the schema itself against the JSON Schema meta-schema, on every call: about 22 ms of
  CPU per action on this machine, for a schema that is a constant of Rasa. The answer is
  now checked against the same schema with a validator built (and its schema checked)
  once; an answer that does not follow the schema is still refused, with the error
  `jsonschema.validate` would have chosen.
- A SQLite tracker store commits every turn with a wait for the disk (rollback journal,
  `synchronous=FULL`): up to half of a turn's time in Rasa. Its connections now use the
  WAL journal with `synchronous=NORMAL`: a commit returns once written to the journal,
  readers no longer block the writer (several workers share the file), and a crash of
  Rasa loses nothing; only a power cut may lose the last turns. PostgreSQL is untouched.
- Rasa's SQLite tracker store opens and closes a connection for each read and each write
  (SQLAlchemy 1.4's NullPool); closing the last connection to a WAL file checkpoints and
  deletes the journal, so that every turn paid for it. The connections are now kept in a
  pool (SQLAlchemy 2.0's default for SQLite files): 2 to 3 times less time per turn in
  the tracker store.
- A message whose id the conversation already holds (a client sending it again after a
  server died mid-turn) is answered from the recorded turn instead of being processed a
  second time (bot/rasa_server/processed_messages.py).
- A freshly loaded model answered its first turns in 8 to 9 s (TensorFlow builds its
  graphs on the first prediction): the server now makes a few predictions before it
  accepts requests (bot/rasa_server/warm_up.py).

Usage: python -m bot.rasa_server.launch run --model … (any arguments of `rasa`); the API token
comes from BOUSSOLE_RASA_TOKEN, never from the command line.
"""

from __future__ import annotations

import sys
from typing import Any

# One validator per action class (RemoteAction, or a subclass with its own schema).
_validators: dict[type, Any] = {}
# Rasa's own engine options of the SQL tracker store, wrapped by `_engine_kwargs`.
_rasa_engine_kwargs = None


def _validator(action) -> Any:
    from jsonschema.validators import validator_for

    validator = _validators.get(type(action))
    if validator is None:
        schema = action.action_response_format_spec()
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        validator = _validators[type(action)] = validator_class(schema)
    return validator


def _validate_action_result(self, result: dict[str, Any]) -> bool:
    from jsonschema.exceptions import best_match

    error = best_match(_validator(self).iter_errors(result))
    if error is not None:
        error.message += (
            f" (the action server's answer to '{self.name()}' does not follow Rasa's format "
            "for custom action responses)"
        )
        raise error
    return True


def _tune_sqlite(dbapi_connection, connection_record) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _engine_kwargs(url) -> dict[str, Any]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    kwargs = _rasa_engine_kwargs(url)
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # Rasa uses its tracker store from the event loop's thread only.
        kwargs = {**kwargs, "poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
    return kwargs


def apply_fixes() -> None:
    """Idempotent; in the parent process, so that forked Sanic workers inherit it."""
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.rasa_server import processed_messages, warm_up

    global _rasa_engine_kwargs

    RemoteAction._validate_action_result = _validate_action_result
    if not event.contains(Engine, "connect", _tune_sqlite):
        event.listen(Engine, "connect", _tune_sqlite)
    if tracker_store.create_engine_kwargs is not _engine_kwargs:
        _rasa_engine_kwargs = tracker_store.create_engine_kwargs
        tracker_store.create_engine_kwargs = _engine_kwargs
    processed_messages.install()
    warm_up.install()


def with_api_token(args: list, token: str) -> list:
    """Rasa reads its API token from its command line only. The token is added here, inside
    the process, to the arguments Rasa parses: the command line the system shows (`ps`,
    /proc/<pid>/cmdline) never holds it."""
    if not token or "--auth-token" in args or "run" not in args[:1]:
        return list(args)
    return [*args, "--auth-token", token]


def main(argv=None) -> int:
    from bot.config import settings

    config = settings.at_start()
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    args = sys.argv[1:] if argv is None else argv
    sys.argv = ["rasa", *with_api_token(args, config.rasa_token)]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
