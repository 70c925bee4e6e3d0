"""The load generator (bench/load.py) against a small real HTTP server: answers are
checked, so that a path that answers wrongly or fails cannot look fast, and every client
starts a new conversation after each scripted one."""

import asyncio

from aiohttp import web

from bench import load
from bench.load import RestPath, Turn

CONVERSATION = [
    Turn("Que fait Business France ?", "ask_organisation", ("Business France",)),
    Turn("et la Bpifrance ?", "ask_organisation", ("Bpifrance",)),
]


async def _serve(answer):
    """A REST channel lookalike on a free port; `answer(sender, message)` gives the reply."""
    seen = []

    async def webhook(request):
        body = await request.json()
        seen.append(body["sender"])
        status, text = answer(body["sender"], body["message"])
        return web.json_response([{"recipient_id": body["sender"], "text": text}], status=status)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}", seen


def _play(answer, clients, turns):
    async def scenario():
        runner, url, seen = await _serve(answer)
        try:
            result = await load.run_load([RestPath(url)], [CONVERSATION], clients, turns=turns)
        finally:
            await runner.cleanup()
        return result, seen

    return asyncio.run(scenario())


def test_right_answers_are_counted_with_their_latency_and_conversations_renew():
    result, senders = _play(lambda sender, message: (200, f"Réponse à « {message} »"), 3, 12)
    figures = result["paths"]["rest"]
    assert figures["turns_ok"] == 12 and figures["turns_failed"] == 0
    assert figures["p50_ms"] is not None and figures["p50_ms"] <= figures["p99_ms"]
    # 3 clients, 12 turns, 2 turns per conversation: 6 conversations, each its own sender.
    assert len(set(senders)) == 6
    assert all(senders.count(sender) == 2 for sender in set(senders))


def test_a_wrong_answer_or_an_error_is_a_failed_turn_not_a_fast_one():
    def answer(sender, message):
        if "Bpifrance" in message:
            return 500, "erreur"
        return 200, "Je ne suis pas sûr d'avoir compris."

    result, _ = _play(answer, 2, 8)
    figures = result["paths"]["rest"]
    assert figures["turns_ok"] == 0 and figures["turns_failed"] == 8
    assert figures["errors"] == {"wrong_answer": 4, "http_500": 4}
    assert figures["p50_ms"] is None and figures["throughput_per_s"] == 0
    assert any("Business France" in example for example in figures["error_examples"])


def test_nearest_rank_percentiles():
    values = sorted(float(v) for v in range(1, 101))
    assert (load.percentile(values, 50), load.percentile(values, 95), load.percentile(values, 99)) == (50, 95, 99)
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([], 50) is None
