"""Label metrics against numbers worked out by hand (no sklearn in the expectations)."""

from __future__ import annotations

import math
from math import comb, factorial, log

import numpy as np
import pytest

from toolkit.errors import ToolkitError
from toolkit.evaluate.labels import label_metrics, purity

# topics:  0 0 0 | 1 1 | -1
# labels:  a a b | b b | a
TOPICS = np.array([0, 0, 0, 1, 1, -1])
LABELS = ["a", "a", "b", "b", "b", "a"]


def _h(counts: list[int]) -> float:
    n = sum(counts)
    return -sum(c / n * log(c / n) for c in counts if c)


def _mi(table: list[list[int]]) -> float:
    n = sum(map(sum, table))
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    return sum(
        nij / n * log(n * nij / (rows[i] * cols[j]))
        for i, r in enumerate(table)
        for j, nij in enumerate(r)
        if nij
    )


def _emi(rows: list[int], cols: list[int]) -> float:
    """Expected mutual information under the hypergeometric model, term by term."""
    n = sum(rows)
    total = 0.0
    for a in rows:
        for b in cols:
            for nij in range(max(1, a + b - n), min(a, b) + 1):
                p = (
                    factorial(a) * factorial(b) * factorial(n - a) * factorial(n - b)
                ) / (
                    factorial(n)
                    * factorial(nij)
                    * factorial(a - nij)
                    * factorial(b - nij)
                    * factorial(n - a - b + nij)
                )
                total += nij / n * log(n * nij / (a * b)) * p
    return total


def _ari(table: list[list[int]]) -> float:
    n = sum(map(sum, table))
    index = sum(comb(x, 2) for r in table for x in r)
    ra = sum(comb(sum(r), 2) for r in table)
    cb = sum(comb(sum(c), 2) for c in zip(*table))
    expected = ra * cb / comb(n, 2)
    return (index - expected) / ((ra + cb) / 2 - expected)


def test_all_units_with_outliers_as_a_cluster():
    # Contingency: rows = labels a, b; columns = topics -1, 0, 1.
    table = [[1, 2, 0], [0, 1, 2]]
    h_lab, h_top = _h([3, 3]), _h([1, 3, 2])
    mi = _mi(table)
    m = label_metrics(TOPICS, LABELS)
    assert m["nmi"] == pytest.approx(2 * mi / (h_lab + h_top))
    assert m["v_measure"] == pytest.approx(2 * mi / (h_lab + h_top))
    emi = _emi([3, 3], [1, 3, 2])
    assert m["ami"] == pytest.approx((mi - emi) / ((h_lab + h_top) / 2 - emi))
    # Pairs: same-cell pairs 1, 1 (the 2s); row pairs 3+3; column pairs 0+3+1; C(6,2)=15.
    assert _ari(table) == pytest.approx((2 - 6 * 4 / 15) / (5 - 6 * 4 / 15))
    assert m["ari"] == pytest.approx((2 - 6 * 4 / 15) / (5 - 6 * 4 / 15))
    # Purity: topic -1 -> 1 (a), topic 0 -> 2 (a), topic 1 -> 2 (b).
    assert m["purity"] == pytest.approx(5 / 6)
    assert m["label_coverage"] == pytest.approx(5 / 6)
    assert m["n_labelled"] == 6
    assert m["n_labels"] == 2


def test_inliers_only_drop_the_outlier_unit():
    table = [[2, 0], [1, 2]]  # labels a, b x topics 0, 1 over the five inliers
    h_lab, h_top = _h([2, 3]), _h([3, 2])
    mi = _mi(table)
    m = label_metrics(TOPICS, LABELS)
    assert m["nmi_inliers"] == pytest.approx(2 * mi / (h_lab + h_top))
    assert m["v_measure_inliers"] == pytest.approx(2 * mi / (h_lab + h_top))
    emi = _emi([2, 3], [3, 2])
    assert m["ami_inliers"] == pytest.approx((mi - emi) / ((h_lab + h_top) / 2 - emi))
    # same-cell pairs 1 + 0 + 0 + 1 = 2; rows 1 + 3 = 4; cols 3 + 1 = 4; C(5, 2) = 10.
    assert m["ari_inliers"] == pytest.approx((2 - 16 / 10) / (4 - 16 / 10))
    assert m["purity_inliers"] == pytest.approx(4 / 5)


def test_perfect_agreement_scores_one_and_is_label_name_blind():
    m = label_metrics([5, 5, 2, 2, 7], ["x", "x", "y", "y", "z"])
    for key in ("nmi", "ami", "ari", "v_measure", "purity"):
        assert m[key] == pytest.approx(1.0), key
        assert m[key + "_inliers"] == pytest.approx(1.0), key
    assert m["label_coverage"] == 1.0


def test_units_without_label_are_ignored():
    with_none = label_metrics([0, 0, 1, 1, 1, -1], ["a", "a", None, "b", "b", None])
    without = label_metrics([0, 0, 1, 1], ["a", "a", "b", "b"])
    for key in ("nmi", "ari", "purity", "nmi_inliers", "label_coverage"):
        assert with_none[key] == pytest.approx(without[key]), key
    assert with_none["n_labelled"] == 4
    assert with_none["label_coverage"] == 1.0  # the outlier has no label


def test_no_labels_gives_none_everywhere():
    for labels in (None, [None, None, None]):
        m = label_metrics([0, 1, -1], labels)
        assert m["nmi"] is None and m["ari_inliers"] is None
        assert m["label_coverage"] is None and m["n_labels"] is None
        assert m["per_topic"] == {} and m["warnings"] == []
    assert label_metrics([0, 1, -1], None)["n_labelled"] is None
    assert label_metrics([0, 1, -1], [None] * 3)["n_labelled"] == 0


def test_all_labelled_units_are_outliers():
    m = label_metrics([-1, -1, 0], ["a", "b", None])
    assert m["label_coverage"] == 0.0
    assert m["nmi_inliers"] is None and m["purity_inliers"] is None
    assert m["purity"] == pytest.approx(1 / 2)


def test_per_topic_majority_label_and_share_with_stable_ties():
    m = label_metrics([0, 0, 0, 1, 1], ["b", "a", "b", "y", "x"])
    assert m["per_topic"][0] == {"label_majority": "b", "label_majority_share": 2 / 3}
    # Tie 1-1: the label that sorts first wins.
    assert m["per_topic"][1] == {"label_majority": "x", "label_majority_share": 0.5}


def test_purity_by_hand_and_empty_input():
    assert purity([0, 0, 1, 1, 1], ["a", "b", "c", "c", "d"]) == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match="at least one unit"):
        purity([], [])


def test_length_mismatch_names_both_lengths():
    with pytest.raises(ToolkitError, match=r"labels has 2 entries but topics has 3"):
        label_metrics([0, 1, 1], ["a", "b"])


def test_independent_split_scores_zero_nmi_and_negative_ari():
    # Labels split exactly across topics: no information, NMI 0, ARI below 0.
    m = label_metrics([0, 0, 1, 1], ["a", "b", "a", "b"])
    assert m["nmi"] == pytest.approx(0.0, abs=1e-12)
    # same-cell pairs 0; rows 1 + 1 = 2; cols 2; C(4, 2) = 6 -> (0 - 4/6) / (2 - 4/6)
    assert m["ari"] == pytest.approx((0 - 4 / 6) / (2 - 4 / 6))
    assert math.isclose(m["purity"], 0.5)
