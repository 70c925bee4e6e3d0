"""Deliveries already taken: a webhook request that arrives again is processed once, and
a delivery whose server died is processed by the next one.

A platform's signature proves who wrote a request, not that it is new: anyone who saw one
signed request (a proxy's log, a debugging tool) can post it again, and the platforms
themselves deliver an update again when they think the first delivery failed. Each
channel therefore names what identifies a delivery (Telegram's `update_id`, Messenger's
`mid`, Twilio's `MessageSid`, the Bot Framework activity's `id`, Slack's `event_id`) and
handles it inside `delivery(channel, id)`, once the request is known to be authentic.

A delivery id goes through two states:

- « in progress » (`IN_PROGRESS_TTL_S`), set when a server takes the delivery: another
  copy that arrives meanwhile is not processed (`Delivery.busy`; the channel asks the
  platform to try again later, so that the message survives a death of the first
  attempt);
- « done » (`TTL_S`, a day: Telegram keeps an undelivered update for 24 hours, the other
  platforms retry for less), once the turn has been handled: its answer sent, or ended in
  a way a retry would not change. Copies are then ignored, with the 2xx the platform needs
  to stop.

If the server dies during the turn, nobody marks the delivery done: the « in progress »
mark expires and the next copy the platform sends is processed by whichever server gets
it. The channel passes `message_id(channel, id)` as the Rasa message's id, so that if the
dead server had saved the turn, the new one answers it from the conversation's record
instead of processing it twice (bot/rasa_server/processed_messages.py). If handling raises
before the platform got its answer (an error, a cancelled request), the mark is removed at
once: the platform's retry goes through.

Marks are kept, per channel:

- in this process's memory by default, at most `MAX_PER_CHANNEL` ids per channel and state
  (the oldest forgotten first);
- in Redis when the deployment keeps its conversation locks there (BOUSSOLE_LOCK_STORE =
  redis://…, read by bot/config/settings.py), under `<BOUSSOLE_LOCK_PREFIX>:replay:<channel>:<id>`,
  so that several Rasa servers behind nginx share them: taking a delivery is one atomic
  script (set « in progress » unless a mark exists), so that two servers receiving the
  same delivery at once process it once; the value of an « in progress » mark names the
  attempt, so that an attempt only removes its own mark.
  If Redis does not answer, this process's memory takes over (with a warning): a message
  is never lost because Redis is down.

Used from Rasa's process (bot/rasa_server/channels/).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping

from bot.config import settings
from bot.config.settings import Settings
from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis

logger = logging.getLogger(__name__)

TTL_S = 24 * 3600
# How long a delivery stays « in progress » without being marked done. It must outlast a
# turn on a live server, or a platform's retry would start the turn again meanwhile (it
# would then wait for the conversation's lock and be answered from the record: the user
# reads the answer twice). A turn holds its conversation at most Rasa's lock lifetime
# (LOCK_LIFETIME, 60 s: bot/multiserver/lock_store.py renews a ticket no longer), and may
# first wait about as long behind the conversation's previous message: twice that. Longer
# would only delay the turn of a server that died, which the platform sends again later.
IN_PROGRESS_TTL_S = 120
MAX_PER_CHANNEL = 50_000
# Longer ids (Slack's signature, used when a request carries no id) are kept as a digest.
MAX_ID_CHARS = 100
REDIS_TIMEOUT_S = 2.0

IN_PROGRESS = "in-progress"
DONE = "done"
_IN_PROGRESS_VALUE = "progress:"


def _key(delivery_id: str) -> str:
    delivery_id = str(delivery_id)
    if len(delivery_id) > MAX_ID_CHARS:
        return "sha256-" + hashlib.sha256(delivery_id.encode("utf-8")).hexdigest()
    return delivery_id


# The ids the REST channel and the website accept (bot/rasa_client.check_message_id).
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def message_id(channel: str, delivery_id) -> str | None:
    """The Rasa message id of a delivery: the same for every copy the platform sends, so
    that a turn already saved is answered from the record (processed_messages.py)."""
    if delivery_id is None or str(delivery_id) == "":
        return None
    plain = f"{channel}:{delivery_id}"
    if _PLAIN_ID.match(plain):
        return plain
    return f"{channel}:sha256-" + hashlib.sha256(str(delivery_id).encode("utf-8")).hexdigest()[:40]


class MemorySeen:
    """Marks of this process: « in progress » for `in_progress_ttl` seconds, « done » for
    `ttl`, at most `max_size` of each per channel."""

    def __init__(
        self,
        ttl: float = TTL_S,
        max_size: int = MAX_PER_CHANNEL,
        clock: Callable[[], float] = time.monotonic,
        in_progress_ttl: float = IN_PROGRESS_TTL_S,
    ) -> None:
        self.ttl, self.max_size, self.clock, self.in_progress_ttl = ttl, max_size, clock, in_progress_ttl
        # state → channel → id → (expiry, attempt); one TTL per state, so that insertion
        # order is expiry order.
        self._marks: dict[str, dict[str, OrderedDict[str, tuple[float, str]]]] = {IN_PROGRESS: {}, DONE: {}}

    def _channel(self, state: str, channel: str, now: float) -> OrderedDict[str, tuple[float, str]]:
        marks = self._marks[state].setdefault(channel, OrderedDict())
        while marks:
            oldest, (expiry, _) = next(iter(marks.items()))
            if expiry > now:
                break
            del marks[oldest]
        return marks

    def take_now(self, channel: str, delivery_id: str) -> tuple[str | None, str]:
        """(None, attempt) when the delivery is now this attempt's, else (its state, "")."""
        now = self.clock()
        key = _key(delivery_id)
        if key in self._channel(DONE, channel, now):
            return DONE, ""
        in_progress = self._channel(IN_PROGRESS, channel, now)
        if key in in_progress:
            return IN_PROGRESS, ""
        attempt = uuid.uuid4().hex
        self._put(in_progress, key, now + self.in_progress_ttl, attempt)
        return None, attempt

    def done_now(self, channel: str, delivery_id: str) -> None:
        now = self.clock()
        key = _key(delivery_id)
        self._channel(IN_PROGRESS, channel, now).pop(key, None)
        done = self._channel(DONE, channel, now)
        done.pop(key, None)
        self._put(done, key, now + self.ttl, "")

    def release_now(self, channel: str, delivery_id: str, attempt: str) -> None:
        in_progress = self._channel(IN_PROGRESS, channel, self.clock())
        key = _key(delivery_id)
        if key in in_progress and in_progress[key][1] == attempt:
            del in_progress[key]

    def _put(self, marks: OrderedDict, key: str, expiry: float, attempt: str) -> None:
        marks[key] = (expiry, attempt)
        while len(marks) > self.max_size:
            marks.popitem(last=False)

    async def take(self, channel: str, delivery_id: str) -> tuple[str | None, str]:
        return self.take_now(channel, delivery_id)

    async def done(self, channel: str, delivery_id: str) -> None:
        self.done_now(channel, delivery_id)

    async def release(self, channel: str, delivery_id: str, attempt: str) -> None:
        self.release_now(channel, delivery_id, attempt)

    def __len__(self) -> int:
        return sum(len(marks) for channels in self._marks.values() for marks in channels.values())


