"""The sentence of an answer that answers the question asked (bot/core/passages.py), on
invented answers and on the real knowledge base; then the replies that lead with it
(bot/core/unit_answers.py, bot/core/compound_answers.py); then the point of a programme's
list that answers a cost or a duration question, and the replies that open on it."""

from __future__ import annotations

from bot.core import answer_router, compound_answers, passages, replies, unit_answers
from bot.knowledge import answer_units

DEB_DEADLINE = "Quand faut-il déposer l'état récapitulatif des livraisons intracommunautaires ?"

# An invented answer written for « Le guichet X existe-t-il encore ? »: it opens on « Non. », and
# says the price, the deadline and the office further on.
GUICHET = (
    "Non, il n'existe plus. Le dossier de remboursement le remplace pour toutes les entreprises. "
    "Le dossier de remboursement coûte 35 € par demande. "
    "Il se dépose au plus tard trois mois après la facture. "
    "On le dépose auprès de la chambre de commerce de votre département."
)


def _faq_unit(kb, fid):
    return next(u for u in answer_units.build(kb.records) if u.id == f"faq:{fid}")


def test_the_deadline_asked_is_found_beyond_the_yes_or_no_the_entry_opens_on(kb):
    answer = kb.get("faq", "etat-recapitulatif-deb")["answer"]
    assert passages.sentences(answer)[0] == "Non, pas sous son ancienne forme."
    lead = passages.answering_sentence(DEB_DEADLINE, answer)
    assert lead is not None and "au plus tard" in lead and lead in answer


def test_a_yes_or_no_question_keeps_the_first_sentence_as_written(kb):
    faq = kb.get("faq", "etat-recapitulatif-deb")
    assert passages.question_kind(faq["question"]) is None
    assert passages.answering_sentence(faq["question"], faq["answer"]) is None
    assert passages.answering_sentence("Le dossier de remboursement est-il payant ?", GUICHET) is None


def test_each_kind_of_question_gets_the_sentence_of_its_kind():
    assert passages.answering_sentence("Combien coûte le dossier de remboursement ?", GUICHET) == (
        "Le dossier de remboursement coûte 35 € par demande."
    )
    assert passages.answering_sentence("Dans quel délai déposer le dossier de remboursement ?", GUICHET) == (
        "Il se dépose au plus tard trois mois après la facture."
    )
    assert passages.answering_sentence("Auprès de qui déposer le dossier de remboursement ?", GUICHET) == (
        "On le dépose auprès de la chambre de commerce de votre département."
    )


def test_combien_picks_the_amount_in_a_real_entry(kb):
    faq = kb.get("faq", "cout-pavillon-france")
    first = passages.sentences(faq["answer"])[0]
    lead = passages.answering_sentence("Combien coûte un stand sur un salon international ?", faq["answer"])
    assert "€" not in first
    assert lead is not None and "€" in lead and lead in faq["answer"]


def test_no_lead_when_no_sentence_clearly_answers():
    # Nothing in the answer says a date or a price of the « formulaire B ».
    assert passages.answering_sentence("Quand envoyer le formulaire B ?", GUICHET) is None
    # Two sentences give an amount and use the question's words as much: none is chosen.
    tied = "Cela dépend. Le dossier simple coûte 35 €. Le dossier complet coûte 80 €."
    assert passages.answering_sentence("Combien coûte le dossier ?", tied) is None
    # An answer that goes through cases: a price given for one case does not answer.
    cases = "Cela dépend du dossier. Le dossier simple est gratuit ; le reste se discute."
    assert passages.answering_sentence("Combien coûte le dossier ?", cases) is None
    # A question the first sentence already answers.
    closed = "Il a fermé en 2021. Un dossier remplace le guichet fermé, au plus tard trois mois après la facture."
    assert passages.answering_sentence("Depuis quand le guichet est-il fermé ?", closed) is None
    # « Quand » that opens a condition asks nothing about a date.
    assert passages.question_kind("Quand on vend en Allemagne, faut-il un dossier de remboursement ?") is None
    # « Combien de distributeurs » counts; it asks for no amount.
    assert passages.question_kind("Combien de distributeurs peut-on nommer ?") is None


def test_sentences_do_not_end_inside_an_article_number():
    text = "La loi (article L. 134-6 du Code de commerce) le prévoit. Voyez un avocat, etc. Merci."
    assert passages.sentences(text) == [
        "La loi (article L. 134-6 du Code de commerce) le prévoit.",
        "Voyez un avocat, etc.",
        "Merci.",
    ]


def test_the_lead_line_speaks_french_after_its_colon():
    assert passages.lead_line("Les deux se déposent avant le 10.") == "En bref : les deux se déposent avant le 10."
    assert passages.lead_line("Bpifrance prête 5 M€.") == "En bref : Bpifrance prête 5 M€."


def test_a_faq_reply_leads_with_that_sentence_then_gives_the_whole_answer_unchanged(kb):
    unit = _faq_unit(kb, "etat-recapitulatif-deb")
    answer = kb.get("faq", "etat-recapitulatif-deb")["answer"]
    _, plain = unit_answers.unit_reply(kb, unit)
    _, led = unit_answers.unit_reply(kb, unit, DEB_DEADLINE)
    lead = passages.answering_sentence(DEB_DEADLINE, answer)
    assert led[0]["text"] == f"{passages.lead_line(lead)}\n\n{plain[0]['text']}"
    assert plain[0]["text"].startswith(answer)
    # The sources and the buttons do not move.
    assert led[0]["metadata"] == plain[0]["metadata"]
    assert led[0].get("buttons") == plain[0].get("buttons")
    assert led[1:] == plain[1:]


