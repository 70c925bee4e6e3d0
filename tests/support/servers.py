"""The integration tests' servers: the project's own launcher (bot/tools/processes.py) on
free ports, a failure to start failing the test with the end of the server's log."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tools.processes import Process, StartError, free_port


class Server(Process):
    """A server on 127.0.0.1:`port`. The fault tests kill it and start it again with the
    same command (same port)."""

    def __init__(
        self, name: str, argv: list, env: dict, log_dir: Path, port: int, health_path: str, start_timeout: float
    ):
        self.url = f"http://127.0.0.1:{port}"
        super().__init__(name, argv, env, log_dir / f"{name}.log", health_url=self.url + health_path)
        self.start_timeout = start_timeout

    def wait(self) -> None:
        ready(self, self.start_timeout)

    def restart(self, timeout: float = None) -> float:
        try:
            return super().restart(timeout or self.start_timeout)
        except StartError as exc:
            pytest.fail(str(exc), pytrace=False)


def ready(process: Process, timeout: float) -> None:
    """Waits for `process` to answer on its health URL; fails the test if it stops or never answers."""
    try:
        process.wait_ready(timeout)
    except StartError as exc:
        pytest.fail(str(exc), pytrace=False)


def serve(name: str, args: list, env: dict, log_dir: Path, health_path: str, timeout: float):
    """Starts a server on a free port (`{port}` in args), yields it once `health_path`
    answers 200, stops it at the end."""
    port = free_port()
    server = Server(name, [a.replace("{port}", str(port)) for a in args], env, log_dir, port, health_path, timeout)
    try:
        server.start().wait()
        yield server
    finally:
        server.stop()
