"""Rasa's endpoints and credentials files, written from environment variables.

Rasa reads `endpoints.yml` and `credentials.yml` as they are, and its own `${VAR}`
substitution fails on any unset variable. The files Rasa actually runs on are therefore
written here, under var/, from the environment and working defaults:

- endpoints: the action server (BOUSSOLE_ACTIONS_URL), the SQL tracker store
  (BOUSSOLE_TRACKER_URL, a SQLAlchemy URL: SQLite under var/ by default, PostgreSQL for
  several servers), the lock store (BOUSSOLE_LOCK_STORE: `in_memory`, or `redis://…`,
  with BOUSSOLE_LOCK_PREFIX, through a lock store whose ticket operations are atomic), and optionally a Kafka event broker (BOUSSOLE_KAFKA_URL);
- credentials: the template `credentials.yml` at the project's root, where a channel is
  kept only when every variable it names without a default (`${VAR}`) is set;
  `${VAR:-default}` gives a default.

Before Rasa starts, the tracker store's database is checked: Rasa's SQL tracker store
retries forever on an unreachable database, which looks like a hang.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

import yaml

from bot.config import settings
from bot.config.tokens import write_private

_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")
REDIS_KEY_PREFIX = "boussole"
ATOMIC_REDIS_LOCK_STORE = "bot.multiserver.lock_store.AtomicRedisLockStore"


class ConfigurationError(RuntimeError):
    """The message says, in French, which variable is wrong and how to fix it."""


def tracker_url(env: Mapping[str, str] = os.environ) -> str:
    return env.get("BOUSSOLE_TRACKER_URL") or f"sqlite:///{settings.VAR_DIR / 'tracker.db'}"


def tracker_store(url: str) -> dict:
    """Rasa's SQL tracker store accepts a complete SQLAlchemy URL as its `url`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"BOUSSOLE_TRACKER_URL n'est pas une URL de base de données valide : « {url} ». "
                                 "Exemples : sqlite:///var/tracker.db, postgresql://utilisateur@hôte:5432/base.") from None
    dialect = parsed.get_backend_name()
    if dialect not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"BOUSSOLE_TRACKER_URL : le type de base « {dialect} » n'est pas pris en charge "
                                 "(sqlite ou postgresql).")
    return {"type": "SQL", "dialect": dialect, "url": url}


def lock_store(value: Optional[str], key_prefix: Optional[str] = None) -> dict:
    """`in_memory` (one Rasa process) or a Redis URL (several processes or workers), with
    the prefix of its keys (BOUSSOLE_LOCK_PREFIX), so that several deployments or test
    runs can share one Redis."""
    value = (value or "in_memory").strip()
    if value == "in_memory":
        return {"type": "in_memory"}
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigurationError(f"BOUSSOLE_LOCK_STORE doit valoir « in_memory » ou une URL redis://hôte:port/base, "
                                 f"pas « {value} ».")
    key_prefix = (key_prefix or REDIS_KEY_PREFIX).strip()
    # Rasa ignores any other prefix with a mere warning, and every deployment would then
    # share the same keys.
    if not (key_prefix.isascii() and key_prefix.isalnum()):
        raise ConfigurationError(f"BOUSSOLE_LOCK_PREFIX ne doit contenir que des lettres sans accent et des chiffres, "
                                 f"pas « {key_prefix} ».")
    # Rasa's own `type: redis` can let two servers take the same conversation at once
    # (bot/multiserver/lock_store.py).
    config = {"type": ATOMIC_REDIS_LOCK_STORE, "url": parts.hostname, "port": parts.port or 6379,
              "key_prefix": key_prefix}
    database = parts.path.strip("/")
    if database:
        if not database.isdigit():
            raise ConfigurationError(f"BOUSSOLE_LOCK_STORE : la base Redis doit être un numéro, pas « {database} ».")
        config["db"] = int(database)
    if parts.password:
        config["password"] = urllib.parse.unquote(parts.password)
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def event_broker(env: Mapping[str, str]) -> Optional[dict]:
    """Kafka, when BOUSSOLE_KAFKA_URL names its brokers (`hôte:9092[,hôte2:9092]`): every
    tracker event is published there, for analytics. SASL (PLAIN) when a user is given."""
    brokers = (env.get("BOUSSOLE_KAFKA_URL") or "").strip()
    if not brokers:
        return None
    for broker in brokers.split(","):
        host, _, port = broker.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ConfigurationError(f"BOUSSOLE_KAFKA_URL attend des adresses hôte:port séparées par des virgules, "
                                     f"pas « {brokers} ».")
    config = {"type": "kafka", "url": brokers, "topic": env.get("BOUSSOLE_KAFKA_TOPIC") or "rasa_core_events",
              "client_id": "boussole-export", "partition_by_sender": True, "security_protocol": "PLAINTEXT"}
    user = env.get("BOUSSOLE_KAFKA_USER")
    if user:
        if not env.get("BOUSSOLE_KAFKA_PASSWORD"):
            raise ConfigurationError("BOUSSOLE_KAFKA_USER est défini : définissez aussi BOUSSOLE_KAFKA_PASSWORD.")
        config.update(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username=user,
                      sasl_password=env["BOUSSOLE_KAFKA_PASSWORD"])
    return config


def endpoints(env: Mapping[str, str] = os.environ) -> dict:
    actions = (env.get("BOUSSOLE_ACTIONS_URL") or "http://localhost:5055").rstrip("/")
    config = {
        "action_endpoint": {"url": f"{actions}/webhook"},
        "tracker_store": tracker_store(tracker_url(env)),
        "lock_store": lock_store(env.get("BOUSSOLE_LOCK_STORE"), env.get("BOUSSOLE_LOCK_PREFIX")),
    }
    broker = event_broker(env)
    if broker:
        config["event_broker"] = broker
    return config


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


def credentials(template: Path = settings.PROJECT_ROOT / "credentials.yml",
                env: Mapping[str, str] = os.environ) -> Credentials:
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


def write(out_dir: Path = settings.VAR_DIR, env: Mapping[str, str] = os.environ) -> tuple:
    """Writes endpoints.yml and credentials.yml into `out_dir`; returns (paths, credentials)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    header = "# Written by `python -m bot config` from the environment: edit the variables, not this file.\n"
    endpoints_path, credentials_path = out_dir / "endpoints.yml", out_dir / "credentials.yml"
    # Database, Redis and Kafka passwords may be in the first, the channels' secrets in the
    # second: both readable by their owner only.
    write_private(endpoints_path, header + _dump(endpoints(env)))
    creds = credentials(env=env)
    write_private(credentials_path, header + _dump(creds.channels))
    return (endpoints_path, credentials_path), creds