# The mark if there is one, else « in progress » for this attempt: one step, so that two
# servers taking the same delivery at once cannot both get it.
_TAKE = """
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
"""
# Removes the mark only while it is this attempt's « in progress » one.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisSeen:
    """Marks shared by every server of this Redis."""

    def __init__(
        self,
        config: Mapping,
        ttl: float = TTL_S,
        fallback: MemorySeen | None = None,
        in_progress_ttl: float = IN_PROGRESS_TTL_S,
    ) -> None:
        # `config`: the lock store's entry of the endpoints (bot/runtime_files.lock_store).
        self.redis = SharedRedis(config, REDIS_TIMEOUT_S)
        self.config = self.redis.config
        self.ttl, self.in_progress_ttl = ttl, in_progress_ttl
        self.fallback = fallback or MemorySeen(ttl, in_progress_ttl=in_progress_ttl)

    def redis_key(self, channel: str, delivery_id: str) -> str:
        return self.redis.key("replay", channel, _key(delivery_id))

    def _warn(self, error: BaseException) -> None:
        logger.warning(
            "Rejeux : Redis ne répond pas (%s) ; les identifiants déjà vus sont gardés en mémoire "
            "de ce serveur seulement.",
            type(error).__name__,
        )

    async def take(self, channel: str, delivery_id: str) -> tuple[str | None, str]:
        attempt = uuid.uuid4().hex
        try:
            current = await self.redis.client().eval(
                _TAKE,
                1,
                self.redis_key(channel, delivery_id),
                _IN_PROGRESS_VALUE + attempt,
                max(1, int(self.in_progress_ttl)),
            )
        except shared_redis.unavailable_errors() as error:
            self._warn(error)
            state, attempt = self.fallback.take_now(channel, delivery_id)
            return state, ("memory:" + attempt if state is None else "")
        if current is None:
            return None, attempt
        if isinstance(current, bytes):
            current = current.decode("utf-8", "replace")
        # Any other value is « done » (« 1 » was the only mark before there were two).
        return (IN_PROGRESS if current.startswith(_IN_PROGRESS_VALUE) else DONE), ""

    async def done(self, channel: str, delivery_id: str) -> None:
        try:
            await self.redis.client().set(self.redis_key(channel, delivery_id), DONE, ex=max(1, int(self.ttl)))
        except shared_redis.unavailable_errors() as error:
            # Its « in progress » mark, if Redis holds one, expires: a later copy is
            # answered from the record.
            self._warn(error)
            self.fallback.done_now(channel, delivery_id)

    async def release(self, channel: str, delivery_id: str, attempt: str) -> None:
        if attempt.startswith("memory:"):
            self.fallback.release_now(channel, delivery_id, attempt.removeprefix("memory:"))
            return
        try:
            await self.redis.client().eval(
                _RELEASE, 1, self.redis_key(channel, delivery_id), _IN_PROGRESS_VALUE + attempt
            )
        except shared_redis.unavailable_errors() as error:
            # The mark expires by itself after IN_PROGRESS_TTL_S.
            self._warn(error)

    async def close(self) -> None:
        await self.redis.close()


