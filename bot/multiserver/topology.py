"""Where each part of a scaled deployment listens, and whether the stores can be shared.

Three entries, all served by nginx: `public` (the website and Rasa's channels), `rasa_entry`
(the website's gateway and `make shell` reach Rasa there) and `actions_entry` (Rasa calls
its custom actions there). Behind them, N Rasa servers, M action servers, the website.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot.config import settings
from bot.config.settings import Settings
from bot.rasa_server.runtime_files import ConfigurationError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Topology:
    rasa: tuple[str, ...]
    actions: tuple[str, ...]
    web: tuple[str, ...]
    public: str
    rasa_entry: str
    actions_entry: str

    def __post_init__(self):
        for name in ("rasa", "actions", "web"):
            if not getattr(self, name):
                raise ConfigurationError(f"il faut au moins un serveur « {name} » derrière nginx.")
        for address in self.rasa + self.actions + self.web + (self.public, self.rasa_entry, self.actions_entry):
            host_and_port(address)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_entry}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.actions_entry}"

    def local_ports(self) -> list:
        """Every port this machine listens on, each once."""
        addresses = self.rasa + self.actions + self.web + (self.public, self.rasa_entry, self.actions_entry)
        return sorted({host_and_port(a)[1] for a in addresses})

    def with_rasa(self, rasa: tuple[str, ...], **entries) -> Topology:
        """The same deployment with other Rasa servers or entries (the benchmark's 1 vs 2)."""
        values = {
            "rasa": tuple(rasa),
            "actions": self.actions,
            "web": self.web,
            "public": self.public,
            "rasa_entry": self.rasa_entry,
            "actions_entry": self.actions_entry,
        }
        values.update(entries)
        return Topology(**values)


def host_and_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"adresse « {address} » invalide : hôte:port attendu, par exemple 127.0.0.1:5006.")
    return host, int(port)


def local(config: Settings | None = None) -> Topology:
    """Every part on this machine, on loopback: nginx on the ports of `make run`
    (BOUSSOLE_WEB_PORT 8080, BOUSSOLE_RASA_PORT 5005, BOUSSOLE_ACTIONS_PORT 5055), the
    servers behind it on the ports that follow (5006, 5007…; 5056…; 8081)."""
    config = config or settings.current()
    rasa_servers, action_servers = config.rasa_servers, config.action_servers
    public, rasa, actions = config.web_port, config.rasa_port, config.actions_port
    topology = Topology(
        rasa=tuple(f"{LOOPBACK}:{rasa + 1 + i}" for i in range(rasa_servers)),
        actions=tuple(f"{LOOPBACK}:{actions + 1 + i}" for i in range(action_servers)),
        web=(f"{LOOPBACK}:{public + 1}",),
        public=f"{LOOPBACK}:{public}",
        rasa_entry=f"{LOOPBACK}:{rasa}",
        actions_entry=f"{LOOPBACK}:{actions}",
    )
    ports = [
        host_and_port(a)[1]
        for a in topology.rasa
        + topology.actions
        + topology.web
        + (topology.public, topology.rasa_entry, topology.actions_entry)
    ]
    if len(set(ports)) != len(ports):
        raise ConfigurationError(
            "BOUSSOLE_WEB_PORT, BOUSSOLE_RASA_PORT et BOUSSOLE_ACTIONS_PORT sont trop proches : "
            "les serveurs placés derrière eux utiliseraient les mêmes ports."
        )
    return topology


def check_shared_stores(topology: Topology, config: Settings | None = None) -> None:
    """Several Rasa servers must share the conversations and the locks; action servers on
    several hosts must read one knowledge base. Raises a French ConfigurationError."""
    config = config or settings.current()
    if len(topology.rasa) > 1:
        if make_url(config.tracker_url).get_backend_name() == "sqlite":
            raise ConfigurationError(
                "BOUSSOLE_TRACKER_URL : SQLite ne convient qu'à un seul serveur Rasa. Plusieurs serveurs partagent "
                "l'historique des conversations dans PostgreSQL (postgresql://utilisateur@hôte:5432/base)."
            )
        if config.lock_store["type"] == "in_memory":
            raise ConfigurationError(
                "BOUSSOLE_LOCK_STORE : avec plusieurs serveurs Rasa, les verrous des conversations doivent être "
                "partagés dans Redis (redis://hôte:6379/1), sinon deux messages d'une même conversation peuvent "
                "être traités en même temps."
            )
    hosts = {host_and_port(a)[0] for a in topology.actions}
    if len(hosts) > 1 and make_url(config.db_url).get_backend_name() == "sqlite":
        raise ConfigurationError(
            "BOUSSOLE_DB_URL : des serveurs d'actions sur plusieurs machines doivent lire la même base de "
            "connaissances, dans PostgreSQL (postgresql://utilisateur@hôte:5432/base)."
        )
