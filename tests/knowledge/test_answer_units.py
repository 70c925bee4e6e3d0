"""Answer units (bot/knowledge/answer_units.py): derived from knowledge/, one id each, and
every question-bearing part of a record reachable."""

from bot.knowledge import answer_units


def test_every_unit_has_a_unique_id_and_a_text(dataset):
    units = answer_units.build(dataset.records)
    ids = [u.id for u in units]
    assert len(ids) == len(set(ids))
    assert all(u.text.strip() and u.title.strip() for u in units)


def test_every_faq_entry_and_every_piece_of_advice_is_a_unit(dataset):
    ids = {u.id for u in answer_units.build(dataset.records)}
    assert {f"faq:{rid}" for rid in dataset.records["faq"]} <= ids
    for rid, obstacle in dataset.records["obstacle"].items():
        for n in range(1, len(obstacle["advice"]) + 1):
            assert f"obstacle:{rid}:conseil-{n}" in ids


def test_a_programme_s_aspects_carry_their_own_fields(dataset):
    units = {u.id: u for u in answer_units.build(dataset.records)}
    programme = dataset.records["programme"]["assurance-prospection"]
    assert units["programme:assurance-prospection:demarche"].text == programme["how_to_apply"]
    assert programme["summary"] in units["programme:assurance-prospection:presentation"].text
    faq = units["faq:" + next(iter(dataset.records["faq"]))]
    assert faq.keys[0] == faq.title


def test_an_edited_record_changes_its_unit():
    records = {"faq": {"x": {"question": "Q ?", "answer": "Ancienne réponse.", "variants": ["v"]}}}
    before = answer_units.build(records)[0]
    records["faq"]["x"]["answer"] = "Nouvelle réponse."
    after = answer_units.build(records)[0]
    assert (before.id, before.text, after.text) == ("faq:x", "Ancienne réponse.", "Nouvelle réponse.")
