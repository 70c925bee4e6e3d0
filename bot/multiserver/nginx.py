"""nginx in front of the Rasa servers, the action servers and the website: its
configuration rendered from nginx.conf.template, and the command of an nginx master of
its own (own prefix, pid, logs and temporary files), never the system's service."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bot.multiserver.topology import Topology

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
# A server that failed MAX_FAILS times within FAIL_TIMEOUT_S is left aside for that long.
# Not at the first failure, nor for long: with two servers, one failure on each (servers
# loading their model refuse connections, and the website's health check probes them
# through nginx) left nginx with « no live upstreams » for 10 s, and the failover
# benchmark twice saw every request of its first seconds answered 502 right after start.
MAX_FAILS = 3
FAIL_TIMEOUT_S = 3


class NginxError(RuntimeError):
    """nginx is missing or refuses the configuration; the message says what to do."""


def binary() -> str:
    # Debian puts it in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/opt/homebrew/bin")
    if not found:
        raise NginxError(
            "nginx est introuvable : lancez « scripts/ensure_nginx.sh » (ou « sudo apt-get install nginx-light »)."
        )
    return found


def _servers(addresses) -> str:
    return "\n".join(
        f"        server {address} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT_S}s;" for address in addresses
    )


def render(topology: Topology, prefix: Path, workers: str = "1") -> str:
    values = {
        "prefix": str(Path(prefix).resolve()),
        "workers": workers,
        "rasa_servers": _servers(topology.rasa),
        "action_servers": _servers(topology.actions),
        "web_servers": _servers(topology.web),
        "public_listen": topology.public,
        "rasa_listen": topology.rasa_entry,
        "actions_listen": topology.actions_entry,
    }
    if '"' in values["prefix"]:
        raise NginxError(f"le dossier de nginx ne doit pas contenir de guillemet : {values['prefix']}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text(encoding="utf-8"))


def write(topology: Topology, prefix: Path, workers: str = "1") -> Path:
    """Writes prefix/nginx.conf and the directories it names; returns the file's path."""
    prefix = Path(prefix)
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(render(topology, prefix, workers), encoding="utf-8")
    return path


def command(prefix: Path) -> list:
    """The master in the foreground (its supervisor stops it with SIGTERM)."""
    prefix = Path(prefix).resolve()
    return [
        binary(),
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        str(prefix / "logs" / "error.log"),
        "-g",
        "daemon off;",
    ]


def check(prefix: Path) -> None:
    """`nginx -t` on the written configuration; raises NginxError with nginx's own words."""
    argv = command(prefix)[:-2] + ["-t", "-q"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise NginxError(f"nginx refuse sa configuration ({Path(prefix) / 'nginx.conf'}) :\n{result.stderr.strip()}")
