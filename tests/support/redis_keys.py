"""A key prefix of a test's own on the test Redis, with a client to read it; every key under
it is removed at the end. The server is required: `make test` starts or installs it
(scripts/ensure_redis.sh)."""

from __future__ import annotations

import contextlib
import uuid

import pytest

REDIS_TEST_URL = "redis://127.0.0.1:6379/12"


@contextlib.contextmanager
def own_prefix(stem: str = "test"):
    """(prefix, client) for the duration of the block."""
    import redis

    prefix = f"{stem}{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis injoignable sur {REDIS_TEST_URL} ({exc}) ; lancez scripts/ensure_redis.sh")
    try:
        yield prefix, client
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
