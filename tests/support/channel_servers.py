"""A channel's webhook on a Sanic server of the test's own, in the test's event loop: what
Rasa's server does with a channel's blueprint, without a model."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

from sanic import Blueprint, Sanic

from bot.tools.processes import free_port

_apps = itertools.count()


@contextlib.asynccontextmanager
async def serving(blueprint: Blueprint, name: str, agent: Any = None):
    """The blueprint under /webhooks/`name`, on a free loopback port: yields the server's
    base URL. `agent` stands where Rasa keeps its own (`app.ctx.agent`: the tracker store
    the channels read). Call with Sanic.test_mode set: Sanic 21.12 rewrites its request
    handling when an app starts, and fails to rewrite it again for the next app of the
    process, unless in test mode (as sanic-testing does)."""
    app = Sanic(f"channel_test_{next(_apps)}")
    if agent is not None:
        app.ctx.agent = agent
    app.blueprint(blueprint, url_prefix=f"/webhooks/{name}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.close()
