"""`make run-deployment`: N Rasa servers, M action servers, the website and nginx on this
machine, sharing PostgreSQL (conversations, knowledge base) and Redis (locks). One Ctrl-C
stops everything; the last line says whether any process is left."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.config import settings
from bot.knowledge.store import safe_url
from bot.multiserver import nginx
from bot.multiserver.topology import Topology, check_shared_stores, host_and_port
from bot.tools.processes import free_port
from bot.tools.supervisor import Part, Supervisor

READY_TIMEOUT_S = 900


def on_free_ports(rasa: int = 2, actions: int = 2) -> Topology:
    """A deployment on this machine whose every address is a free loopback port (the tests
    and the benchmarks start several side by side)."""

    def free() -> str:
        return f"127.0.0.1:{free_port()}"

    return Topology(
        rasa=tuple(free() for _ in range(rasa)),
        actions=tuple(free() for _ in range(actions)),
        web=(free(),),
        public=free(),
        rasa_entry=free(),
        actions_entry=free(),
    )


def busy_ports(topology: Topology) -> list:
    busy = []
    for address in (
        topology.rasa + topology.actions + topology.web + (topology.public, topology.rasa_entry, topology.actions_entry)
    ):
        host, port = host_and_port(address)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                busy.append(port)
    return sorted(set(busy))


def parts(topology: Topology, env: Mapping[str, str], model: str, base: Path) -> list:
    """What runs, and with which environment: each server gets the shared stores and the
    nginx entry of the parts it calls."""
    python = sys.executable
    common = dict(
        env,
        PYTHONPATH=str(settings.PROJECT_ROOT),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    out = []
    for index, address in enumerate(topology.actions, 1):
        host, port = host_and_port(address)
        out.append(
            Part(
                f"Serveur d'actions {index} ({address})",
                [python, "-m", "bot", "serve", "actions", "--port", str(port)],
                dict(common, BOUSSOLE_BIND_HOST=host),
                f"http://{address}/health",
                group="actions",
            )
        )
    for index, address in enumerate(topology.rasa, 1):
        host, port = host_and_port(address)
        out.append(
            Part(
                f"Rasa {index} ({address})",
                [
                    python,
                    "-m",
                    "bot",
                    "serve",
                    "rasa",
                    "--port",
                    str(port),
                    "--model",
                    model,
                    "--out",
                    str(base / f"rasa-{index}"),
                ],
                dict(common, BOUSSOLE_BIND_HOST=host, BOUSSOLE_ACTIONS_URL=topology.actions_url),
                f"http://{address}/",
                waiting="chargement du modèle",
                group="rasa",
            )
        )
    for address in topology.web:
        host, port = host_and_port(address)
        out.append(
            Part(
                f"Site web ({address})",
                [python, "-m", "bot", "web", "--port", str(port)],
                # Only nginx reaches it: the client's address is in X-Forwarded-For.
                dict(
                    common,
                    BOUSSOLE_BIND_HOST=host,
                    BOUSSOLE_RASA_URL=topology.rasa_url,
                    BOUSSOLE_ACTIONS_URL=topology.actions_url,
                    BOUSSOLE_TRUST_PROXY="1",
                ),
                f"http://{address}/healthz",
                waiting="attend Rasa et les serveurs d'actions",
            )
        )
    out.append(
        Part(
            f"nginx ({topology.public}, {topology.rasa_entry}, {topology.actions_entry})",
            nginx.command(base / "nginx"),
            dict(common),
            f"http://{topology.rasa_entry}/lb-health",
            stops_first=True,
        )
    )
    return out


def banner(topology: Topology, base: Path) -> str:
    public_port = host_and_port(topology.public)[1]
    rasa_port = host_and_port(topology.rasa_entry)[1]
    lines = [
        f"  Boussole Export est prêt sur {len(topology.rasa)} serveurs Rasa et {len(topology.actions)} serveurs "
        f"d'actions : ouvrez http://localhost:{public_port}",
        f"  API REST de Rasa (répartie par nginx) : http://localhost:{rasa_port}/webhooks/rest/webhook",
        f"  Journaux : {base / 'logs'}/ ; nginx : {base / 'nginx' / 'logs'}/",
        "  Ctrl-C pour tout arrêter.",
    ]
    rule = "=" * 72
    return "\n".join(["", rule, *lines, rule, ""])


def _locks(lock: dict) -> str:
    if lock["type"] == "in_memory":
        return "en mémoire"
    # Not the URL itself: it may hold Redis's password.
    return f"Redis {lock['url']}:{lock['port']}, base {lock.get('db', 1)}"


def run(topology: Topology, env: Mapping[str, str] = os.environ, say=print) -> int:
    """Starts every part with `env` (whose settings are those of this process)."""
    from bot.rasa_server.runtime_files import ConfigurationError

    config = settings.current()
    model = config.model
    if not model or not Path(model).exists():
        say(f"Erreur : modèle entraîné introuvable (BOUSSOLE_MODEL = « {model} ») : lancez « make train ».")
        return 2
    try:
        check_shared_stores(topology, config)
    except ConfigurationError as exc:
        say(f"Erreur : {exc}")
        return 2
    busy = busy_ports(topology)
    if busy:
        say(
            "Erreur : ports déjà utilisés : "
            + ", ".join(map(str, busy))
            + ". Arrêtez le programme qui les occupe (« make run » ?) ou choisissez d'autres ports "
            "(BOUSSOLE_WEB_PORT, BOUSSOLE_RASA_PORT, BOUSSOLE_ACTIONS_PORT)."
        )
        return 1
    base = config.var_dir / "multiserver"
    try:
        nginx.write(topology, base / "nginx")
        nginx.check(base / "nginx")
    except nginx.NginxError as exc:
        say(f"Erreur : {exc}")
        return 2

    say(
        f"==> Démarrage de {len(topology.rasa)} serveurs Rasa, {len(topology.actions)} serveurs d'actions, du site "
        f"web et de nginx (journaux dans {base / 'logs'}/)."
    )
    say(
        f"    conversations : {safe_url(config.tracker_url)} ; base de connaissances : "
        f"{safe_url(config.db_url)} ; "
        f"verrous : {_locks(config.lock_store)}"
    )
    supervisor = Supervisor(base / "logs", settings.PROJECT_ROOT, say)
    return supervisor.run(parts(topology, env, model, base), READY_TIMEOUT_S, banner(topology, base))