def test_the_ranker_s_answer_to_the_question_leads_with_the_deadline(kb):
    _, messages = unit_answers.answer_text(kb, DEB_DEADLINE)
    assert messages[0]["metadata"][unit_answers.UNIT_KEY] == "faq:etat-recapitulatif-deb"
    assert messages[0]["text"].startswith("En bref : les deux se déposent au plus tard")
    # Its own question gets the answer as written.
    own = kb.get("faq", "etat-recapitulatif-deb")
    _, messages = unit_answers.answer_text(kb, own["question"])
    assert messages[0]["text"].startswith(own["answer"])


def test_each_question_of_a_compound_message_gets_its_lead(kb):
    text = f"Nous sommes 12 à Lyon et nous vendons en Allemagne. {DEB_DEADLINE} Comment obtenir un numéro EORI ?"
    _, messages = compound_answers.answer(kb, text, {}, {})
    texts = [m["text"] for m in messages]
    deb = next(t for t in texts if t.startswith(f"« {DEB_DEADLINE} »"))
    assert deb.split("\n", 1)[1].startswith("En bref : les deux se déposent au plus tard")
    eori = next(t for t in texts if t.startswith("« Comment obtenir un numéro EORI ? »"))
    assert "En bref" not in eori


# --- the point of a list that answers ------------------------------------------------------

# An invented list of amounts: what the aid pays, its length, what it costs, the date of a figure.
POINTS = [
    "Avance de 50 % des dépenses, versée à la signature.",
    "Durée : 3 ans de prospection puis 2 ans de remboursement.",
    "Prime de 2 % du budget, prélevée sur le premier versement.",
    "500 entreprises aidées en 2021.",
]


def test_a_cost_question_gets_the_point_that_states_the_cost():
    for question in (
        "Combien ça coûte ?",
        "ça coute combien pour l'entreprise ?",
        "c'est cher ?",
        "quel est le prix ?",
    ):
        assert passages.answering_point(question, POINTS) == 2, question
    # A cost stated with a figure comes before one without.
    assert passages.answering_point("c'est payant ?", ["Durée : 2 ans.", "Des frais s'ajoutent.", "Tarif : 90 €."]) == 2


def test_a_duration_question_gets_the_length_of_time_not_a_date():
    for question in ("Combien de temps ça dure ?", "Quelle est la durée ?", "c'est pour combien de mois ?"):
        assert passages.answering_point(question, POINTS) == 1, question


def test_the_list_keeps_its_order_when_the_question_asks_no_cost_or_duration_or_no_point_answers():
    # « combien ? » alone may ask what the aid gives: the first point, as written.
    assert passages.answering_point("Combien ?", POINTS) is None
    assert passages.answering_point("Qui peut en bénéficier ?", POINTS) is None
    assert passages.answering_point("", POINTS) is None
    # The first point already answers.
    assert passages.answering_point("Combien de temps ?", POINTS[1:]) is None
    # Nothing states a cost, or two points give as many lengths of time.
    assert passages.answering_point("Combien ça coûte ?", [POINTS[0], POINTS[3]]) is None
    assert passages.answering_point("Quelle durée ?", ["Plafond : 10 000 €.", "Sur 2 ans.", "Sur 3 ans."]) is None


def _bullets(message: dict) -> list:
    return [line[2:] for line in message["text"].splitlines() if line.startswith("• ")]


def test_the_assurance_prospection_s_premium_comes_first_for_a_cost_question(kb):
    amounts = kb.get("programme", "assurance-prospection")["amounts"]
    premium = next(a for a in amounts if a.startswith("Prime"))
    assert amounts.index(premium) > 0
    _, messages = answer_router.answer_programme_aspect(
        kb, "ask_amount", None, "assurance-prospection", "combien ça coûte ?"
    )
    shown = _bullets(messages[0])
    assert shown[0] == premium
    # Every point is still there, once, the others in knowledge/'s order.
    assert sorted(shown) == sorted(amounts) and [a for a in shown if a != premium] == [
        a for a in amounts if a != premium
    ]
    # A duration question gets the duration; « combien ? » the list as written.
    _, messages = answer_router.answer_programme_aspect(
        kb, "ask_amount", None, "assurance-prospection", "ça dure combien de temps ?"
    )
    assert _bullets(messages[0])[0].startswith("Durée totale")
    assert _bullets(replies.programme_amounts(kb, "assurance-prospection", "combien ?")[0]) == amounts


def test_the_v_i_e_s_allowance_comes_before_the_mission_length_for_a_cost_question(kb):
    unit = next(u for u in unit_answers.ranker_for(kb).units if u.id == "programme:vie:montants")
    _, messages = unit_answers.unit_reply(kb, unit, "ça coute combien pour l'entreprise ?")
    first = _bullets(messages[0])[0]
    assert first.startswith("Indemnité mensuelle") and "€" in first
    _, messages = unit_answers.unit_reply(kb, unit, "combien de temps dure la mission ?")
    assert _bullets(messages[0])[0].startswith("Durée de la mission")
