"""What knowledge/ must contain, and the invariants the validator alone does not check."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest


@pytest.mark.parametrize(
    "pid",
    [
        "assurance-prospection",
        "vie",
        "pret-croissance-international",
        "assurance-credit-export",
        "cheque-relance-export",
    ],
)
def test_core_programmes_exist(dataset, pid):
    assert pid in dataset.records["programme"]


@pytest.mark.parametrize(
    "organisation_id", ["business-france", "team-france-export", "bpifrance", "cci-international", "douane"]
)
def test_core_organisations_exist(dataset, organisation_id):
    assert organisation_id in dataset.records["organisation"]


def test_minimum_counts(dataset):
    assert dataset.count("programme") >= 10
    assert dataset.count("cluster") >= 5 and "medicen-paris-region" in dataset.records["cluster"]
    assert dataset.count("region") == 18
    assert dataset.count("country") >= 30


def test_cheque_relance_export_is_ended_on_15_december_2022(dataset):
    record = dataset.records["programme"]["cheque-relance-export"]
    assert record["status"] == "ended" and record["ended_on"] == dt.date(2022, 12, 15)


def test_the_101_departements_each_belong_to_exactly_one_region(dataset):
    codes = Counter(d["code"] for r in dataset.records["region"].values() for d in r["departements"])
    assert len(codes) == 101 and set(codes.values()) == {1}
    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert set(codes) == metropolitan | {"971", "972", "973", "974", "976"}


def test_every_record_is_sourced_and_dated(dataset):
    for kind, records in dataset.records.items():
        for rid, record in records.items():
            assert record["sources"] and record["verified_on"], f"{kind} {rid}"
            assert all(s["url"].startswith(("http://", "https://")) and s["seen_on"] for s in record["sources"])
            assert record["verified_on"] <= dt.date.today(), f"{kind} {rid} vérifié dans le futur"


def test_every_region_has_a_regional_entry(dataset):
    covered = {r for p in dataset.records["programme"].values() if p["scope"] == "regional" for r in p["regions"]}
    assert covered == set(dataset.records["region"])


def test_issue_minimums_for_the_whole_base(dataset):
    minimums = {
        "programme": 50,
        "organisation": 20,
        "cluster": 55,
        "country": 120,
        "sector": 25,
        "obstacle": 14,
        "faq": 80,
    }
    for kind, minimum in minimums.items():
        assert dataset.count(kind) >= minimum, kind
    assert sum(1 for c in dataset.records["cluster"].values() if c.get("phase_v")) >= 55


@pytest.mark.parametrize(
    "pid, ended_on",
    [
        ("cheque-relance-export", dt.date(2022, 12, 15)),
        ("cheque-relance-vie", dt.date(2022, 12, 15)),
        ("assurance-prospection-accompagnement", dt.date(2023, 12, 31)),
    ],
)
def test_ended_programmes_keep_their_end_date(dataset, pid, ended_on):
    assert dataset.records["programme"][pid]["ended_on"] == ended_on
