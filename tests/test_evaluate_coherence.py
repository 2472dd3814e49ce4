"""NPMI within each language and topic diversity, checked against hand computations."""

from __future__ import annotations

from math import log

import pytest

from toolkit.errors import ToolkitError
from toolkit.evaluate.coherence import coherence_metrics, npmi, topic_diversity

# Four German segments and three Russian ones.
TOKENS = [
    ["klinik", "arzt"],  # de
    ["klinik", "arzt", "reise"],  # de
    ["reise"],  # de
    ["klinik"],  # de
    ["врач", "клиника"],  # ru
    ["врач"],  # ru
    ["туризм"],  # ru
]
LANGS = ["de"] * 4 + ["ru"] * 3
TOPICS = [0, 0, 1, 0, 0, 0, 1]


def _npmi(n_i: int, n_j: int, n_ij: int, n: int) -> float:
    p_ij = n_ij / n
    return log(p_ij / ((n_i / n) * (n_j / n))) / -log(p_ij)


def test_npmi_by_hand_and_edge_cases():
    # klinik in 3 of 4, arzt in 2 of 4, together in 2: log((1/2)/(3/4*1/2)) / -log(1/2)
    assert npmi(3, 2, 2, 4) == pytest.approx(log(4 / 3) / log(2))
    assert npmi(2, 2, 0, 4) == -1.0
    assert npmi(4, 4, 4, 4) == 1.0
    # Independent words: p_ij = p_i p_j gives 0.
    assert npmi(2, 2, 1, 4) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least one document"):
        npmi(0, 2, 0, 4)


def test_pairs_are_scored_only_inside_the_language_that_has_both_words():
    topic_words = {0: ["klinik", "врач", "arzt", "клиника"], 1: ["reise", "туризм"]}
    m = coherence_metrics(TOPICS, LANGS, topic_words, TOKENS)
    de = _npmi(3, 2, 2, 4)  # klinik-arzt over the 4 German segments
    ru = _npmi(2, 1, 1, 3)  # врач-клиника over the 3 Russian segments
    pt = m["per_topic"]
    assert pt[0]["npmi_by_lang"] == {"de": pytest.approx(de), "ru": pytest.approx(ru)}
    assert pt[0]["npmi_pairs"] == 2  # the four cross-language pairs are not scored
    assert pt[0]["npmi"] == pytest.approx((de + ru) / 2)
    # reise (de) and туризм (ru) never share a language: topic 1 is skipped.
    assert pt[1]["npmi"] is None and pt[1]["npmi_pairs"] == 0
    assert m["npmi"] == pytest.approx((de + ru) / 2)
    assert m["n_topics_scored"] == 1


def test_pair_that_never_cooccurs_scores_minus_one():
    m = coherence_metrics(TOPICS, LANGS, {0: ["arzt", "reise"]}, TOKENS)
    # arzt and reise: arzt in segments 0 and 1, reise in 1 and 2 -> together once.
    assert m["per_topic"][0]["npmi"] == pytest.approx(_npmi(2, 2, 1, 4))
    m = coherence_metrics(TOPICS, LANGS, {0: ["туризм", "врач"]}, TOKENS)
    assert m["per_topic"][0]["npmi"] == -1.0


def test_topic_words_are_cleaned_and_cut_to_top_k():
    # Empty strings and repeats are dropped; top_k counts distinct non-empty words.
    words = {0: ["klinik", "", "klinik", "arzt", "reise"], -1: ["klinik", "arzt"]}
    m = coherence_metrics(TOPICS, LANGS, words, TOKENS, top_k=2)
    assert m["per_topic"][0]["npmi_pairs"] == 1  # only klinik-arzt
    assert -1 not in m["per_topic"]
    m = coherence_metrics(TOPICS, LANGS, {0: ["klinik", "nirgendwo"]}, TOKENS)
    assert m["per_topic"][0]["npmi"] is None  # fewer than 2 usable words
    # A word missing from the corpus still takes one of the top_k places.
    m = coherence_metrics(TOPICS, LANGS, {0: ["klinik", "nirgendwo", "arzt"]}, TOKENS, top_k=2)
    assert m["per_topic"][0]["npmi"] is None


def test_word_in_two_languages_counts_in_each():
    tokens = [["covid", "impfung"], ["covid"], ["covid", "вакцина"], ["вакцина"]]
    langs = ["de", "de", "ru", "ru"]
    m = coherence_metrics([0] * 4, langs, {0: ["covid", "impfung", "вакцина"]}, tokens)
    pt = m["per_topic"][0]
    # de: covid-impfung over 2 segments (covid in both -> p_i = 1).
    # ru: covid-вакцина over 2 segments, together once.
    assert pt["npmi_by_lang"]["de"] == pytest.approx(_npmi(2, 1, 1, 2))
    assert pt["npmi_by_lang"]["ru"] == pytest.approx(_npmi(1, 2, 1, 2))
    assert pt["npmi_pairs"] == 2