def from_settings(settings_: Settings | None = None):
    """Redis when the lock store is there, else this process's memory."""
    config = (settings_ or settings.current()).lock_store
    if config.get("type") == "in_memory":
        return MemorySeen()
    return RedisSeen(config)


_store = None


def store():
    """This process's store, built from the environment on first use (a wrong
    BOUSSOLE_LOCK_STORE has stopped the process at start, bot/config/settings.py)."""
    global _store
    if _store is None:
        _store = from_settings()
    return _store


class Delivery:
    """One delivery as this attempt found it."""

    def __init__(self, channel: str, delivery_id: str | None, state: str | None, attempt: str = "") -> None:
        self.channel, self.id, self.attempt = channel, delivery_id, attempt
        # None: this attempt processes it; IN_PROGRESS or DONE: another attempt has it.
        self.state = state
        # For a channel whose turn outlives its request (Slack): the turn marks it done.
        self.turn_started = False

    @property
    def new(self) -> bool:
        return self.state is None

    @property
    def busy(self) -> bool:
        """Another attempt is processing it: the platform should send it again later."""
        return self.state == IN_PROGRESS

    @property
    def message_id(self) -> str | None:
        return message_id(self.channel, self.id)

    async def done(self) -> None:
        if self.new and self.id is not None:
            await store().done(self.channel, self.id)

    async def release(self) -> None:
        if self.new and self.id is not None:
            await store().release(self.channel, self.id, self.attempt)


async def take(channel: str, delivery_id) -> Delivery:
    """This delivery of `channel`, marked « in progress » when it is new. A missing id
    (None, empty) cannot be checked: the delivery counts as new, and leaves no mark."""
    if delivery_id is None or str(delivery_id) == "":
        return Delivery(channel, None, None)
    delivery_id = str(delivery_id)
    state, attempt = await store().take(channel, delivery_id)
    return Delivery(channel, delivery_id, state, attempt)


@contextlib.asynccontextmanager
async def delivery(channel: str, delivery_id) -> AsyncIterator[Delivery]:
    """The delivery, marked done when the block ends, or released when it raises (and
    when the request is cancelled): the platform's retry then goes through."""
    current = await take(channel, delivery_id)
    try:
        yield current
    except BaseException:
        await current.release()
        raise
    await current.done()
