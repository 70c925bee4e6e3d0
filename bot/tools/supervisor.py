"""Starts the processes of a multi-server deployment on this machine, says how their start is going, and
stops them all, checking that none is left.

Each process gets a session (and process group) of its own: the terminal's Ctrl-C then
reaches only the supervisor, which stops the processes itself, nginx first so that no
new request comes in, and can tell when everything is gone. A process that ignores
SIGTERM is killed after the grace period, with whatever it started.

Once everything has started, a process that stops is started again, as systemd's
`Restart=on-failure` does in production (docs/deploy.md): after 1 s, then 2, 4, 8 and
16 s if it keeps stopping, each step said in French; after `MAX_RESTARTS` restarts in a
row that did not hold, the supervisor gives up and stops everything. Meanwhile nginx
sends the requests to the other servers of its kind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.tools.processes import Process

PROGRESS_EVERY_S = 10
# Rasa needs 8–10 s to stop on SIGTERM (rasa_notes.md P14); more when the machine is busy.
STOP_GRACE_S = 30
# Restarts: the first after FIRST_BACKOFF_S, each next one after twice as long; a process
# that had served for HELD_AFTER_S before stopping starts the count again.
FIRST_BACKOFF_S = 1.0
MAX_RESTARTS = 5
HELD_AFTER_S = 30


@dataclass
class Part:
    name: str
    argv: list
    env: dict
    health_url: str | None = None
    # What the part is doing while it starts, for the progress lines.
    waiting: str = "démarrage"
    # Replicas of one kind share a group: while one restarts, the log says which serve.
    group: str = ""
    # Stopped first: the entry point, so that no request reaches a stopping server.
    stops_first: bool = False
    # Its log also shown on the supervisor's output, each line after this prefix (`make run`).
    echo_prefix: str | None = None
    # Polled only once every other part answers: its health check reports theirs (the
    # website's /healthz), and polling it sooner only fills its log.
    ready_last: bool = False


class StopRequest:
    """Counts Ctrl-C (and SIGTERM, SIGHUP): the first asks for a clean stop, the second
    for a forced one."""

    def __init__(self):
        self.count = 0

    def __call__(self, signum, frame):
        self.count += 1

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self)

    def stop(self) -> bool:
        return self.count >= 1

    def force(self) -> bool:
        return self.count >= 2


class Running(Process):
    """A part once started: its process, its log appended to from run to run, whether it
    answered and whether its exit was already reported."""

    def __init__(self, part: Part, log_dir: Path, cwd: Path):
        slug = re.sub(r"[^a-z0-9]+", "-", part.name.lower()).strip("-")
        super().__init__(
            part.name,
            part.argv,
            part.env,
            log_dir / f"{slug}.log",
            cwd=cwd,
            health_url=part.health_url,
            append_log=True,
            echo_prefix=part.echo_prefix,
        )
        self.part = part
        self.reported_exit = False
        # Restarts in a row that did not hold, when the next one is due, and when it stopped.
        self.restarts = 0
        self.restart_at: float | None = None
        self.stopped_at: float | None = None
        self.start()

    def start(self) -> Running:
        self.reported_exit = False
        return super().start()

    def tail(self, lines: int = 15) -> str:
        return "\n".join("    " + line for line in super().tail(lines).splitlines())


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    import psutil

    members = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(process.info["pid"]) == pgid:
                members.append(process.info["pid"])
        except (ProcessLookupError, psutil.Error):
            continue
    return members


class Supervisor:
    def __init__(self, log_dir: Path, cwd: Path, say: Callable[[str], None] = print):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.cwd = cwd
        self.say = say
        self.running: list[Running] = []

    def start(self, part: Part) -> Running:
        running = Running(part, self.log_dir, self.cwd)
        self.running.append(running)
        return running

    def newly_dead(self) -> list[Running]:
        dead = [r for r in self.running if not r.alive and not r.reported_exit]
        for running in dead:
            running.reported_exit = True
        return dead

    def _exit_note(self, running: Running) -> str:
        code = running.process.returncode
        how = f"tué par le signal {-code}" if code < 0 else f"code {code}"
        return (
            f"✘ {running.part.name} s'est arrêté ({how}). Fin de son journal ({running.log_path}) :\n{running.tail()}"
        )

    def wait_ready(self, timeout_s: float, stop_requested: Callable[[], bool]) -> bool:
        """Polls every part's health URL until all answer; says which are ready and, every
        few seconds, which are still starting. False if one stops, on timeout, or on Ctrl-C."""
        start = last_note = time.monotonic()
        while True:
            others_ready = all(r.ready_after is not None for r in self.running if not r.part.ready_last)
            for running in self.running:
                if running.part.ready_last and not others_ready:
                    continue
                if running.ready_after is None and running.ready():
                    running.ready_after = time.monotonic() - running.started
                    self.say(f"✔ {running.part.name} prêt ({running.ready_after:.0f} s)")
            dead = self.newly_dead()
            if dead:
                for running in dead:
                    self.say(self._exit_note(running))
                return False
            waiting = [r for r in self.running if r.ready_after is None]
            if not waiting:
                return True
            if stop_requested():
                return False
            elapsed = time.monotonic() - start
            if elapsed > timeout_s:
                names = ", ".join(r.part.name for r in waiting)
                self.say(f"✘ Toujours pas prêt après {timeout_s:.0f} s : {names}. Journaux : {self.log_dir}/")
                return False
            if time.monotonic() - last_note >= PROGRESS_EVERY_S:
                doing = ", ".join(f"{r.part.name} ({r.part.waiting})" for r in waiting)
                self.say(f"… {elapsed:.0f} s, en attente de : {doing}")
                last_note = time.monotonic()
            time.sleep(0.5)

    def watch(self, stop_requested: Callable[[], bool]) -> None:
        """Until Ctrl-C: reports any process that stops and starts it again after its
        back-off, says when it serves again, and returns when one keeps stopping."""
        while not stop_requested():
            now = time.monotonic()
            for running in self.newly_dead():
                self.say(self._exit_note(running))
                if not self._schedule_restart(running, now):
                    self.say(f"✘ {running.part.name} ne redémarre pas après {MAX_RESTARTS} essais : arrêt de tout.")
                    return
            for running in self.running:
                if running.restart_at is not None and now >= running.restart_at:
                    running.restart_at = None
                    running.start()
                elif running.stopped_at is not None and running.alive and running.ready():
                    running.ready_after = now - running.started
                    self.say(
                        f"✔ {running.part.name} de nouveau prêt ({now - running.stopped_at:.0f} s après son arrêt)."
                    )
                    running.stopped_at = None
            time.sleep(0.5)

    def _schedule_restart(self, running: Running, now: float) -> bool:
        """Plans the restart of a process that stopped and says so; False once it has
        stopped MAX_RESTARTS times in a row without holding."""
        served_since = None if running.ready_after is None else running.started + running.ready_after
        held = served_since is not None and now - served_since >= HELD_AFTER_S
        running.restarts = 1 if held else running.restarts + 1
        if running.restarts > MAX_RESTARTS:
            return False
        # Whatever it started (workers) would keep its port from the new one.
        running.signal_group(signal.SIGKILL)
        group = running.part.group
        survivors = [r for r in self.running if r.alive and group and r.part.group == group]
        if survivors:
            self.say(f"nginx envoie les requêtes aux autres : {', '.join(r.part.name for r in survivors)}.")
        delay = FIRST_BACKOFF_S * 2 ** (running.restarts - 1)
        running.restart_at = now + delay
        running.stopped_at = running.stopped_at or now
        self.say(f"↻ {running.part.name} redémarre dans {delay:g} s (essai {running.restarts} sur {MAX_RESTARTS}).")
        return True

    def stop(self, grace_s: float = STOP_GRACE_S, force_requested: Callable[[], bool] = lambda: False) -> list[int]:
        """SIGTERM to every process group (the entry points first), SIGKILL to what is
        left after `grace_s` or at a second Ctrl-C. Returns the pids still alive after
        that (none expected)."""
        first = [r for r in self.running if r.part.stops_first]
        for batch, limit in ((first, min(5.0, grace_s)), (self.running, grace_s)):
            for running in batch:
                if running.alive:
                    running.signal_group(signal.SIGTERM)
            deadline = time.monotonic() + limit
            last_note = time.monotonic()
            while any(r.alive for r in batch) and time.monotonic() < deadline and not force_requested():
                if time.monotonic() - last_note >= 5:
                    names = ", ".join(r.part.name for r in batch if r.alive)
                    self.say(f"… arrêt en cours : {names} (Ctrl-C encore une fois pour forcer)")
                    last_note = time.monotonic()
                time.sleep(0.2)
        for running in self.running:
            # Whatever the process started lives on in its group: killed with it.
            running.signal_group(signal.SIGKILL)
            try:
                running.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        leftovers = []
        deadline = time.monotonic() + 5
        for running in self.running:
            members = _group_members(running.pgid)
            while members and time.monotonic() < deadline:
                time.sleep(0.2)
                members = _group_members(running.pgid)
            leftovers += members
            running.close()
        return leftovers

    def run(self, parts: list[Part], ready_timeout_s: float, banner: str) -> int:
        """Starts `parts`, says `banner` once all answer, then watches them until Ctrl-C
        (or until one keeps stopping) and stops everything. 0 after a Ctrl-C with nothing
        left behind, 1 otherwise."""
        stop = StopRequest()
        stop.install()
        code = 0
        try:
            for part in parts:
                self.start(part)
            if self.wait_ready(ready_timeout_s, stop.stop):
                self.say(banner)
                self.watch(stop.stop)
            if not stop.stop():
                code = 1
        finally:
            self.say("==> Arrêt de tous les processus…")
            leftovers = self.stop(force_requested=stop.force)
        if leftovers:
            self.say(f"✘ Processus encore présents après l'arrêt : {', '.join(map(str, leftovers))}.")
            return 1
        self.say(f"✔ Tout est arrêté ({len(self.running)} processus, aucun restant).")
        return code
