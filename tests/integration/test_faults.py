"""Faults while people are talking: the action server dies, Rasa restarts, fifty
companies talk at once. The assistant answers politely, keeps every conversation's
state, and never mixes two conversations.

These tests stop and restart the session's shared servers (same ports, same files), and
leave them running for the tests after them.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from bot.rasa_server.message_checks import NO_ANSWER
from bot.website.sessions import sender_of
from tests.integration.conftest import ADMIN_TOKEN, RASA_TOKEN

# « Within a few seconds »: a request still unanswered by then is a hang.
FEW_SECONDS = 10


def chat(website, message: str, session_id: str, timeout: float = 60) -> list:
    response = requests.post(
        f"{website.url}/api/chat", json={"message": message, "session_id": session_id}, timeout=timeout
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def text_of(messages) -> str:
    return "\n".join(m["text"] for m in messages)


def slots(rasa_server, session_id: str) -> dict:
    """The slots of a website conversation, read from Rasa under the website's sender."""
    response = requests.get(
        f"{rasa_server.url}/conversations/{sender_of(session_id)}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["slots"]


def test_action_server_killed_mid_conversation(website, action_server, kb):
    session = uuid.uuid4().hex
    vie = kb.get("programme", "vie")
    assert vie["name"] in text_of(chat(website, "C'est quoi le V.I.E ?", session))

    action_server.kill()
    try:
        answer = chat(website, "et c'est pour qui ?", session, timeout=FEW_SECONDS)
        assert text_of(answer) == NO_ANSWER
        # Turns that need no action still get their usual answer meanwhile.
        assert "plaisir" in text_of(chat(website, "merci", session, timeout=FEW_SECONDS))
    finally:
        action_server.restart()

    text = text_of(chat(website, "et c'est pour qui ?", session))
    assert vie["name"].split(" ")[0] in text and "éligib" in text
    assert vie["sources"][0]["url"] in text

    # The advisers see the failed turn on the review page, and only that one.
    adviser = requests.Session()
    login = adviser.post(f"{website.url}/admin/login", data={"token": ADMIN_TOKEN}, allow_redirects=False, timeout=10)
    assert login.status_code == 303, login.text
    page = adviser.get(f"{website.url}/admin/conversations/{sender_of(session)}", timeout=60)
    assert page.status_code == 200, page.text[:300]
    assert page.text.count("échec : aucune réponse enregistrée") == 1


def test_messaging_channels_apologise_while_the_action_server_is_down(rasa_server, action_server, fake_platforms):
    """Telegram and WhatsApp users get the same polite answer as the website's, not silence."""
    from tests.support import channel_requests as channels

    chat_id, number = channels.new_chat_id(), channels.new_whatsapp_number()
    action_server.kill()
    try:
        assert channels.telegram_post(rasa_server, channels.telegram_message(chat_id, "C'est quoi le V.I.E ?")).ok
        assert channels.twilio_post(rasa_server, number, "C'est quoi le V.I.E ?").ok
    finally:
        action_server.restart()
    assert [m["text"] for m in channels.telegram_sent(fake_platforms, chat_id)] == [NO_ANSWER]
    assert channels.twilio_bodies(fake_platforms, number) == [NO_ANSWER]


def test_messaging_channels_answer_an_oversized_message_without_the_model(rasa_server, fake_platforms):
    from tests.support import channel_requests as channels

    chat_id = channels.new_chat_id()
    assert channels.telegram_post(rasa_server, channels.telegram_message(chat_id, "export " * 2000)).ok
    sent = channels.telegram_sent(fake_platforms, chat_id)
    assert len(sent) == 1 and sent[0]["text"].startswith("Votre message est trop long (1")
    assert "2\u202f000 au plus" in sent[0]["text"]


def test_rasa_restarted_resumes_the_conversation_with_its_slots(website, rasa_server, kb):
    session = uuid.uuid4().hex
    text = text_of(
        chat(
            website,
            "Nous sommes une entreprise de 40 salariés, secteur cosmétique et parfumerie, installée en Normandie.",
            session,
        )
    )
    assert "Effectif : 40 salariés" in text
    chat(website, "C'est quoi l'Assurance Prospection ?", session)
    before = slots(rasa_server, session)
    assert (before["headcount"], before["region"], before["sector"], before["programme"]) == (
        "40",
        "normandie",
        "cosmetique",
        "assurance-prospection",
    )

    rasa_server.kill()
    try:
        down = requests.post(
            f"{website.url}/api/chat",
            json={"message": "et c'est pour qui ?", "session_id": session},
            timeout=FEW_SECONDS,
        )
        assert down.status_code == 503 and "indisponible" in down.json()["error"]
    finally:
        rasa_server.restart()

    after = slots(rasa_server, session)
    assert {k: after[k] for k in before if before[k] is not None} == {k: v for k, v in before.items() if v is not None}
    text = text_of(chat(website, "et c'est pour qui ?", session))
    assert kb.get("programme", "assurance-prospection")["name"] in text
    # The profile given before the restart is used after it.
    assert "Région Normandie" in text


PROFILES = [
    (5 + 7 * i, region, sector)
    for i, (region, sector) in enumerate(
        (r, s)
        for r in (
            "bretagne",
            "occitanie",
            "grand-est",
            "normandie",
            "hauts-de-france",
            "nouvelle-aquitaine",
            "pays-de-la-loire",
            "ile-de-france",
            "auvergne-rhone-alpes",
            "centre-val-de-loire",
        )
        for s in ("agroalimentaire", "cosmetique", "aeronautique", "numerique", "textile-mode-luxe")
    )
]
PROGRAMMES = ("assurance-prospection", "vie", "pret-croissance-international", "assurance-credit-export", "carnet-ata")


def _conversation(website, kb, index: int) -> dict:
    headcount, region, sector = PROFILES[index]
    session = f"{index:02x}{uuid.uuid4().hex[2:]}"
    statement = (
        f"Nous sommes une entreprise de {headcount} salariés, secteur {kb.name('sector', sector).lower()}, "
        f"installée en {kb.name('region', region)}."
    )
    first = text_of(chat(website, statement, session, timeout=120))
    programme = PROGRAMMES[index % len(PROGRAMMES)]
    second = text_of(chat(website, f"Parlez-moi de {kb.name('programme', programme)}", session, timeout=120))
    third = text_of(chat(website, "et c'est pour qui ?", session, timeout=120))
    return {"session": session, "profile": PROFILES[index], "programme": programme, "answers": (first, second, third)}


def test_fifty_concurrent_companies_never_see_each_other(website, rasa_server, kb):
    assert len(PROFILES) == 50
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda i: _conversation(website, kb, i), range(50)))
    problems = []
    for result in results:
        headcount, region, sector = result["profile"]
        first, second, third = result["answers"]
        name = kb.name("programme", result["programme"])
        if f"Effectif : {headcount} salariés" not in first or f"Région {kb.name('region', region)}" not in first:
            problems.append(f"{result['session']} : profil mal repris : {first[:160]!r}")
        if name not in second or name not in third:
            problems.append(f"{result['session']} : réponse sur un autre dispositif que {name}")
        others = {f"Effectif : {h} salariés" for h, _, _ in PROFILES if h != headcount}
        if any(other in first + third for other in others):
            problems.append(f"{result['session']} : l'effectif d'une autre entreprise apparaît")
        state = slots(rasa_server, result["session"])
        if (state["headcount"], state["region"], state["sector"], state["programme"]) != (
            str(headcount),
            region,
            sector,
            result["programme"],
        ):
            problems.append(
                f"{result['session']} : créneaux {state['headcount']}, {state['region']}, "
                f"{state['sector']}, {state['programme']}"
            )
    assert not problems, "\n".join(problems[:15])
