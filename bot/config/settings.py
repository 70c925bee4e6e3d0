"""Configuration from environment variables, each with a working default."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = Path(os.environ.get("BOUSSOLE_KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"))
VAR_DIR = Path(os.environ.get("BOUSSOLE_VAR_DIR", PROJECT_ROOT / "var"))


def db_url() -> str:
    return os.environ.get("BOUSSOLE_DB_URL") or f"sqlite:///{VAR_DIR / 'boussole.db'}"


def rasa_url() -> str:
    return os.environ.get("BOUSSOLE_RASA_URL", "http://localhost:5005").rstrip("/")


def actions_url() -> str:
    return os.environ.get("BOUSSOLE_ACTIONS_URL", "http://localhost:5055").rstrip("/")


def web_port() -> int:
    return int(os.environ.get("BOUSSOLE_WEB_PORT", "8080"))


def rasa_token() -> str:
    """The token of Rasa's HTTP API: BOUSSOLE_RASA_TOKEN, else one generated once and kept
    in var/rasa_token (readable by its owner only), so that the API is never open."""
    from bot.config.tokens import kept_secret

    return kept_secret("BOUSSOLE_RASA_TOKEN", "rasa_token")


class InvalidSetting(ValueError):
    """The message names the variable and says, in French, what it expects."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidSetting(f"{name} doit être un nombre entier (reçu « {raw} »).") from None
    if value < minimum:
        raise InvalidSetting(f"{name} doit valoir au moins {minimum} (reçu {value}).")
    return value


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "oui", "yes")


DEFAULT_MAX_MESSAGE_CHARS = 2000


def max_message_chars() -> int:
    """The longest message any channel passes on to the model (BOUSSOLE_MAX_MESSAGE_CHARS):
    the website's gateway and every Rasa channel (bot/rasa_server/message_checks.py) read it here."""
    return _int("BOUSSOLE_MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS, minimum=1)


def rate_limit_session() -> int:
    """Messages a conversation may send per minute through the website (0: no limit)."""
    return _int("BOUSSOLE_RATE_LIMIT_SESSION", 20)


def rate_limit_ip() -> int:
    """Requests to /api/ one address may make per minute (0: no limit)."""
    return _int("BOUSSOLE_RATE_LIMIT_IP", 120)


def cors_origins() -> tuple:
    """Partner sites allowed to call the website's API from their pages, e.g.
    « https://www.partenaire.fr,https://cci.example »."""
    raw = os.environ.get("BOUSSOLE_CORS_ORIGINS", "")
    origins = []
    for item in raw.replace(" ", ",").split(","):
        item = item.strip().rstrip("/")
        if not item:
            continue
        if not (item.startswith("https://") or item.startswith("http://")) or "/" in item.split("://", 1)[1]:
            raise InvalidSetting(f"BOUSSOLE_CORS_ORIGINS : « {item} » n'est pas une origine "
                                 "(schéma et hôte seulement, par exemple https://www.partenaire.fr).")
        origins.append(item)
    return tuple(origins)


def frame_ancestors() -> str:
    """Who may show the website's pages in a frame (CSP frame-ancestors)."""
    value = " ".join(os.environ.get("BOUSSOLE_FRAME_ANCESTORS", "'self'").split())
    if not value or any(c in value for c in ";,\r\n"):
        raise InvalidSetting("BOUSSOLE_FRAME_ANCESTORS : une liste de sources séparées par des espaces est "
                             "attendue, par exemple « 'self' https://www.partenaire.fr ».")
    return value


def log_messages() -> bool:
    """Whether the website's log may contain what users write (off by default)."""
    return _flag("BOUSSOLE_LOG_MESSAGES")


def trust_proxy() -> bool:
    """Whether X-Forwarded-For names the client (only behind your own reverse proxy)."""
    return _flag("BOUSSOLE_TRUST_PROXY")


DEFAULT_KB_REFRESH_S = 5.0


def kb_refresh_seconds() -> float:
    """How often an action server checks whether `kb load` wrote a new knowledge base
    (BOUSSOLE_KB_REFRESH_S, 0 = never). A wrong value falls back to the default, with a
    warning, rather than stopping the action server."""
    raw = os.environ.get("BOUSSOLE_KB_REFRESH_S", "").strip()
    if not raw:
        return DEFAULT_KB_REFRESH_S
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = -1.0
    if value < 0:
        import logging

        logging.getLogger(__name__).warning(
            "BOUSSOLE_KB_REFRESH_S doit être un nombre de secondes (0 pour ne jamais recharger), pas « %s » : "
            "%s s utilisées.", raw, f"{DEFAULT_KB_REFRESH_S:g}")
        return DEFAULT_KB_REFRESH_S
    return value


def workers(part: str) -> int:
    """Server processes of Rasa (`rasa`) or of the action server (`actions`)."""
    name = "BOUSSOLE_RASA_WORKERS" if part == "rasa" else "BOUSSOLE_ACTION_WORKERS"
    value = os.environ.get(name, "1").strip() or "1"
    if not value.isdigit():
        raise SystemExit(f"Erreur : {name} doit être un nombre entier, pas « {value} ».")
    return int(value)
