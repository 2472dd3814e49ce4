"""Language spread of topics against numbers worked out by hand."""

from __future__ import annotations

from math import log

import pytest

from toolkit.errors import ToolkitError
from toolkit.evaluate.language import language_metrics, normalised_entropy

# topic 0: ru de zh (evenly mixed)   topic 1: ru ru ru (one language)
# topic 2: de de de zh (75% de)      outliers: zh de
TOPICS = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, -1, -1]
LANGS = ["ru", "de", "zh", "ru", "ru", "ru", "de", "de", "de", "zh", "zh", "de"]


def _h(counts: list[int]) -> float:
    n = sum(counts)
    return -sum(c / n * log(c / n) for c in counts if c)


def test_per_topic_entropy_and_dominant_language():
    m = language_metrics(TOPICS, LANGS)
    pt = m["per_topic"]
    assert pt[0]["language_entropy"] == pytest.approx(1.0)
    assert pt[1]["language_entropy"] == pytest.approx(0.0)
    assert pt[2]["language_entropy"] == pytest.approx(
        -(0.75 * log(0.75) + 0.25 * log(0.25)) / log(3)
    )
    assert pt[1]["dominant_lang"] == "ru" and pt[1]["dominant_lang_share"] == 1.0
    assert pt[2]["dominant_lang"] == "de" and pt[2]["dominant_lang_share"] == 0.75
    # Three-way tie: the code that sorts first.
    assert pt[0]["dominant_lang"] == "de"
    assert pt[2]["lang_counts"] == {"de": 3, "zh": 1}
    assert [pt[k]["single_language"] for k in (0, 1, 2)] == [False, True, False]
    # The outlier topic is described but left out of the means.
    assert pt[-1]["lang_counts"] == {"de": 1, "zh": 1}


def test_corpus_level_figures():
    m = language_metrics(TOPICS, LANGS)
    h2 = -(0.75 * log(0.75) + 0.25 * log(0.25)) / log(3)
    assert m["n_languages"] == 3
    assert m["mean_language_entropy"] == pytest.approx((1.0 + 0.0 + h2) / 3)
    assert m["single_language_topic_share"] == pytest.approx(1 / 3)
    # NMI(topic, language) over all 12 units, outliers as topic -1.
    # rows = languages de, ru, zh; columns = topics -1, 0, 1, 2.
    table = [[1, 1, 0, 3], [0, 1, 3, 0], [1, 1, 0, 1]]
    n = 12
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    mi = sum(
        x / n * log(n * x / (rows[i] * cols[j]))
        for i, r in enumerate(table)
        for j, x in enumerate(r)
        if x
    )
    assert m["nmi_language"] == pytest.approx(2 * mi / (_h(rows) + _h(cols)))


def test_warnings_name_single_language_topics_and_language_bias():
    m = language_metrics(TOPICS, LANGS)
    single = [w for w in m["warnings"] if "single-language" in w]
    assert len(single) == 1
    assert "topic 1 (ru 100%)" in single[0] and "1 of 3 topics" in single[0]
    assert m["nmi_language"] > 0.2
    assert any("topics follow language more than content" in w for w in m["warnings"])


def test_no_bias_warning_when_topics_mix_languages_evenly():
    topics = [0, 0, 1, 1, -1, -1]
    langs = ["ru", "de", "ru", "de", "ru", "de"]
    m = language_metrics(topics, langs)
    assert m["nmi_language"] == pytest.approx(0.0, abs=1e-12)
    assert m["mean_language_entropy"] == pytest.approx(1.0)
    assert m["single_language_topic_share"] == 0.0
    assert m["warnings"] == []


def test_ninety_percent_threshold_is_inclusive():
    topics = [0] * 10 + [1] * 10
    langs = ["ru"] * 9 + ["de"] + ["de"] * 8 + ["ru"] * 2
    m = language_metrics(topics, langs)
    assert m["per_topic"][0]["single_language"] is True  # 9/10 = 90%
    assert m["per_topic"][1]["single_language"] is False  # 8/10 = 80%
    assert m["single_language_topic_share"] == 0.5
    relaxed = language_metrics(topics, langs, single_share=0.8, nmi_warn=1.0)
    assert relaxed["single_language_topic_share"] == 1.0
    assert not any("follow language" in w for w in relaxed["warnings"])


def test_one_language_corpus_has_no_language_warnings_and_none_entropy():
    m = language_metrics([0, 0, 1, -1], ["de"] * 4)
    assert m["n_languages"] == 1
    assert m["nmi_language"] is None
    assert m["mean_language_entropy"] is None
    assert m["single_language_topic_share"] is None
    assert m["warnings"] == []
    assert m["per_topic"][0]["language_entropy"] is None
    assert m["per_topic"][0]["single_language"] is None
    assert m["per_topic"][0]["dominant_lang"] == "de"


def test_only_outliers_gives_none_means_but_an_nmi():
    m = language_metrics([-1, -1], ["de", "ru"])
    assert m["mean_language_entropy"] is None
    assert m["single_language_topic_share"] is None
    assert m["nmi_language"] == pytest.approx(0.0, abs=1e-12)


def test_missing_language_is_und():
    m = language_metrics([0, 0], ["de", None])
    assert m["n_languages"] == 2
    assert m["per_topic"][0]["lang_counts"] == {"de": 1, "und": 1}


def test_normalised_entropy_by_hand_and_error():
    assert normalised_entropy([2, 2, 0, 0], 4) == pytest.approx(log(2) / log(4))
    assert normalised_entropy([5], 3) == 0.0
    with pytest.raises(ValueError, match="n_categories must be >= 2, got 1"):
        normalised_entropy([1], 1)


def test_length_mismatch():
    with pytest.raises(ToolkitError, match="langs has 1 entries but topics has 2"):
        language_metrics([0, 1], ["de"])
