"""Configuration from environment variables, each with a working default."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
    token = os.environ.get("BOUSSOLE_RASA_TOKEN")
    if token:
        return token
    path = VAR_DIR / "rasa_token"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def workers(part: str) -> int:
    """Server processes of Rasa (`rasa`) or of the action server (`actions`)."""
    name = "BOUSSOLE_RASA_WORKERS" if part == "rasa" else "BOUSSOLE_ACTION_WORKERS"
    value = os.environ.get(name, "1").strip() or "1"
    if not value.isdigit():
        raise SystemExit(f"Erreur : {name} doit être un nombre entier, pas « {value} ».")
    return int(value)
