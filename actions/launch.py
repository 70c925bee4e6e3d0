"""The action server's process: rasa_sdk's own command line, with the knowledge base read
before the server opens its port. `python -m bot serve actions` starts it.

rasa_sdk answers its health check (GET /health) as soon as it listens, and the knowledge
base is read on the first action: measured (bench/failover.py), a restarted action server
made that first call wait 10 to 13 s (reading the database, building the answer ranker)
while nginx already sent it requests. The snapshot is now read in a `before_server_start`
listener of each Sanic worker, so that the port opens once it is there; a database that
cannot be read then delays nothing (the first action retries, as before).

Usage: python -m actions.launch --actions actions --port 5055 (any argument of rasa_sdk).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_sdk_create_app = None


async def read_knowledge_base(app, loop) -> None:
    from bot.knowledge.provider import get_knowledge_base

    if await get_knowledge_base() is None:
        log.warning("Base de connaissances illisible au démarrage : la première action la relira.")


def create_app(*args, **kwargs):
    app = _sdk_create_app(*args, **kwargs)
    app.register_listener(read_knowledge_base, "before_server_start")
    return app


def install() -> None:
    """Idempotent; before rasa_sdk builds its server."""
    from rasa_sdk import endpoint

    global _sdk_create_app
    if endpoint.create_app is not create_app:
        _sdk_create_app = endpoint.create_app
        endpoint.create_app = create_app


def main() -> None:
    from rasa_sdk.__main__ import main as sdk_main

    install()
    sdk_main()


if __name__ == "__main__":
    main()
