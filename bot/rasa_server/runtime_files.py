"""Rasa's endpoints and credentials files, written from the settings (bot/config/settings.py).

Rasa reads `endpoints.yml` and `credentials.yml` as they are, and its own `${VAR}`
substitution fails on any unset variable. The files Rasa actually runs on are therefore
written here, under var/, from the environment and working defaults:

- endpoints: the action server (BOUSSOLE_ACTIONS_URL), the SQL tracker store
  (BOUSSOLE_TRACKER_URL, a SQLAlchemy URL: SQLite under var/ by default, PostgreSQL for
  several servers), the lock store (BOUSSOLE_LOCK_STORE: `in_memory`, or `redis://…`,
  with BOUSSOLE_LOCK_PREFIX, through a lock store whose ticket operations are atomic), and
  optionally a Kafka event broker (BOUSSOLE_KAFKA_URL);
- credentials: the template `credentials.yml` at the project's root, where a channel is
  kept only when every variable it names without a default (`${VAR}`) is set;
  `${VAR:-default}` gives a default.

Before Rasa starts, the tracker store's database is checked: Rasa's SQL tracker store
retries forever on an unreachable database, which looks like a hang.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import settings
from bot.config.settings import Settings
from bot.config.tokens import write_private

_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")
REDIS_KEY_PREFIX = settings.REDIS_KEY_PREFIX
ATOMIC_REDIS_LOCK_STORE = settings.ATOMIC_REDIS_LOCK_STORE
# The variables are read and checked by bot/config/settings.py, whose error this is.
ConfigurationError = settings.InvalidSetting
lock_store = settings.lock_store


def tracker_store(url: str) -> dict:
    """Rasa's SQL tracker store accepts a complete SQLAlchemy URL as its `url` (checked by
    the settings)."""
    from sqlalchemy.engine import make_url

    return {"type": "SQL", "dialect": make_url(url).get_backend_name(), "url": url}


def endpoints(config: Settings | None = None) -> dict:
    config = config or settings.current()
    endpoints = {
        "action_endpoint": {"url": f"{config.actions_url}/webhook"},
        "tracker_store": tracker_store(config.tracker_url),
        "lock_store": config.lock_store,
    }
    if config.event_broker:
        endpoints["event_broker"] = config.event_broker
    return endpoints


@dataclass
class Credentials:
    channels: dict
    # Channel name → the variables it still needs.
    skipped: dict = field(default_factory=dict)


def _substitute(value, env: Mapping[str, str], missing: list):
    if isinstance(value, dict):
        return {k: _substitute(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    replaced = _VARIABLE.sub(replace, value)
    # A value that is only a variable keeps YAML's reading of it (true, 3…).
    if _VARIABLE.fullmatch(value) and replaced:
        return yaml.safe_load(replaced) if replaced.lower() in ("true", "false") else replaced
    return replaced


def credentials(
    template: Path = settings.PROJECT_ROOT / "credentials.yml", env: Mapping[str, str] | None = None
) -> Credentials:
    """The channels of `template` whose variables are set in `env` (by default the
    channels' variables of the settings)."""
    env = settings.current().channel_env if env is None else env
    channels = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    kept, skipped = {}, {}
    for name, config in channels.items():
        missing = []
        value = _substitute(config, env, missing)
        if missing:
            skipped[name] = sorted(set(missing))
        else:
            kept[name] = value
    return Credentials(kept, skipped)


def channel_label(name: str) -> str:
    """`bot.rasa_server.channels.telegram.TelegramInput` → `telegram`."""
    return name.rsplit(".", 1)[-1].removesuffix("Input").lower() if "." in name else name


def check_tracker_store(url: str) -> None:
    """Raises DatabaseUnavailable (French message, 5 s at most) if the tracker store's
    database cannot be reached, before Rasa would retry it forever."""
    from bot.knowledge.store import DatabaseUnavailable, check_connection, make_engine

    engine = make_engine(url)
    try:
        check_connection(engine)
    except DatabaseUnavailable as exc:
        raise DatabaseUnavailable(str(exc).replace("BOUSSOLE_DB_URL", "BOUSSOLE_TRACKER_URL")) from None
    finally:
        engine.dispose()


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def write(out_dir: Path | None = None, config: Settings | None = None) -> tuple:
    """Writes endpoints.yml and credentials.yml into `out_dir` (var/ by default); returns
    (paths, credentials)."""
    config = config or settings.current()
    out_dir = Path(out_dir or config.var_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    header = "# Written by `python -m bot config` from the environment: edit the variables, not this file.\n"
    endpoints_path, credentials_path = out_dir / "endpoints.yml", out_dir / "credentials.yml"
    # Database, Redis and Kafka passwords may be in the first, the channels' secrets in the
    # second: both readable by their owner only.
    write_private(endpoints_path, header + _dump(endpoints(config)))
    creds = credentials(env=config.channel_env)
    write_private(credentials_path, header + _dump(creds.channels))
    return (endpoints_path, credentials_path), creds
