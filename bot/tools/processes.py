"""Starting the assistant's servers as child processes: the one launcher of the multi-server
demo (`supervisor`), the benchmark (bench/servers.py) and the integration tests.

A `Process` runs in a session (process group) of its own, with its output in a log file:
stopping it stops whatever it started (Rasa's and the action server's workers), and the
terminal's Ctrl-C reaches only the program that started it, which stops it itself.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from bot.config import settings
from bot.rasa_client import answers

_WARNING = re.compile(r"\b\w*Warning: ")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the system's choice, so two callers never collide)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(base: Mapping[str, str] = None, **extra: str | None) -> dict:
    """The environment of a server started from here: the caller's (or `base`), the project
    importable, Rasa's telemetry and TensorFlow's and SQLAlchemy's chatter off; `extra`
    on top, where None leaves a variable as it was."""
    env = dict(os.environ if base is None else base)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=str(settings.PROJECT_ROOT),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    env.update({name: value for name, value in extra.items() if value is not None})
    return env


class StartError(RuntimeError):
    """A server died or never answered; the message, in French, holds the end of its log."""


class Process:
    """A server (or any command) in its own process group, its output in `log_path`. The log
    is started afresh, or appended to with `append_log`; a restart always appends. With
    `echo_prefix`, each line is also printed on this process's output after the prefix, as
    `make run` shows its servers' logs."""

    def __init__(
        self,
        name: str,
        argv: list,
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path = settings.PROJECT_ROOT,
        health_url: str | None = None,
        append_log: bool = False,
        echo_prefix: str | None = None,
    ):
        self.name, self.argv, self.env = name, list(argv), dict(env)
        self.log_path, self.cwd, self.health_url = Path(log_path), cwd, health_url
        self._append = append_log
        self.echo_prefix = echo_prefix
        self._log = None
        self._copier: threading.Thread | None = None
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.ready_after: float | None = None

    def start(self) -> Process:
        if self._log is None:
            self._log = open(self.log_path, "ab" if self._append else "wb")
        self.started = time.monotonic()
        self.ready_after = None
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log if self.echo_prefix is None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        if self.echo_prefix is not None:
            self._copier = threading.Thread(
                target=self._copy_output,
                args=(self.process.stdout, self._log),
                name=f"sortie de {self.name}",
                daemon=True,
            )
            self._copier.start()
        return self

    def _copy_output(self, pipe, log) -> None:
        for line in iter(pipe.readline, b""):
            try:
                log.write(line)
                log.flush()
            except ValueError:  # the log was closed: the process is being stopped
                break
            sys.stdout.write(f"{self.echo_prefix} | {line.decode('utf-8', errors='replace')}")
            sys.stdout.flush()
        pipe.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def pgid(self) -> int:
        # start_new_session: the process leads its own group.
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        """Whether the health URL answers 200 (always, without one)."""
        return self.health_url is None or answers(self.health_url)

    def wait_ready(self, timeout: float, poll_s: float = 0.5) -> float:
        """Seconds from start until the health URL answers; StartError if the process stops
        first or `timeout` seconds pass from this call. From the call, not from the start: a
        website started beside Rasa servers is waited for only once they are ready, and their
        minute of model loading must not count against its own time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StartError(f"{self.name} s'est arrêté (code {self.process.returncode}) :\n{self.tail()}")
            if self.ready():
                self.ready_after = time.monotonic() - self.started
                return self.ready_after
            time.sleep(poll_s)
        raise StartError(f"{self.name} ne répond pas sur {self.health_url} après {timeout:.0f} s :\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        """The last lines of the log, without Python's warnings (Rasa prints dozens of
        deprecation warnings, each with its source line, that say nothing of a failure)."""
        if self._log is not None:
            self._log.flush()
        kept, skip_source = [], False
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if _WARNING.search(line):
                skip_source = True
                continue
            if skip_source and line.startswith((" ", "\t")):
                continue
            skip_source = False
            kept.append(line)
        return "\n".join(kept[-lines:])

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """As a crash would: no chance to clean up, workers included."""
        self.signal_group(signal.SIGKILL)
        self.process.wait()

    def terminate(self, grace_s: float = 20) -> None:
        """SIGTERM to the group, SIGKILL after `grace_s`; the log stays open for a restart."""
        if self.alive:
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        # Workers that outlived their parent go with it.
        self.signal_group(signal.SIGKILL)

    def restart(self, timeout: float) -> float:
        """The same command again (same port), once the old one is gone; waits until ready."""
        self.terminate(grace_s=30)
        self._append = True
        return self.start().wait_ready(timeout)

    def stop(self, grace_s: float = 20) -> None:
        if self.process is not None:
            self.terminate(grace_s)
        self.close()

    def close(self) -> None:
        if self._copier is not None:
            self._copier.join(timeout=5)
            self._copier = None
        if self._log is not None:
            self._log.close()
            self._log = None
