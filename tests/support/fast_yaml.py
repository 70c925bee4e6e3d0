"""YAML through libyaml for the tests that copy and edit knowledge/ (2 MB): the same objects
as yaml.safe_load and yaml.safe_dump, ten times faster.

Each text is parsed once per session: dozens of tests copy knowledge/, edit one file and read
the whole folder again (0.25 s of parsing each time). A text seen before gives a fresh copy of
what it parsed to (through pickle, twenty times faster than parsing): callers may edit it."""

from __future__ import annotations

import pickle

import yaml


def parsed_once(parse):
    """`parse(text)`, remembered by text. A text that does not parse is never kept: the parser
    raises its error again each time."""
    parsed: dict[str, bytes] = {}

    def load(text: str):
        pickled = parsed.get(text)
        if pickled is None:
            pickled = parsed[text] = pickle.dumps(parse(text), protocol=pickle.HIGHEST_PROTOCOL)
        return pickle.loads(pickled)

    return load


load = parsed_once(lambda text: yaml.load(text, Loader=yaml.CSafeLoader))


def dump(data) -> str:
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
