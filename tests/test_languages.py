"""The report and the brief speak five languages with the terms planners use, one term per concept, units and
quarters included; a council vote's record reads in the reader's language."""

from __future__ import annotations

import numpy as np
import pytest

from cityregions.analysis import scorecard
from cityregions.reporting import brief, labels, plots
from cityregions.reporting.decision_text import rule_words
from cityregions.rules import ratification


def test_every_language_has_one_term_for_every_concept():
    concepts = {g["concept"] for g in labels.glossary("en")}
    assert len(concepts) >= 12
    for lang in labels.LANGUAGES:
        entries = labels.glossary(lang)
        assert sorted(g["concept"] for g in entries) == sorted(concepts), lang
        assert all(g["term"] and g["definition"] for g in entries), lang


@pytest.mark.parametrize(("lang", "concept", "term"), [
    ("de", "transport_association", "Verkehrsverbund"),
    ("de", "land_compact", "Gewerbeflächenpool"),
    ("cs", "greenfield_take", "zábor zemědělské půdy"),
    ("cs", "transport_association", "integrovaný dopravní systém"),
    ("it", "greenfield_take", "consumo di suolo"),
    ("pl", "transport_association", "związek komunikacyjny"),
])
def test_the_glossary_uses_the_planners_terms(lang, concept, term):
    assert {g["concept"]: g["term"] for g in labels.glossary(lang)}[concept] == term
    assert any(term.lower() in texts[lang].lower() for texts in labels.table().values())  # and the labels use it


@pytest.mark.parametrize("lang", labels.LANGUAGES)
def test_no_label_uses_a_word_the_glossary_rules_out(lang):
    avoided = [(g["concept"], a) for g in labels.glossary(lang) for a in g["avoid"]]
    assert avoided or lang == "pl"
    found = [(key, concept, word) for key, texts in labels.table().items() for concept, word in avoided
             if word.lower() in texts[lang].lower()]
    assert found == []


def test_scenario_names_and_legends_say_the_same_term():
    for lang in labels.LANGUAGES:
        L = labels.Labels(lang)
        terms = {g["concept"]: g["term"] for g in labels.glossary(lang)}
        assert L("scen_land_compact").lower() == L("legend_land").lower() == terms["land_compact"].lower()
        assert L("scen_transport_alliance").lower() == L("legend_transport").lower() == terms[
            "transport_association"].lower()


def test_every_unit_shown_is_translated_or_the_same_in_every_language():
    units = {m.unit for m in scorecard.METRICS} | {u for *_, u, _ in brief.GAINS} | {
        u for *_, u, _ in plots.TRAJECTORY_PANELS} | {"thousand EUR/yr"}
    for unit in sorted(units):
        if unit in labels.NEUTRAL_UNITS:
            continue
        key = labels.unit_key(unit)
        assert key in labels.table(), unit
        assert all(labels.table()[key][lang] for lang in labels.LANGUAGES), unit
    assert labels.Labels("de").unit("ha/day") == "ha/Tag"
    assert labels.Labels("cs").unit("EUR/resident/yr") == "EUR/obyv./rok"
    assert labels.Labels("it").unit("%") == "%"


def test_quarters_are_written_as_each_language_writes_them():
    assert labels.Labels("en").quarter("2030Q4") == "2030 Q4"
    assert labels.Labels("de").quarter("2030Q4") == "4. Quartal 2030"
    assert labels.Labels("cs").quarter("2014Q2") == "2. čtvrtletí 2014"
    assert labels.Labels("de").quarter("2030") == "2030"  # not a quarter: as given


def test_a_failed_quorum_vote_reads_in_german():
    recorded = "failed: 28% of suburban residents < quorum 30%"
    assert rule_words(recorded, labels.Labels("de")) == (
        "abgelehnt: 28 % der Einwohner der Umlandgemeinden < Quorum 30 %")
    passed = "ratified: 38% of suburban residents >= quorum 30%; no key gave every negotiator a gain; as a body " \
             "(zweckverband)"
    assert rule_words(passed, labels.Labels("de")) == (
        "beschlossen: 38 % der Einwohner der Umlandgemeinden ≥ Quorum 30 %; kein Verteilungsschlüssel brachte "
        "jedem Verhandlungspartner einen Gewinn; als Körperschaft: Zweckverband (SächsKomZG; GKG-LSA)")
    pending = "ratified: 40% of suburban residents >= quorum 30%; citta_metropolitana takes the theme over from " \
              "2015-01-01: a declaration of the yes-voters"
    assert rule_words(pending, labels.Labels("it")).endswith(
        "Città metropolitana di Torino (legge 56/2014 'Delrio') assume la funzione dal 2015-01-01: una dichiarazione "
        "dei favorevoli")
    assert rule_words("something else", labels.Labels("de")) == "something else"  # unknown: as recorded
    assert rule_words("", labels.Labels("de")) == ""


@pytest.mark.parametrize("rule", ratification.RULES)
@pytest.mark.parametrize("votes", [[True, True, True, False], [True, True, True, True], [False, True, True, True]])
def test_every_ratification_rule_reads_in_every_language(rule, votes):
    yes = np.array(votes)
    verdict = ratification.decide(rule, yes, np.ones(4, bool), np.array([500.0, 100, 50, 20]),
                                  np.array([True, False, False, False]), 0.3, True)
    recorded = verdict.reason + "; no binding legal form in PL on 2014-12-31: a declaration of the yes-voters"
    for lang in labels.LANGUAGES[1:]:
        text = rule_words(recorded, labels.Labels(lang))
        assert text != recorded and "voted" not in text and "declaration" not in text, (lang, text)


def test_a_difference_is_written_with_its_interval_in_the_languages_numbers():
    assert labels.Labels("de").difference(1.234, -0.3, 2.7, 1) == "+1,2 (-0,3 … +2,7)"
    assert labels.Labels("en").difference(1234.0, float("nan"), float("nan"), 0) == "+1,234"  # no interval
