"""Run-to-run stability and topic matching on hand-made assignments."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import ToolkitError
from toolkit.evaluate.stability import jaccard_matrix, match_topics, stability

# a: 0={0,1,2} 1={3,4,5} 2={6,7} -1={8}
# b: 1={0,1,2} 0={3,4,8} 2={5,6,7}
A = np.array([0, 0, 0, 1, 1, 1, 2, 2, -1])
B = np.array([1, 1, 1, 0, 0, 2, 2, 2, 0])
C = np.zeros(9, dtype=int)  # one topic holding everything


def test_jaccard_matrix_by_hand():
    ids_a, ids_b, jac = jaccard_matrix(A, B)
    assert ids_a.tolist() == [0, 1, 2] and ids_b.tolist() == [0, 1, 2]
    expected = [
        [0, 1, 0],  # a0 = b1 exactly
        [2 / 4, 0, 1 / 5],  # a1 & b0 = {3,4} of {3,4,5,8}; a1 & b2 = {5} of {3..7}
        [0, 0, 2 / 3],  # a2 & b2 = {6,7} of {5,6,7}
    ]
    np.testing.assert_allclose(jac, expected)


def test_match_topics_is_one_to_one_and_sorted():
    assert match_topics(A, B) == [
        (0, 1, 1.0),
        (1, 0, pytest.approx(0.5)),
        (2, 2, pytest.approx(2 / 3)),
    ]
    assert [p[:2] for p in match_topics(A, B, min_jaccard=0.6)] == [(0, 1), (2, 2)]


def test_hungarian_beats_greedy():
    # a0={0,2,4} a1={1}; b1={0,1,2} b0={4}. Greedy takes the best cell a0-b1 (2/4) and is
    # left with a1-b0 (0): 0.5 in all. The optimum a0-b0 + a1-b1 gives 1/3 + 1/3.
    a = np.array([0, 1, 0, -1, 0])
    b = np.array([1, 1, 1, -1, 0])
    _, _, jac = jaccard_matrix(a, b)
    np.testing.assert_allclose(jac, [[1 / 3, 2 / 4], [0, 1 / 3]])
    assert match_topics(a, b) == [(0, 0, pytest.approx(1 / 3)), (1, 1, pytest.approx(1 / 3))]


def test_outliers_are_never_matched_and_disjoint_topics_are_dropped():
    a = np.array([-1, -1, 0, 0])
    b = np.array([-1, -1, 5, 6])
    assert match_topics(a, b) == [(0, 5, 0.5)]
    assert match_topics([-1, 0], [0, -1]) == []  # no overlap: no pair
    assert match_topics([-1, -1], [0, 0]) == []


def test_stability_by_hand():
    s = stability([A, B, C])
    # ARI(A, B): same-cell pairs 3+1+1 = 5; A rows 3+3+1+0 = 7; B cols 3+3+3 = 9;
    # C(9,2) = 36 -> (5 - 63/36) / (8 - 63/36) = 0.52. Against one big topic ARI is 0.
    ari_ab = (5 - 63 / 36) / (8 - 63 / 36)
    assert ari_ab == pytest.approx(0.52)
    assert s["n_runs"] == 3
    assert s["ari_mean"] == pytest.approx(ari_ab / 3)
    assert s["ari_min"] == pytest.approx(0.0, abs=1e-12)
    # Ordered pairs: (A,B) 3/3, (B,A) 3/3, every pair with C 0 -> 2/6.
    assert s["matched_topics"] == pytest.approx(1 / 3)
    assert s["n_topics_mean"] == pytest.approx(7 / 3)
    assert (s["n_topics_min"], s["n_topics_max"]) == (1, 3)


def test_identical_runs_up_to_renaming_are_fully_stable():
    s = stability([A, np.where(A == -1, -1, 10 - A)])
    assert s["ari_mean"] == pytest.approx(1.0) and s["matched_topics"] == 1.0


def test_runs_without_topics():
    s = stability([[-1, -1, -1], [-1, -1, -1]])
    assert s["matched_topics"] is None
    s = stability([[-1, -1, -1], [0, 0, 1]])
    assert s["matched_topics"] == 0.0  # only the run with topics is asked


def test_errors():
    with pytest.raises(ToolkitError, match="at least 2 runs to compare, got 1"):
        stability([A])
    with pytest.raises(ToolkitError, match=r"same units; got runs with \[3, 9\] units"):
        stability([A, [0, 1, 2]])
    with pytest.raises(ToolkitError, match=r"different units \(9 vs 3\)"):
        match_topics(A, [0, 1, 2])
    with pytest.raises(ToolkitError, match="min_jaccard must be between 0 and 1, got 2"):
        match_topics(A, B, min_jaccard=2)


assignments = st.lists(st.integers(-1, 3), min_size=1, max_size=10)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_matching_total_equals_brute_force_optimum(data):
    a = data.draw(assignments)
    b = data.draw(st.lists(st.integers(-1, 3), min_size=len(a), max_size=len(a)))
    ids_a, ids_b, jac = jaccard_matrix(a, b)
    best = 0.0
    if ids_a.size and ids_b.size:
        small, large = sorted([jac, jac.T], key=lambda m: m.shape[0])
        for perm in permutations(range(large.shape[0]), small.shape[0]):
            best = max(best, sum(small[i, j] for i, j in enumerate(perm)))
    got = match_topics(a, b)
    assert sum(p[2] for p in got) == pytest.approx(best)
    assert len({p[0] for p in got}) == len(got) == len({p[1] for p in got})
