"""Secrets kept under var/ when no environment variable gives them: the token of Rasa's
HTTP API and the advisers' token of the review pages (/admin).

A token is generated once, written aside with mode 600 and linked into place, so that
two processes starting together never read a half-written file and agree on one token.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from bot.config import settings


def kept_secret(given: str, filename: str) -> str:
    """`given` (the setting's value), else the token in var/`filename`, created if missing."""
    if given:
        return given
    var_dir = settings.current().var_dir
    path = var_dir / filename
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=var_dir, prefix=f".{filename}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(draft)
    return path.read_text(encoding="utf-8").strip()


def write_private(path, content: str) -> None:
    """Writes `content` to `path`, readable by its owner only from the first byte: the file
    is created with mode 600 beside its final place, then renamed over it (a chmod after
    writing would leave it readable by everyone for a moment)."""
    path = Path(path)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(draft, path)
    except BaseException:
        if os.path.exists(draft):
            os.unlink(draft)
        raise


def rasa_token() -> str:
    """The token of Rasa's HTTP API: BOUSSOLE_RASA_TOKEN, else one generated once and kept
    in var/rasa_token (readable by its owner only), so that the API is never open."""
    return kept_secret(settings.current().rasa_token, "rasa_token")


def admin_token() -> str:
    """BOUSSOLE_ADMIN_TOKEN, else the token kept in var/admin_token."""
    return kept_secret(settings.current().admin_token, "admin_token")