def test_topic_diversity_by_hand():
    words = {0: ["a", "b", "c"], 1: ["a", "d", "e"], 2: ["f", "g"], -1: ["a", "z"]}
    # 8 words over topics 0..2, 7 distinct (a repeats); topic -1 is ignored.
    assert topic_diversity(words, top_k=3) == pytest.approx(7 / 8)
    # top_k=1: a, a, f -> 2 distinct of 3.
    assert topic_diversity(words, top_k=1) == pytest.approx(2 / 3)
    assert topic_diversity({-1: ["x"], 0: []}) is None


def test_diversity_needs_no_tokens_and_npmi_needs_both():
    m = coherence_metrics(TOPICS, LANGS, {0: ["a", "b"], 1: ["b", "c"]}, None)
    assert m["topic_diversity"] == pytest.approx(3 / 4)
    assert m["npmi"] is None and m["n_topics_scored"] is None
    m = coherence_metrics(TOPICS, LANGS, None, TOKENS)
    assert m["topic_diversity"] is None and m["npmi"] is None


def test_errors_name_the_bad_value():
    with pytest.raises(ToolkitError, match="top_k must be an integer >= 2.*got 1"):
        coherence_metrics(TOPICS, LANGS, {0: ["a"]}, TOKENS, top_k=1)
    with pytest.raises(ToolkitError, match=r"tokens\[0\] is a string"):
        coherence_metrics([0], ["de"], {0: ["a", "b"]}, ["klinik arzt"])
    with pytest.raises(ToolkitError, match="tokens has 1 entries but topics has 7"):
        coherence_metrics(TOPICS, LANGS, {0: ["a", "b"]}, [["a"]])
    with pytest.raises(ToolkitError, match="langs has 1 entries but topics has 7"):
        coherence_metrics(TOPICS, ["de"], {0: ["a", "b"]}, TOKENS)


def test_documents_pool_their_units_into_one_reference_text():
    # Two German documents of two units each: "klinik" and "arzt" never share a unit but do
    # share a document.
    tokens = [["klinik"], ["arzt"], ["reise"], ["strand"]]
    langs = ["de"] * 4
    words = {0: ["klinik", "arzt"], 1: ["reise", "strand"]}
    by_unit = coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2)
    assert by_unit["per_topic"][0]["npmi"] == -1.0 and by_unit["npmi_window"] == 1
    assert by_unit["npmi_reference_texts"] == 4
    by_doc = coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2, doc_ids=["a", "a", "b", "b"])
    assert by_doc["per_topic"][0]["npmi"] == pytest.approx(_npmi(1, 1, 1, 2))
    assert by_doc["npmi_window"] == 5 and by_doc["npmi_reference_texts"] == 2
    # one unit per document is the same as no documents
    same = coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2, doc_ids=["a", "b", "c", "d"])
    assert same["npmi"] == by_unit["npmi"] and same["npmi_window"] == 1
    # windows of one unit within the documents: back to units
    one = coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2, doc_ids=["a", "a", "b", "b"], window=1)
    assert one["npmi"] == by_unit["npmi"] and one["npmi_reference_texts"] == 4
    with pytest.raises(ToolkitError, match="doc_ids"):
        coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2, doc_ids=["a"])
    with pytest.raises(ToolkitError, match=r"^window must be an integer >= 1"):
        coherence_metrics([0, 0, 1, 1], langs, words, tokens, top_k=2, doc_ids=["a"] * 4, window=0)


def test_topics_below_the_corpus_baseline_are_flagged():
    # Topic 0's words always occur together, topic 1's never: random lists of their words sit
    # between the two.
    tokens = [["a", "b"], ["a", "b"], ["c"], ["d"], ["e"], ["a", "b"]]
    words = {0: ["a", "b"], 1: ["c", "d"]}
    m = coherence_metrics([0, 0, 1, 1, 1, 0], ["en"] * 6, words, tokens, top_k=2, seed=3)
    assert m["per_topic"][0]["npmi"] == 1.0 and m["per_topic"][1]["npmi"] == -1.0
    assert -1.0 < m["npmi_baseline"] < 1.0
    assert m["per_topic"][1]["below_baseline"] and not m["per_topic"][0]["below_baseline"]
    assert m["npmi_below_baseline"] == 1
    again = coherence_metrics([0, 0, 1, 1, 1, 0], ["en"] * 6, words, tokens, top_k=2, seed=3)
    assert again["npmi_baseline"] == m["npmi_baseline"]
