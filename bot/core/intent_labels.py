"""What each intent means to a user, in French: the buttons of « Vouliez-vous dire… »."""

from __future__ import annotations

import json

# The button label that makes an intent recognisable; intents a user would never pick
# from a list (greetings, gibberish) have none and are left out.
LABELS = {
    "ask_programme": "Une question sur un dispositif d'aide",
    "ask_eligibility": "Savoir si vous êtes éligible à une aide",
    "ask_amount": "Connaître un montant ou un coût",
    "ask_how_to_apply": "Savoir comment faire une demande",
    "ask_programme_status": "Savoir si une aide est toujours ouverte",
    "ask_contact": "Savoir qui contacter",
    "ask_financing_overview": "Les financements de l'export",
    "ask_support_overview": "Les organismes qui accompagnent à l'export",
    "ask_obstacle": "Une difficulté pratique (douane, TVA, impayés, normes…)",
    "ask_cluster": "Les pôles de compétitivité",
    "ask_organisation": "Le rôle d'un organisme",
    "ask_region_support": "Les aides et contacts de votre Région",
    "ask_country": "Exporter vers un pays",
    "inform_company": "Présenter votre entreprise",
    "request_adviser": "Parler à un conseiller",
    "restart": "Recommencer la conversation",
}
MAX_CHOICES = 3
# Rasa's two-stage fallback reads this intent as « none of these ».
NONE_OF_THESE = {"title": "Autre chose", "payload": "/out_of_scope"}


def did_you_mean(ranking: list, entities: dict) -> dict:
    """The « Vouliez-vous dire… » message: the likeliest intents that a user can recognise,
    each button carrying the entities already understood."""
    choices = []
    for candidate in ranking:
        name = candidate.get("name")
        if name in LABELS and name not in choices:
            choices.append(name)
        if len(choices) == MAX_CHOICES:
            break
    if not choices:
        return {"text": "Je ne suis pas sûr d'avoir compris. Pouvez-vous reformuler votre question ?"}
    suffix = json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else ""
    buttons = [{"title": LABELS[name], "payload": f"/{name}{suffix}"} for name in choices]
    return {"text": "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :", "buttons": buttons + [NONE_OF_THESE]}
