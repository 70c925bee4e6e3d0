"""The configuration of every process, from its BOUSSOLE_* environment variables.

All of them are read here and nowhere else, into one frozen `Settings`, each with a
working default; docs/configuration.md lists them (a test keeps the two in step).

- `load(env)` reads a mapping: pure, for tests and for a child's environment;
- `current()` is what the code asks for: the process's environment, read once;
- `at_start()` is called by each process as it starts (command line, Rasa, website): a
  wrong value stops it there with one French line naming the variable, and exit code 2.

The channels' secrets (Telegram, Slack…) are not fields: Rasa reads them through the
template `credentials.yml` (bot/rasa_server/runtime_files.py); `CHANNEL_VARIABLES` names
them so that the table of docs/configuration.md can be checked against them too.
"""

from __future__ import annotations

import logging
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PREFIX = "BOUSSOLE_"
DEFAULT_MAX_MESSAGE_CHARS = 2000
DEFAULT_KB_REFRESH_S = 5.0
DEFAULT_RETENTION_DAYS = 180
REDIS_KEY_PREFIX = "boussole"
ATOMIC_REDIS_LOCK_STORE = "bot.multiserver.lock_store.AtomicRedisLockStore"
_TRUE = ("1", "true", "oui", "yes")

log = logging.getLogger(__name__)


class InvalidSetting(ValueError):
    """The message names the variable and says, in French, what it expects."""


@dataclass(frozen=True)
class Settings:
    # Files
    knowledge_dir: Path
    var_dir: Path
    db_url: str
    tracker_url: str
    # Where the processes listen and how they reach each other
    bind_host: str
    web_port: int
    rasa_port: int
    actions_port: int
    rasa_url: str
    actions_url: str
    rasa_workers: int
    action_workers: int
    rasa_servers: int
    action_servers: int
    model: str
    # Rasa's shared stores and event broker, as Rasa's endpoints.yml holds them
    lock_store: dict
    event_broker: dict | None
    # Secrets ("" : generated once and kept under var/, bot/config/tokens.py)
    rasa_token: str
    admin_token: str
    # The website and the channels
    max_message_chars: int
    rate_limit_session: int
    rate_limit_ip: int
    cors_origins: tuple
    frame_ancestors: str
    log_messages: bool
    trust_proxy: bool
    admin_secure_cookie: bool
    timezone: str
    # The knowledge base and personal data
    kb_refresh_s: float
    retention_days: int
    # The values of CHANNEL_VARIABLES that are set, for credentials.yml's substitution.
    channel_env: dict


# --- one reader per kind of value -------------------------------------------------------


def _text(env: Mapping[str, str], name: str, default: str = "") -> str:
    return (env.get(name) or "").strip() or default


