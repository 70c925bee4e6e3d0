"""Gives the action server its in-memory knowledge base, loaded once off the event loop."""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from bot import settings
from bot.knowledge import store
from bot.knowledge.snapshot import KnowledgeBase

log = logging.getLogger(__name__)
_knowledge_base: Optional[KnowledgeBase] = None


def load_snapshot(url: Optional[str] = None) -> KnowledgeBase:
    return KnowledgeBase(store.read_records(store.make_engine(url or settings.db_url())))


async def get_knowledge_base() -> Optional[KnowledgeBase]:
    """The snapshot, or None when the database cannot be read (the next call retries)."""
    global _knowledge_base
    if _knowledge_base is None:
        try:
            snapshot = await asyncio.get_running_loop().run_in_executor(None, load_snapshot)
        except Exception as exc:  # noqa: BLE001 - any failure means « not available yet »
            log.error("Base de connaissances illisible : %s", exc)
            return None
        _knowledge_base = snapshot
        log.info("Base de connaissances chargée : %s", snapshot.counts())
    return _knowledge_base
