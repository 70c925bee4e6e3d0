"""How the Twilio, Messenger and Bot Framework connectors call their platform's API: without
holding Rasa's event loop, within a time limit, and never failing the turn.

Rasa's own connectors call these APIs through `requests` (Twilio's client, fbmessenger)
inside the server's event loop: while one platform took five seconds to answer, every
conversation of that Rasa server, on every channel, waited those five seconds. Here each
call is an aiohttp request limited to `SEND_TIMEOUT_S`; a platform that refuses a reply,
fails or is too slow costs its own conversation that wait at most, and is logged (in
French, without the URL or the request, which may carry a secret), never raised into the
turn: the conversation's next actions still run and are recorded.

Used from Rasa's process (bot/rasa_server/channels/).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

# Well above the second or so a platform takes, well below the 15 s after which Twilio and
# the Bot Framework give up on the webhook that is waiting for this turn.
SEND_TIMEOUT_S = 10.0
# Enough of a refusal's body to know why (« Invalid OAuth access token », « chat not found »).
REASON_CHARS = 200


async def post(platform: str, what: str, url: str, **request: Any) -> dict | None:
    """POSTs to `url` (`request`: aiohttp's json=, data=, params=, headers=, auth=). Returns
    the JSON object of a 2xx answer ({} when it holds none), or None after logging, in
    French, why `what` (« la réponse », « l'indicateur typing_on »…) was not sent."""
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(url, **request) as answer:
                body = await answer.text()
                status = answer.status
    except asyncio.TimeoutError:
        logger.error("%s : échec de l'envoi de %s (pas de réponse en %g s).", platform, what, SEND_TIMEOUT_S)
        return None
    except aiohttp.ClientError as error:
        logger.error("%s : échec de l'envoi de %s (plateforme injoignable : %s).", platform, what, type(error).__name__)
        return None
    if not 200 <= status < 300:
        reason = " ".join(body.split())[:REASON_CHARS]
        logger.error("%s : échec de l'envoi de %s (HTTP %s : %s).", platform, what, status, reason)
        return None
    try:
        parsed = json.loads(body) if body.strip() else {}
    except ValueError:
        parsed = {}
    return parsed if isinstance(parsed, dict) else {}
