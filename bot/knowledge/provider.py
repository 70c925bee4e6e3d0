"""Gives the action server its in-memory knowledge base, and keeps it in step with the
database that `python -m bot kb load` writes.

The snapshot is read off the event loop on first use. From then on a daemon thread asks
the database for its content version (one row of kb_meta) every BOUSSOLE_KB_REFRESH_S
seconds (5 by default) and, when a load changed it, builds a new snapshot and swaps it in.
Every action server, on every host, follows the one shared database this way: nothing to
broadcast, no list of servers to keep, and a server that was down catches up at its first
check. The swap is one reference assignment and an action takes the snapshot once, so an
answer comes from the old knowledge base or the new one, never from a mix.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from bot.config import settings
from bot.knowledge import store
from bot.knowledge.snapshot import KnowledgeBase

log = logging.getLogger(__name__)
# A load that commits while the snapshot is being read forces a second, whole read; more
# than a few in a row means something rewrites the base in a loop.
MAX_READ_ATTEMPTS = 3


class LiveKnowledgeBase:
    """The snapshot of one database, replaced when the database's content version changes."""

    def __init__(self, url: str, refresh_s: float):
        self.url = url
        self.refresh_s = refresh_s
        self._engine = None
        # (content version, snapshot), replaced as a whole.
        self._current: tuple[str, KnowledgeBase] | None = None
        self._load_lock = threading.Lock()
        self._stop = threading.Event()
        self._watch_lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def snapshot(self) -> KnowledgeBase | None:
        current = self._current
        return current[1] if current else None

    @property
    def version(self) -> str | None:
        current = self._current
        return current[0] if current else None

    def _get_engine(self):
        if self._engine is None:
            self._engine = store.make_engine(self.url)
        return self._engine

    def refresh(self) -> bool:
        """Reads the database if there is no snapshot yet or if its content changed; True
        when a new snapshot was swapped in. Blocking: run it off the event loop. Raises
        (and keeps the current snapshot) when the database cannot be read."""
        with self._load_lock:
            engine = self._get_engine()
            version = store.content_version(engine)
            if self._current is not None and version == self._current[0]:
                return False
            for _ in range(MAX_READ_ATTEMPTS):
                # READ COMMITTED lets each query see a load committed in between: the
                # version read again after the tables tells whether that happened.
                records = store.read_records(engine)
                editorial = store.read_editorial(engine)
                settled = store.content_version(engine)
                if settled == version:
                    break
                version = settled
            else:
                raise store.DatabaseUnavailable("la base de connaissances a changé pendant chaque lecture")
            snapshot = KnowledgeBase(records, editorial=editorial)
            for prepare in _PREPARERS:
                prepare(snapshot)
            self._current = (version, snapshot)
            return True

    def watch(self) -> None:
        """Starts the thread that checks the version (once; never when refresh_s is 0)."""
        if self.refresh_s <= 0 or self._stop.is_set():
            return
        # Not the load lock: this runs on the event loop, which must not wait for a load.
        with self._watch_lock:
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="kb-refresh", daemon=True)
                self._watcher.start()

    def _watch(self) -> None:
        failing = False
        while not self._stop.wait(self.refresh_s):
            try:
                if self.refresh():
                    log.info("Base de connaissances rechargée (version %s) : %s", self.version, self.snapshot.counts())
                failing = False
            except Exception as exc:  # noqa: BLE001 - the old snapshot keeps answering
                if not failing:
                    log.warning(
                        "Base de connaissances : nouvelle version illisible (%s) ; la précédente reste "
                        "en service, nouvel essai dans %g s.",
                        exc,
                        self.refresh_s,
                    )
                failing = True
        self._dispose()

    def _dispose(self) -> None:
        with self._load_lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def stop(self, wait: bool = False) -> None:
        """Stops the watcher; it closes the database connections on its way out (at once
        when there is no watcher). `wait` blocks until then: never on the event loop."""
        self._stop.set()
        with self._watch_lock:
            watcher = self._watcher
        if watcher is None:
            self._dispose()
        elif wait:
            watcher.join(timeout=10)


_live: LiveKnowledgeBase | None = None
_live_lock = threading.Lock()


# What each process builds from a new snapshot before it answers with it (the action server's
# answer ranker): run in the loading thread, off the event loop.
_PREPARERS: list = []


def prepare_each_snapshot(prepare) -> None:
    """Registers `prepare(kb)`, called on each new snapshot before it is swapped in."""
    if prepare not in _PREPARERS:
        _PREPARERS.append(prepare)


def current() -> LiveKnowledgeBase:
    """The live knowledge base of this process, on BOUSSOLE_DB_URL as read at first use."""
    global _live
    with _live_lock:
        if _live is None:
            config = settings.current()
            _live = LiveKnowledgeBase(config.db_url, config.kb_refresh_s)
        return _live


def reset() -> None:
    """Forgets the snapshot and stops its watcher (tests; a clean shutdown)."""
    global _live
    with _live_lock:
        if _live is not None:
            _live.stop(wait=True)
        _live = None


async def get_knowledge_base() -> KnowledgeBase | None:
    """The snapshot, or None when the database cannot be read (the next call retries)."""
    live = current()
    if live.snapshot is None:
        try:
            loaded = await asyncio.get_running_loop().run_in_executor(None, live.refresh)
        except Exception as exc:  # noqa: BLE001 - any failure means « not available yet »
            log.error("Base de connaissances illisible : %s", exc)
            return None
        if loaded:
            log.info("Base de connaissances chargée (version %s) : %s", live.version, live.snapshot.counts())
        live.watch()
    return live.snapshot
