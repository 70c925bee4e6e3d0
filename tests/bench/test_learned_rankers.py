"""The learned ranking designs of the bench (issue #17): what they are trained on, from the
real knowledge base. Training itself is the bench's job (minutes), not a test's."""

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bench import response_selector, supervised_ranker
from bot.knowledge import answer_units


def test_the_response_selector_data_has_one_response_key_per_faq_entry(dataset, tmp_path):
    units = answer_units.build(dataset.records)
    response_selector.write_data(units, tmp_path)
    data = RasaYAMLReader().reads((tmp_path / "nlu.yml").read_text(encoding="utf-8"))
    faq = {u.record_id: u for u in units if u.kind == "faq"}
    keys = {m.get("intent_response_key") for m in data.intent_examples}
    assert keys == {f"faq/{rid}" for rid in faq}
    assert set(data.responses) == {f"utter_faq/{rid}" for rid in faq}
    assert len(data.intent_examples) == sum(len(u.keys) for u in faq.values())


def test_each_programme_aspect_is_trained_on_its_names_with_the_aspect_s_wordings(dataset):
    units = [u for u in answer_units.build(dataset.records) if u.kind == "programme"]
    for unit in units[:60]:
        examples = supervised_ranker.examples(unit)
        name = unit.keys[0]
        assert all(any(e.startswith(n) for n in unit.keys[:-1]) for e in examples), unit.id
        wordings = [w.strip() for w in answer_units.ASPECT_KEYS[unit.aspect].split(",")]
        assert f"{name} {wordings[0]}" in examples
        assert (name in examples) == (unit.aspect == "presentation")


def test_each_faq_entry_and_programme_aspect_has_examples_of_its_own(dataset):
    """Two units trained on the same examples would be one class twice. (An obstacle's pieces
    of advice do share the obstacle's names: only the lexical ranker, which reads their texts,
    tells them apart.)"""
    units = [u for u in answer_units.build(dataset.records) if u.kind in ("faq", "programme")]
    seen = {}
    for unit in units:
        key = tuple(sorted(supervised_ranker.examples(unit)))
        assert key not in seen, (unit.id, seen.get(key))
        seen[key] = unit.id
