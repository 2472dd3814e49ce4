"""Shape metrics, input checks and the evaluate_run entry point."""

from __future__ import annotations

import json
from math import sqrt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toolkit.evaluate as ev
from toolkit.errors import ToolkitError
from toolkit.evaluate import evaluate_run, match_topics, stability
from toolkit.evaluate.shape import shape_metrics

# ---------------------------------------------------------------- shape

SHAPE_TOPICS = [0, 0, 0, 0, 1, 1, 2, -1, -1, -1]  # sizes 4, 2, 1 and 3 outliers


def test_shape_by_hand():
    m = shape_metrics(SHAPE_TOPICS)
    assert (m["n_units"], m["n_outliers"], m["n_topics"]) == (10, 3, 3)
    assert m["outlier_share"] == pytest.approx(0.3)
    assert (m["topic_size_min"], m["topic_size_median"], m["topic_size_max"]) == (1, 2.0, 4)
    # Gini: ordered-pair absolute differences 2*(2+3+1) = 12 over 2 * 3^2 * mean(7/3) = 42.
    assert m["topic_size_gini"] == pytest.approx(12 / 42)
    # CV: population variance (25 + 1 + 16) / 9 / 3 = 14/9 -> std sqrt(14)/3, mean 7/3.
    assert m["topic_size_cv"] == pytest.approx(sqrt(14) / 7)
    assert m["per_topic"][-1] == {"size": 3, "share": 0.3}
    assert m["per_topic"][0] == {"size": 4, "share": 0.4}
    assert m["warnings"] == []


def test_equal_sizes_have_zero_spread():
    m = shape_metrics([3, 3, 5, 5])
    assert m["topic_size_gini"] == 0.0 and m["topic_size_cv"] == 0.0
    assert m["topic_size_median"] == 2.0


def test_shape_warnings_for_all_and_many_outliers():
    m = shape_metrics([-1, -1])
    assert m["n_topics"] == 0 and m["topic_size_median"] is None
    assert m["topic_size_gini"] is None
    assert m["warnings"] == [
        "no topics were found: all 2 units are outliers; lower hdbscan.min_cluster_size "
        "or use more units."
    ]
    m = shape_metrics([-1, -1, -1, 0, 0])
    assert len(m["warnings"]) == 1 and m["warnings"][0].startswith("60% of units are outliers")
    assert shape_metrics([-1, 0])["warnings"] == []  # exactly half is not "more than half"


def test_integral_floats_are_accepted():
    assert shape_metrics(np.array([0.0, 1.0, -1.0]))["n_topics"] == 2


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ([[0, 1], [1, 0]], r"1-D array of topic ids.*shape \(2, 2\)"),
        ([], "topics is empty"),
        ([0.5, 1.0], "integer topic ids; found the value 0.5"),
        ([0.0, float("nan")], "found the value nan.*never NaN"),
        (["a", "b"], "integer topic ids; got values of type <U1"),
        ([True, False], "got booleans"),
        ([0, -2], "must be >= -1 .*found -2"),
    ],
)
def test_bad_topics_are_rejected(topics, message):
    with pytest.raises(ToolkitError, match=message):
        shape_metrics(topics)


# ---------------------------------------------------------------- evaluate_run

TOPICS = np.array([0, 0, 0, 1, 1, 1, -1, 2, 2])
LANGS = ["ru", "de", "zh", "ru", "ru", "ru", "de", "de", "zh"]
LABELS = ["a", "a", "a", "b", "b", None, "a", "c", "c"]
GROUPS = ["g1", "g1", "g1", "g2", "g2", None, "g3", "g3", None]
WORDS = {0: ["туризм", "medizin", "klinik"], 1: ["врач", "больница"], 2: ["medizin", ""]}
TOKENS = [
    ["туризм"],
    ["medizin", "klinik"],
    ["医疗"],
    ["врач", "больница"],
    ["врач"],
    ["больница"],
    ["medizin"],
    ["klinik"],
    ["医疗"],
]


def _full():
    return evaluate_run(
        TOPICS, LANGS, labels=LABELS, groups=GROUPS, topic_words=WORDS, tokens=TOKENS
    )


def test_full_run_is_json_ready_and_merges_sections():
    m = _full()
    text = json.dumps(m, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == m
    assert list(m)[-2:] == ["warnings", "per_topic"]
    for key, value in m.items():
        if key not in ("warnings", "per_topic"):
            assert value is None or type(value) in (int, float), key
    assert list(m["per_topic"]) == ["-1", "0", "1", "2"]
    t1 = m["per_topic"]["1"]
    assert t1["size"] == 3 and t1["dominant_lang"] == "ru" and t1["label_majority"] == "b"
    assert t1["npmi"] == pytest.approx(0.0, abs=1e-12)  # врач/больница independent in ru
    assert "npmi" not in m["per_topic"]["-1"]
    # Spot checks of each section (their own tests hold the hand computations).
    assert m["n_topics"] == 3 and m["outlier_share"] == pytest.approx(1 / 9)
    assert m["purity_inliers"] == 1.0 and m["label_coverage"] == pytest.approx(7 / 8)
    assert m["n_groups"] == 3 and m["parallel_agreement"] == pytest.approx(2 / 3)
    assert m["topic_diversity"] == pytest.approx(5 / 6)
    assert m["single_language_topic_share"] == pytest.approx(1 / 3)
    assert any("topic 1 (ru 100%)" in w for w in m["warnings"])


def test_every_key_is_present_without_optional_inputs():
    bare = evaluate_run(TOPICS, LANGS)
    assert set(bare) == set(_full())
    for key in ("nmi", "ami_inliers", "label_coverage", "parallel_agreement", "npmi",
                "topic_diversity", "n_groups"):
        assert bare[key] is None, key
    json.dumps(bare, allow_nan=False)


def test_one_language_run_has_no_language_warning():
    m = evaluate_run([0, 0, 1, 1], ["de"] * 4)
    assert m["warnings"] == [] and m["nmi_language"] is None


def test_entry_point_errors():
    with pytest.raises(ToolkitError, match="langs has 2 entries but topics has 9"):
        evaluate_run(TOPICS, ["de", "ru"])
    with pytest.raises(ToolkitError, match="labels has 1 entries"):
        evaluate_run(TOPICS, LANGS, labels=["a"])
    with pytest.raises(ToolkitError, match="top_k must be an integer >= 2"):
        evaluate_run(TOPICS, LANGS, top_k=0)
    with pytest.raises(ToolkitError, match="topics is empty"):
        evaluate_run(np.array([], dtype=int), [])


def test_public_exports():
    for name in ("evaluate_run", "stability", "match_topics"):
        assert name in ev.__all__
    assert callable(stability) and callable(match_topics)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.integers(-1, 3), st.sampled_from(["de", "ru", "zh"]),
                       st.sampled_from(["x", "y", None])), min_size=2, max_size=15),
    st.permutations([0, 1, 2, 3]),
)
def test_scalars_do_not_depend_on_topic_numbering(rows, perm):
    topics = np.array([r[0] for r in rows])
    langs = [r[1] for r in rows]
    labels = [r[2] for r in rows]
    renamed = np.array([t if t == -1 else perm[t] for t in topics])
    a = evaluate_run(topics, langs, labels=labels, groups=labels)
    b = evaluate_run(renamed, langs, labels=labels, groups=labels)
    for key, value in a.items():
        if key in ("warnings", "per_topic"):
            continue
        if value is None:
            assert b[key] is None, key
        else:
            assert b[key] == pytest.approx(value), key
