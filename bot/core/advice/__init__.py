"""The advice engine: from what a company says about itself, the programmes that fit, why,
whether it is eligible criterion by criterion, its pôles, its advisers, and the dossier
handed over to one of them. Pure Python on the knowledge-base snapshot: no Rasa here."""
