"""Scripted conversations of six turns for the load generator (bench/load.py).

Boussole's turns are realistic French questions, each answered by a custom action that
looks the knowledge base up; the words expected in the answer come from knowledge/ and
« source » from the citation every factual answer ends with. The floor's turns are the
`rasa init` bot's own (English), each answered by a rule or a story.
"""

from bench.load import Turn

BOUSSOLE = [
    [
        Turn("C'est quoi l'Assurance Prospection ?", "ask_programme", ("Assurance Prospection", "source")),
        Turn("et c'est pour qui ?", "ask_eligibility", ("Assurance Prospection", "source")),
        Turn("ça coûte combien ?", "ask_amount", ("Assurance Prospection", "montants", "source")),
        Turn("comment on fait la demande ?", "ask_how_to_apply", ("Assurance Prospection", "source")),
        Turn("Que fait Business France ?", "ask_organisation", ("Business France", "source")),
        Turn("Y a-t-il un accord commercial avec le Canada ?", "ask_country", ("Canada", "CETA", "source")),
    ],
    [
        Turn(
            "Quelles aides à l'export en Bretagne ?",
            "ask_region_support",
            ("Bretagne Commerce International", "source"),
        ),
        Turn("On a peur des impayés", "ask_obstacle", ("non-paiement", "source")),
        Turn("comment gérer le risque de change ?", "ask_obstacle", ("risque de change", "source")),
        Turn("c'est quoi un DAU ?", "ask_obstacle", ("document administratif unique", "source")),
        Turn("Que fait Medicen à l'international ?", "ask_cluster", ("Medicen", "source")),
        Turn("on est dans le 69, qui contacter ?", "ask_contact", ("Auvergne-Rhône-Alpes", "source")),
    ],
    [
        Turn("Quels financements pour exporter ?", "ask_financing_overview", ("prospection", "source")),
        Turn("Le Chèque Relance Export existe encore ?", "ask_programme_status", ("terminé", "source")),
        Turn("à quoi sert l'INPI ?", "ask_organisation", ("propriété industrielle", "source")),
        Turn("vendre en Allemagne, c'est dans l'UE ?", "ask_country", ("Allemagne", "Union européenne", "source")),
        Turn("quel pôle pour la cosmétique ?", "ask_cluster", ("Cosmetic Valley", "source")),
        Turn("par où commencer, qui peut m'accompagner ?", "ask_support_overview", ("Team France Export", "source")),
    ],
]

FLOOR = [
    [
        Turn("hello", "greet", ("how are you",)),
        Turn("I am very sad", "mood_unhappy", ("did that help",)),
        Turn("yes", "affirm", ("carry on",)),
        Turn("are you a bot?", "bot_challenge", ("i am a bot",)),
        Turn("am I talking to a human?", "bot_challenge", ("i am a bot",)),
        Turn("goodbye", "goodbye", ("bye",)),
    ],
]

SCENARIOS = {"boussole": BOUSSOLE, "floor": FLOOR}