def _int(
    env: Mapping[str, str],
    name: str,
    default: int,
    minimum: int = 0,
    maximum: int | None = None,
    expected: str = "un nombre entier",
) -> int:
    raw = _text(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidSetting(f"{name} doit être {expected} (reçu « {raw} »).") from None
    if value < minimum:
        raise InvalidSetting(f"{name} doit valoir au moins {minimum} (reçu {value}).")
    if maximum is not None and value > maximum:
        raise InvalidSetting(f"{name} doit valoir au plus {maximum} (reçu {value}).")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    # 65000 at most: the multi-server layout puts its servers on the ports that follow.
    raw = _text(env, name)
    if raw and not (raw.isdigit() and 1 <= int(raw) <= 65000):
        raise InvalidSetting(f"{name} doit être un numéro de port, pas « {raw} ».")
    return int(raw) if raw else default


def _servers(env: Mapping[str, str], name: str) -> int:
    raw = _text(env, name)
    if raw and not (raw.isdigit() and 1 <= int(raw) <= 16):
        raise InvalidSetting(f"{name} doit être un nombre de serveurs entre 1 et 16, pas « {raw} ».")
    return int(raw) if raw else 2


def _flag(env: Mapping[str, str], name: str) -> bool:
    return _text(env, name).lower() in _TRUE


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    value = _text(env, name, default).rstrip("/")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSetting(
            f"{name} doit être une adresse http:// ou https:// avec un hôte, par exemple {default}, pas « {value} »."
        )
    return value


def _database_url(name: str, url: str, dialects: tuple | None = None) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        dialect = make_url(url).get_backend_name()
    except ArgumentError:
        raise InvalidSetting(
            f"{name} n'est pas une URL de base de données valide : « {url} ». "
            "Exemples : sqlite:///var/tracker.db, postgresql://utilisateur@hôte:5432/base."
        ) from None
    if dialects and dialect not in dialects:
        raise InvalidSetting(
            f"{name} : le type de base « {dialect} » n'est pas pris en charge ({' ou '.join(dialects)})."
        )
    return url


def _cors_origins(env: Mapping[str, str]) -> tuple:
    origins = []
    for item in _text(env, "BOUSSOLE_CORS_ORIGINS").replace(" ", ",").split(","):
        item = item.strip().rstrip("/")
        if not item:
            continue
        if not (item.startswith("https://") or item.startswith("http://")) or "/" in item.split("://", 1)[1]:
            raise InvalidSetting(
                f"BOUSSOLE_CORS_ORIGINS : « {item} » n'est pas une origine "
                "(schéma et hôte seulement, par exemple https://www.partenaire.fr)."
            )
        origins.append(item)
    return tuple(origins)


def _frame_ancestors(env: Mapping[str, str]) -> str:
    value = " ".join(env.get("BOUSSOLE_FRAME_ANCESTORS", "'self'").split())
    if not value or any(c in value for c in ";,\r\n"):
        raise InvalidSetting(
            "BOUSSOLE_FRAME_ANCESTORS : une liste de sources séparées par des espaces est "
            "attendue, par exemple « 'self' https://www.partenaire.fr »."
        )
    return value


def _kb_refresh_s(env: Mapping[str, str]) -> float:
    # A wrong value falls back to the default, with a warning, rather than stopping the
    # action server: the knowledge base it already holds stays right.
    raw = _text(env, "BOUSSOLE_KB_REFRESH_S")
    if not raw:
        return DEFAULT_KB_REFRESH_S
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = -1.0
    if value < 0:
        log.warning(
            "BOUSSOLE_KB_REFRESH_S doit être un nombre de secondes (0 pour ne jamais recharger), pas « %s » : "
            "%s s utilisées.",
            raw,
            f"{DEFAULT_KB_REFRESH_S:g}",
        )
        return DEFAULT_KB_REFRESH_S
    return value


def _timezone(env: Mapping[str, str]) -> str:
    name = _text(env, "BOUSSOLE_TIMEZONE", "Europe/Paris")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting(
            f"BOUSSOLE_TIMEZONE : fuseau horaire inconnu « {name} » (par exemple Europe/Paris, America/Cayenne)."
        ) from None
    return name


def lock_store(value: str | None, key_prefix: str | None = None) -> dict:
    """Rasa's lock store: `in_memory` (one Rasa process) or a Redis URL (several processes
    or workers), with the prefix of its keys (BOUSSOLE_LOCK_PREFIX), so that several
    deployments or test runs can share one Redis."""
    value = (value or "in_memory").strip()
    if value == "in_memory":
        return {"type": "in_memory"}
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise InvalidSetting(
            f"BOUSSOLE_LOCK_STORE doit valoir « in_memory » ou une URL redis://hôte:port/base, pas « {value} »."
        )
    key_prefix = (key_prefix or REDIS_KEY_PREFIX).strip()
    # Rasa ignores any other prefix with a mere warning, and every deployment would then
    # share the same keys.
    if not (key_prefix.isascii() and key_prefix.isalnum()):
        raise InvalidSetting(
            f"BOUSSOLE_LOCK_PREFIX ne doit contenir que des lettres sans accent et des chiffres, pas « {key_prefix} »."
        )
    # Rasa's own `type: redis` can let two servers take the same conversation at once
    # (bot/multiserver/lock_store.py).
    config = {
        "type": ATOMIC_REDIS_LOCK_STORE,
        "url": parts.hostname,
        "port": parts.port or 6379,
        "key_prefix": key_prefix,
    }
    database = parts.path.strip("/")
    if database:
        if not database.isdigit():
            raise InvalidSetting(f"BOUSSOLE_LOCK_STORE : la base Redis doit être un numéro, pas « {database} ».")
        config["db"] = int(database)
    if parts.password:
        config["password"] = urllib.parse.unquote(parts.password)
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def _event_broker(env: Mapping[str, str]) -> dict | None:
    """Kafka, when BOUSSOLE_KAFKA_URL names its brokers (`hôte:9092[,hôte2:9092]`): every
    tracker event is published there, for analytics. SASL (PLAIN) when a user is given."""
    brokers = _text(env, "BOUSSOLE_KAFKA_URL")
    if not brokers:
        return None
    for broker in brokers.split(","):
        host, _, port = broker.strip().rpartition(":")
        if not host or not port.isdigit():
            raise InvalidSetting(
                f"BOUSSOLE_KAFKA_URL attend des adresses hôte:port séparées par des virgules, pas « {brokers} »."
            )
    config = {
        "type": "kafka",
        "url": brokers,
        "topic": env.get("BOUSSOLE_KAFKA_TOPIC") or "rasa_core_events",
        "client_id": "boussole-export",
        "partition_by_sender": True,
        "security_protocol": "PLAINTEXT",
    }
    user = env.get("BOUSSOLE_KAFKA_USER")
    if user:
        if not env.get("BOUSSOLE_KAFKA_PASSWORD"):
            raise InvalidSetting("BOUSSOLE_KAFKA_USER est défini : définissez aussi BOUSSOLE_KAFKA_PASSWORD.")
        config.update(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="PLAIN",
            sasl_username=user,
            sasl_password=env["BOUSSOLE_KAFKA_PASSWORD"],
        )
    return config


# The variables `load` reads (the channels' apart), in the order of docs/configuration.md.
VARIABLES = (
    "BOUSSOLE_KNOWLEDGE_DIR",
    "BOUSSOLE_VAR_DIR",
    "BOUSSOLE_DB_URL",
    "BOUSSOLE_TRACKER_URL",
    "BOUSSOLE_BIND_HOST",
    "BOUSSOLE_WEB_PORT",
    "BOUSSOLE_RASA_PORT",
    "BOUSSOLE_ACTIONS_PORT",
    "BOUSSOLE_RASA_URL",
    "BOUSSOLE_ACTIONS_URL",
    "BOUSSOLE_RASA_WORKERS",
    "BOUSSOLE_ACTION_WORKERS",
    "BOUSSOLE_RASA_SERVERS",
    "BOUSSOLE_ACTION_SERVERS",
    "BOUSSOLE_MODEL",
    "BOUSSOLE_LOCK_STORE",
    "BOUSSOLE_LOCK_PREFIX",
    "BOUSSOLE_KAFKA_URL",
    "BOUSSOLE_KAFKA_TOPIC",
    "BOUSSOLE_KAFKA_USER",
    "BOUSSOLE_KAFKA_PASSWORD",
    "BOUSSOLE_RASA_TOKEN",
    "BOUSSOLE_ADMIN_TOKEN",
    "BOUSSOLE_MAX_MESSAGE_CHARS",
    "BOUSSOLE_RATE_LIMIT_SESSION",
    "BOUSSOLE_RATE_LIMIT_IP",
    "BOUSSOLE_CORS_ORIGINS",
    "BOUSSOLE_FRAME_ANCESTORS",
    "BOUSSOLE_LOG_MESSAGES",
    "BOUSSOLE_TRUST_PROXY",
    "BOUSSOLE_ADMIN_SECURE_COOKIE",
    "BOUSSOLE_TIMEZONE",
    "BOUSSOLE_KB_REFRESH_S",
    "BOUSSOLE_RETENTION_DAYS",
)

# Read by Rasa through credentials.yml (a test checks that they are the template's).
CHANNEL_VARIABLES = (
    "BOUSSOLE_CALLBACK_URL",
    "BOUSSOLE_TELEGRAM_TOKEN",
    "BOUSSOLE_TELEGRAM_BOT_NAME",
    "BOUSSOLE_TELEGRAM_WEBHOOK_URL",
    "BOUSSOLE_TELEGRAM_SECRET",
    "BOUSSOLE_TELEGRAM_API_URL",
    "BOUSSOLE_SLACK_TOKEN",
    "BOUSSOLE_SLACK_SIGNING_SECRET",
    "BOUSSOLE_SLACK_CHANNEL",
    "BOUSSOLE_SLACK_API_URL",
    "BOUSSOLE_FACEBOOK_VERIFY_TOKEN",
    "BOUSSOLE_FACEBOOK_APP_SECRET",
    "BOUSSOLE_FACEBOOK_PAGE_TOKEN",
    "BOUSSOLE_FACEBOOK_API_URL",
    "BOUSSOLE_TWILIO_ACCOUNT_SID",
    "BOUSSOLE_TWILIO_AUTH_TOKEN",
    "BOUSSOLE_TWILIO_NUMBER",
    "BOUSSOLE_TWILIO_WEBHOOK_URL",
    "BOUSSOLE_TWILIO_API_URL",
    "BOUSSOLE_BOTFRAMEWORK_APP_ID",
    "BOUSSOLE_BOTFRAMEWORK_APP_PASSWORD",
    "BOUSSOLE_BOTFRAMEWORK_OPENID_URL",
    "BOUSSOLE_BOTFRAMEWORK_TOKEN_URL",
)


def load(env: Mapping[str, str]) -> Settings:
    """The settings `env` gives; raises InvalidSetting (French, naming the variable) on the
    first wrong value."""
    var_dir = Path(_text(env, "BOUSSOLE_VAR_DIR") or PROJECT_ROOT / "var")
    db_url = _text(env, "BOUSSOLE_DB_URL") or f"sqlite:///{var_dir / 'boussole.db'}"
    tracker_url = _text(env, "BOUSSOLE_TRACKER_URL") or f"sqlite:///{var_dir / 'tracker.db'}"
    return Settings(
        knowledge_dir=Path(_text(env, "BOUSSOLE_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge"),
        var_dir=var_dir,
        db_url=_database_url("BOUSSOLE_DB_URL", db_url),
        tracker_url=_database_url("BOUSSOLE_TRACKER_URL", tracker_url, ("sqlite", "postgresql")),
        bind_host=_text(env, "BOUSSOLE_BIND_HOST", "127.0.0.1"),
        web_port=_port(env, "BOUSSOLE_WEB_PORT", 8080),
        rasa_port=_port(env, "BOUSSOLE_RASA_PORT", 5005),
        actions_port=_port(env, "BOUSSOLE_ACTIONS_PORT", 5055),
        rasa_url=_http_url(env, "BOUSSOLE_RASA_URL", "http://localhost:5005"),
        actions_url=_http_url(env, "BOUSSOLE_ACTIONS_URL", "http://localhost:5055"),
        rasa_workers=_int(env, "BOUSSOLE_RASA_WORKERS", 1, minimum=1),
        action_workers=_int(env, "BOUSSOLE_ACTION_WORKERS", 1, minimum=1),
        rasa_servers=_servers(env, "BOUSSOLE_RASA_SERVERS"),
        action_servers=_servers(env, "BOUSSOLE_ACTION_SERVERS"),
        model=_text(env, "BOUSSOLE_MODEL"),
        lock_store=lock_store(env.get("BOUSSOLE_LOCK_STORE"), env.get("BOUSSOLE_LOCK_PREFIX")),
        event_broker=_event_broker(env),
        rasa_token=_text(env, "BOUSSOLE_RASA_TOKEN"),
        admin_token=_text(env, "BOUSSOLE_ADMIN_TOKEN"),
        max_message_chars=_int(env, "BOUSSOLE_MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS, minimum=1),
        rate_limit_session=_int(env, "BOUSSOLE_RATE_LIMIT_SESSION", 20),
        rate_limit_ip=_int(env, "BOUSSOLE_RATE_LIMIT_IP", 120),
        cors_origins=_cors_origins(env),
        frame_ancestors=_frame_ancestors(env),
        log_messages=_flag(env, "BOUSSOLE_LOG_MESSAGES"),
        trust_proxy=_flag(env, "BOUSSOLE_TRUST_PROXY"),
        admin_secure_cookie=_flag(env, "BOUSSOLE_ADMIN_SECURE_COOKIE"),
        timezone=_timezone(env),
        kb_refresh_s=_kb_refresh_s(env),
        retention_days=_int(env, "BOUSSOLE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, minimum=1),
        channel_env={name: env[name] for name in CHANNEL_VARIABLES if env.get(name)},
    )


_cached: tuple | None = None


def current() -> Settings:
    """This process's settings. A server's environment does not change once started, so
    they are read once; they are read again only if a BOUSSOLE_* variable changed since
    (a test's monkeypatch, or the command line handing the Rasa token to its child)."""
    global _cached
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX)))
    if _cached is None or _cached[0] != key:
        _cached = (key, load(os.environ))
    return _cached[1]


def reset() -> None:
    """Forgets the settings read, so that the next `current()` reads the environment."""
    global _cached
    _cached = None


def at_start(say: Callable[[str], None] = None) -> Settings:
    """Called first by each process: a wrong value ends it with one French line and exit
    code 2, before anything is started."""
    try:
        return current()
    except InvalidSetting as exc:
        (say or (lambda line: print(line, file=sys.stderr)))(f"Erreur de configuration : {exc}")
        raise SystemExit(2) from None


def __getattr__(name: str):
    # `settings.KNOWLEDGE_DIR` and `settings.VAR_DIR` (many tests and tools) stay readable,
    # as views of current() rather than values frozen when this module was imported.
    if name == "KNOWLEDGE_DIR":
        return current().knowledge_dir
    if name == "VAR_DIR":
        return current().var_dir
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
