"""What the advice engine reads from a conversation: answers to the profile form's
questions, the contact details for the dossier, and, from the tracker's events, the
programmes discussed, the questions left unanswered and the consent given.

Events are the plain dicts Rasa sends to the action server."""

from __future__ import annotations

import json
import re

from bot.core import message_parts, quantities
from bot.core.advice import company as advice_company
from bot.core.advice.company import NOT_GIVEN
from bot.core.advice.handover import parse_contact
from bot.core.replies import message
from bot.core.text import fold
from bot.knowledge.snapshot import KnowledgeBase
from bot.website.review import unanswered

CANCELLED = "annule"
_CANCEL = re.compile(
    r"^(annule[rz]?|annulation|stop|laisse[rz]? tomber|arrete[rz]?|finalement non|"
    r"je ne veux (plus|pas)|on arrete|(finalement )?pas de dossier)\b"
)
# Answers to the profile form are read from the text only when the message is not a
# question of its own (« et l'AP c'est pour 250 salariés max ? », « c'est quoi le V.I.E »).
# The classifier's topic alone does not decide: « jamais exporté » may come out as a
# question on where to start.
PROGRAMME_QUESTIONS = ("ask_programme", "ask_eligibility", "ask_amount", "ask_how_to_apply", "ask_programme_status")


def _is_question(intent: str, text: str) -> bool:
    return "?" in text or intent in PROGRAMME_QUESTIONS


def answer_to_profile_question(kb: KnowledgeBase, slot: str, text: str, intent: str, entities: dict) -> dict:
    """Slot values (normalised) that a message gives in answer to the form's question on
    `slot`; {} when it does not answer it."""
    if slot == "first_balance_sheet":
        answer = {"affirm": True, "deny": False}.get(intent)
        if answer is None:
            answer = advice_company.parse_yes_no(text)
        if answer is not None:
            return {slot: "true" if answer else "false"}
        return {slot: NOT_GIVEN} if quantities.is_skip(text) else {}
    if quantities.is_skip(text):
        return {slot: NOT_GIVEN}
    if slot == "sector":
        sector_id = advice_company.parse_sector(kb, entities.get("sector")) or advice_company.parse_sector(kb, text)
        return {slot: sector_id} if sector_id else {}
    if slot == "region":
        region_id, code = advice_company.parse_place(
            kb, entities.get("region") or text, entities.get("departement") or text
        )
        if region_id is None:
            return {}
        return {"region": region_id, "departement": code} if code else {"region": region_id}
    if slot == "need":
        obstacle_id = advice_company.parse_need(kb, entities.get("obstacle")) or advice_company.parse_need(kb, text)
        return {slot: obstacle_id} if obstacle_id else {}
    if slot == "country":
        country_id, zone = advice_company.parse_country(kb, entities.get("country") or text)
        # « un client ukrainien nous a contactés » names a nationality, not the market aimed at.
        if country_id and country_id in message_parts.nationalities(kb, text, (entities.get("country"),)):
            return {}
        return {slot: country_id or zone} if (country_id or zone) else {}
    numbers = {
        "headcount": (quantities.parse_headcount, str),
        "revenue": (quantities.parse_revenue, str),
        # A year alone stays a year (quantities.company_age_slot): « 29 mois » would be falsely precise.
        "company_age": (quantities.company_age_slot, str),
    }
    if slot in numbers:
        parser, render = numbers[slot]
        value = parser(entities.get(slot)) if entities.get(slot) else None
        # « environ 400 000 € » answers the revenue question, not the headcount one.
        other_number = any(entities.get(other) for other in numbers if other != slot)
        if value is None and not other_number and not _is_question(intent, text):
            value = parser(text)
        return {slot: render(value)} if value is not None else {}
    if slot == "export_experience":
        experience = advice_company.parse_export_experience(text) if not _is_question(intent, text) else None
        return {slot: experience} if experience else {}
    return {}


def contact_answer(text: str) -> str | None:
    """The handover_contact slot value for an answer: NOT_GIVEN, CANCELLED, the contact as
    JSON, or None when the answer is not understood."""
    folded = " ".join(re.findall(r"[a-z]+", fold(text or "")))
    if _CANCEL.search(folded):
        return CANCELLED
    if quantities.is_skip(text):
        return NOT_GIVEN
    contact = parse_contact(text)
    return json.dumps(contact.as_dict(), ensure_ascii=False) if contact else None


def contact_from_slot(value: str | None) -> dict:
    if not value or value in (NOT_GIVEN, CANCELLED):
        return {}
    try:
        contact = json.loads(value)
    except ValueError:
        return {}
    return contact if isinstance(contact, dict) else {}


def contact_not_understood() -> dict:
    return message(
        "Je n'ai trouvé ni adresse e-mail ni numéro de téléphone. Écrivez par exemple "
        "« marie.martin@exemple.fr, 06 12 34 56 78 », ou « passer » pour ne pas en laisser, "
        "ou « pas de dossier » pour ne rien enregistrer."
    )


def programmes_discussed(events: list) -> list:
    """Programme ids the conversation was about, in order of first mention."""
    found = []
    for event in events:
        if event.get("event") == "slot" and event.get("name") in ("programme", "pending_eligibility"):
            value = event.get("value")
            if isinstance(value, str) and value and value not in found:
                found.append(value)
        if event.get("event") == "slot" and event.get("name") == "advice_trace":
            for item in event.get("value") or []:
                if isinstance(item, dict) and item.get("programme") not in found:
                    found.append(item.get("programme"))
    return [pid for pid in found if pid]


def value_before_latest_message(events: list, slot: str):
    """The slot's value before the latest user message (None if it had none)."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    value = None
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return value


def open_questions(events: list) -> list:
    """User messages the bot did not answer, by the definition of the review pages' queue
    (bot/website/review/unanswered.py): not understood, out of scope, or « I have no reliable
    information on this »."""
    return [text for text, _ in unanswered.in_events(events)]


def consent_record(events: list, offer: str) -> str:
    """The offer as shown and the user's answer to it, word for word."""
    answer = ""
    offered = False
    for event in events:
        if event.get("event") == "action" and event.get("name") == "action_request_adviser":
            offered, answer = True, ""
        elif event.get("event") == "user" and offered and not answer:
            answer = event.get("text") or ""
    # A button sends its payload: record what the button said.
    answer = BUTTON_ANSWERS.get(answer.split("{")[0], answer)
    return f"{offer} — Réponse : « {answer} »"


BUTTON_ANSWERS = {"/affirm": "Oui, préparer le dossier (bouton)", "/deny": "Non merci (bouton)"}
