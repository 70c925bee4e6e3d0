"""The adviser mode's report, from a tracker as Rasa's API returns it."""

from bot.tools.shell import adviser_report


def test_report_lists_intent_entities_slots_ranking_and_sources():
    tracker = {
        "latest_message": {
            "intent": {"name": "ask_recommendation", "confidence": 0.934},
            "intent_ranking": [
                {"name": "ask_recommendation", "confidence": 0.934},
                {"name": "ask_financing_overview", "confidence": 0.04},
                {"name": "inform_company", "confidence": 0.01},
            ],
            "entities": [{"entity": "headcount", "value": "25"}],
        },
        "slots": {
            "headcount": "25",
            "region": "bretagne",
            "programme": None,
            "last_options": ["/x"],
            "advice_trace": [{"programme": "vie", "score": 6.5, "verdict": "eligible"}],
        },
        "active_loop": {"name": "profile_form"},
    }
    answers = [{"text": "1. V.I.E\n\nSource : https://exemple.fr/vie (vérifié le 28 novembre 2026)"}]
    lines = adviser_report(tracker, answers)
    assert (
        lines[0] == "Intention : ask_recommendation (0.93) ; ensuite : ask_financing_overview 0.04, inform_company 0.01"
    )
    assert "Entités : headcount=25" in lines
    assert "Créneaux : headcount=25, region=bretagne" in lines
    assert "Formulaire actif : profile_form" in lines
    assert "Classement : 1. vie 6.5 (eligible)" in lines
    assert lines[-1] == "Sources : https://exemple.fr/vie"


def test_report_of_an_empty_turn():
    lines = adviser_report({"latest_message": {}, "slots": {}}, [])
    assert lines == ["Intention : ? (0.00)", "Entités : aucune", "Créneaux : aucun", "Sources : aucune"]


def test_report_lists_every_source_the_answers_carry():
    text = "Les aides.\n\nSources : https://a.fr/ ; https://b.fr/ (vérifié le 2 mars 2026) — et 1 autre source"
    answers = [{"text": text, "sources": [{"urls": ["https://a.fr/", "https://b.fr/", "https://c.fr/"]}]}]
    assert adviser_report({}, answers)[-1] == "Sources : https://a.fr/, https://b.fr/, https://c.fr/"
