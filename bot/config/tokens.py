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


def kept_secret(variable: str, filename: str) -> str:
    """The value of `variable`, else the token in var/`filename`, created if missing."""
    token = os.environ.get(variable, "").strip()
    if token:
        return token
    var_dir = settings.VAR_DIR
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


def admin_token() -> str:
    """BOUSSOLE_ADMIN_TOKEN, else the token kept in var/admin_token."""
    return kept_secret("BOUSSOLE_ADMIN_TOKEN", "admin_token")
