"""Multi-turn conversations with the advice engine, through the running website, the
trained model, the action server and the database: the profile form asks only what is
missing, the recommendations fit the company, eligibility is explained criterion by
criterion, and the handover stores a dossier only with consent."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import pytest

from bot.core.advice import handover
from bot.knowledge import store
from bot.website.sessions import sender_of
from tests.integration.conftest import ROOT, base_env
from tests.support.website_chat import chat, text_of

# What the profile form's question on each slot says (domain.yml, render.need_question).
QUESTIONS = {
    "sector": "secteur d'activité de votre entreprise",
    "region": "Dans quelle Région, quel département ou quelle ville êtes-vous installé",
    "headcount": "Combien de salariés compte votre entreprise",
    "revenue": "Quel est votre chiffre d'affaires annuel",
    "company_age": "Depuis quand votre entreprise existe-t-elle",
    "first_balance_sheet": "Avez-vous déjà clôturé un premier bilan",
    "export_experience": "Où en êtes-vous à l'export",
    "country": "Quel pays ou quelle zone visez-vous",
    "need": "Quel est votre besoin principal",
}
RECOMMENDED = "dispositifs qui vous correspondent le mieux"
# « Source : url (vérifié le …) », « Source non officielle : … », « (page du …, vérifié le …) ».
SOURCE = re.compile(
    r"Sources?(?: non officielles?)? : https?://\S+.*"
    r"\((?:page du \d{1,2}(?:er)? \w+ \d{4}, )?vérifié le \d{1,2}(er)? \w+ \d{4}\)"
)


def asked_slot(messages):
    last = messages[-1]["text"] if messages else ""
    found = [slot for slot, question in QUESTIONS.items() if question in last]
    return found[0] if found else None


def fill_profile_form(website, session, opening, answers, max_turns=12):
    """Sends `opening`, then answers each question of the form from `answers` until the
    recommendations come. Returns (slots asked in order, the recommendation messages)."""
    messages = chat(website, opening, session)
    asked = []
    for _ in range(max_turns):
        if RECOMMENDED in text_of(messages):
            return asked, messages
        slot = asked_slot(messages)
        assert slot is not None, f"ni question du formulaire ni recommandations :\n{text_of(messages)}"
        assert slot not in asked, f"question posée deux fois : {slot}\n{text_of(messages)}"
        assert slot in answers, f"question inattendue : {slot}"
        asked.append(slot)
        messages = chat(website, answers[slot], session)
    raise AssertionError(f"pas de recommandations après {max_turns} tours : {asked}")


def recommended_ids(kb, messages):
    ranked = []
    for message in messages:
        match = re.match(r"(\d)\. (.+) \(", message["text"])
        if match:
            pid = next(
                p["id"] for p in kb.all("programme") if message["text"].startswith(f"{match.group(1)}. {p['name']} (")
            )
            ranked.append(pid)
    return ranked


def assert_sound_recommendations(kb, messages, region):
    ids = recommended_ids(kb, messages)
    assert len(ids) == 5, text_of(messages)
    for pid in ids:
        programme = kb.get("programme", pid)
        assert programme["status"] not in ("ended", "paused")
        if programme["scope"] == "regional":
            assert region in programme["regions"]
    for message in messages:
        if re.match(r"\d\. ", message["text"]):
            assert SOURCE.search(message["text"])
            assert [b["title"] for b in message["buttons"]] == ["Détails", "Suis-je éligible ?", "Qui contacter ?"]
    return ids


def session_id():
    return uuid.uuid4().hex


def test_plastics_company_in_pays_de_la_loire_opening_mexico(website, kb):
    session = session_id()
    noted = text_of(
        chat(
            website,
            "Bonjour, nous sommes une PME de 60 salariés dans la plasturgie, installée en Pays de la Loire.",
            session,
        )
    )
    assert "Effectif : 60 salariés" in noted and "Pays de la Loire" in noted
    asked, messages = fill_profile_form(
        website,
        session,
        "Quels dispositifs nous conseillez-vous ? Nous voulons ouvrir un bureau commercial au Mexique.",
        {
            "revenue": "environ 9 millions d'euros",
            "company_age": "créée en 1998",
            "export_experience": "on vend un peu en Espagne",
            "need": "le risque de change sur le peso",
            "sector": "plasturgie",
        },
    )
    # Said earlier in the conversation: never asked again.
    assert not {"headcount", "region", "country"} & set(asked)
    ids = assert_sound_recommendations(kb, messages, "pays-de-la-loire")
    assert ids[0] == "assurance-change", ids
    assert "Marché visé : Mexique" in text_of(messages)
    peso = text_of(chat(website, "Et comment se protéger du risque de change sur le peso ?", session))
    assert kb.get("obstacle", "risque-change")["sources"][0]["url"] in peso


def test_software_publisher_in_occitanie_asks_about_vie_and_regional_aid(website, kb):
    session = session_id()
    asked, messages = fill_profile_form(
        website,
        session,
        "Nous sommes un éditeur de logiciels de 10 salariés en Occitanie. Quels dispositifs "
        "correspondent à notre entreprise pour ouvrir l'Allemagne ?",
        {
            "sector": "logiciel",
            "revenue": "1,2 M€",
            "company_age": "2018",
            "export_experience": "jamais",
            "need": '/inform_company{"obstacle":"recrutement"}',
            "headcount": "10",
            "region": "Occitanie",
            "country": "Allemagne",
        },
    )
    ids = assert_sound_recommendations(kb, messages, "occitanie")
    assert "vie" in ids
    report = text_of(chat(website, "Suis-je éligible au V.I.E ?", session))
    assert report.startswith(kb.name("programme", "vie"))
    assert "✔ Votre entreprise est implantée en France (Région Occitanie)." in report
    assert "C'est une indication" in report and SOURCE.search(report)
    regional = text_of(chat(website, "Et quelles sont les aides de la Région Occitanie ?", session))
    assert kb.name("programme", "contrat-export-occitanie") in regional


def test_fashion_brand_in_ile_de_france_preparing_a_trade_show_in_dubai(website, kb):
    session = session_id()
    noted = chat(
        website,
        "Nous sommes une marque d'accessoires de mode en Île-de-France avec 1,5 M€ de chiffre "
        "d'affaires, et nous préparons notre premier salon à Dubaï.",
        session,
    )
    assert "Chiffre d'affaires : 1 500 000 €" in text_of(noted)
    # The statement is repeated back with « Quels dispositifs pour moi ? » as a button.
    button = next(b for m in noted for b in m.get("buttons", []) if b["title"] == "Quels dispositifs pour moi ?")
    asked, messages = fill_profile_form(
        website,
        session,
        button["payload"],
        {
            "sector": "mode",
            "headcount": "8",
            "company_age": "créée en 2016",
            "export_experience": "jamais exporté",
            "need": '/inform_company{"obstacle":"salons"}',
            "revenue": "1,5 M€",
            "country": "Émirats arabes unis",
            "region": "Île-de-France",
        },
    )
    assert not {"region", "revenue"} & set(asked)
    ids = assert_sound_recommendations(kb, messages, "ile-de-france")
    for pid in ids[:3]:
        programme = kb.get("programme", pid)
        assert "salons" in programme["obstacles"] or pid in kb.get("obstacle", "salons")["programmes"]


def test_agricultural_machinery_eti_answering_an_indian_tender(website, kb):
    """A description and a general question in one message (issue #17): the profile in one
    line, then the programmes that fit the company, each sourced, and its Région's contacts."""
    session = session_id()
    messages = chat(
        website,
        "ETI de 200 salariés dans le machinisme agricole en Centre-Val de Loire : quelles aides "
        "pour nous ? Nous répondons à un appel d'offres en Inde.",
        session,
    )
    noted = messages[0]["text"]
    assert noted.startswith("C'est noté") and "200 salariés" in noted and "Centre-Val de Loire" in noted
    assert "Inde" in noted
    ids = recommended_ids(kb, messages)
    assert ids, text_of(messages)
    for pid in ids:
        programme = kb.get("programme", pid)
        assert programme["status"] not in ("ended", "paused")
        if programme["scope"] == "regional":
            assert "centre-val-de-loire" in programme["regions"]
    assert all(SOURCE.search(m["text"]) for m in messages if re.match(r"\d\. ", m["text"]))
    assert "Vos interlocuteurs pour l'export, Région Centre-Val de Loire" in text_of(messages)
    caution = text_of(
        chat(website, "L'acheteur indien exige une caution de bonne fin : quelle garantie existe ?", session)
    )
    # The programme's card or a FAQ answer that names it (« la garantie des cautions de Bpifrance »).
    assert kb.name("programme", "garantie-cautions").lower() in caution.lower() or "garantie-cautions" in ids


def test_seafood_processor_in_nouvelle_aquitaine_targeting_china(website, kb):
    session = session_id()
    noted = text_of(
        chat(
            website,
            "Nous transformons des produits de la mer en Nouvelle-Aquitaine, 35 salariés, et nous visons la Chine.",
            session,
        )
    )
    assert "Nouvelle-Aquitaine" in noted and "Chine" in noted
    china = text_of(chat(website, "Quelles formalités pour exporter en Chine ?", session))
    assert kb.get("country", "cn")["sources"][0]["url"] in china
    poles = text_of(chat(website, "Quel pôle de compétitivité pour les produits de la mer ?", session))
    assert any(kb.name("cluster", c) in poles for c in ("pole-mer-bretagne-atlantique", "aquimer"))


def test_company_of_eight_months_asks_for_assurance_prospection(website, kb):
    report = text_of(chat(website, "Notre société a 8 mois, sommes-nous éligibles à l'Assurance Prospection ?"))
    assert report.startswith("Assurance Prospection : vous n'êtes pas éligible a priori.")
    assert "✘ Votre entreprise a 8 mois" in report
    assert "après la clôture de votre premier bilan de 12 mois, soit dans 4 mois au plus tôt" in report
    assert SOURCE.search(report)


def test_eligibility_asks_what_is_missing_then_concludes(website, kb):
    session = session_id()
    first = text_of(chat(website, "Suis-je éligible à l'Assurance Prospection ?", session))
    assert "Assurance Prospection : votre éligibilité reste à vérifier." in first
    assert "Pour conclure, il me manque" in first
    second = text_of(chat(website, "Nous sommes en Bretagne, 4 M€ de chiffre d'affaires, créés en 2010.", session))
    assert "Assurance Prospection : vous êtes éligible a priori." in second
    assert "✔ Votre chiffre d'affaires (4 000 000 €) ne dépasse pas" in second


def test_profile_form_is_interrupted_by_a_question_and_resumes(website, kb):
    session = session_id()
    messages = chat(website, "Quels dispositifs pour mon entreprise ?", session)
    slot = asked_slot(messages)
    assert slot is not None
    detour = chat(website, "C'est quoi le V.I.E ?", session)
    assert kb.name("programme", "vie") in text_of(detour)
    assert asked_slot(detour) == slot, "le formulaire doit reposer sa question"


def test_declined_questions_are_not_asked_again(website, kb):
    session = session_id()
    answers = {slot: "passer" for slot in QUESTIONS}
    asked, messages = fill_profile_form(website, session, "Quelles aides correspondent à mon entreprise ?", answers)
    assert asked and len(asked) == len(set(asked))
    assert RECOMMENDED in text_of(messages)
    again = chat(website, "Et quels dispositifs me conseillez-vous alors ?", session)
    assert RECOMMENDED in text_of(again), "rien ne doit être redemandé"


def _dossiers(kb_db_url, session):
    engine = store.make_engine(kb_db_url)
    # The dossier names the conversation as Rasa does: the website's namespace.
    return [d for d in handover.read_all(engine) if d["conversation_id"] == sender_of(session)]


def test_consented_handover_is_stored_shown_and_exported(website, kb, kb_db_url):
    session = session_id()
    chat(website, "Nous sommes 25 salariés dans l'agroalimentaire en Bretagne.", session)
    chat(website, "Le chèque relance export, c'est quoi ?", session)
    offer = text_of(chat(website, "Je voudrais parler à un conseiller", session))
    assert "Rien n'est enregistré sans votre accord" in offer and "Bretagne" in offer
    assert _dossiers(kb_db_url, session) == []
    question = text_of(chat(website, "oui", session))
    assert "Comment le conseiller peut-il vous recontacter" in question
    shown = text_of(chat(website, "Marie Martin, marie.martin@exemple.fr", session))
    reference = re.search(r"référence (BX-\d{8}-[0-9A-F]{6})", shown).group(1)
    assert "Effectif : 25 salariés" in shown and "marie.martin@exemple.fr" in shown
    assert kb.name("programme", "cheque-relance-export") in shown
    [dossier] = _dossiers(kb_db_url, session)
    assert dossier["reference"] == reference and dossier["contact"]["email"] == "marie.martin@exemple.fr"
    assert "Réponse : « oui »" in dossier["consent"]
    assert any(p["id"] == "cheque-relance-export" and p["verdict"] == "non éligible" for p in dossier["programmes"])
    exported = subprocess.run(
        [sys.executable, "-m", "bot", "handover", "export", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=base_env(BOUSSOLE_DB_URL=kb_db_url),
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    assert reference in [d["reference"] for d in json.loads(exported.stdout)]


@pytest.mark.parametrize(
    "answers, said",
    [
        (["non merci"], "je n'ai rien enregistré"),
        (["oui", "finalement, pas de dossier"], "aucun dossier n'a été enregistré"),
    ],
)
def test_no_consent_stores_nothing(website, kb, kb_db_url, answers, said):
    session = session_id()
    chat(website, "Nous sommes une PME de 12 salariés en Nouvelle-Aquitaine.", session)
    offer = text_of(chat(website, "je veux parler à un conseiller", session))
    assert "Nouvelle-Aquitaine" in offer and "Rien n'est enregistré sans votre accord" in offer
    for answer in answers:
        last = text_of(chat(website, answer, session))
    assert said in last
    assert _dossiers(kb_db_url, session) == []


def test_joining_a_cluster(website, kb):
    text = text_of(chat(website, "Comment rejoindre un pôle de compétitivité ?"))
    assert kb.get("faq", "rejoindre-un-pole")["sources"][0]["url"] in text
