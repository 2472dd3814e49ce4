"""Translation-group agreement ("Matches") on tiny hand-made groups."""

from __future__ import annotations

import pytest

from toolkit.errors import ToolkitError
from toolkit.evaluate.parallel import parallel_metrics


def test_agreement_and_pair_agreement_by_hand():
    #            g1 g1 g1 | g2 g2 g2 | g3 g3 | g4 g4 | g5 (single) | none
    topics = [3, 3, 3, 1, 1, 2, -1, -1, 0, -1, 4, 0]
    groups = ["g1", "g1", "g1", "g2", "g2", "g2", "g3", "g3", "g4", "g4", "g5", None]
    m = parallel_metrics(topics, groups)
    # g1 agrees; g2 splits 2/1; g3 is all outliers (does not count as agreement);
    # g4 has one outlier; g5 has one member and is ignored.
    assert m["n_groups"] == 4
    assert m["parallel_agreement"] == pytest.approx(1 / 4)
    # Pairs: g1 3 of 3, g2 1 of 3, g3 0 of 1 (outliers never agree), g4 0 of 1.
    assert m["parallel_pair_agreement"] == pytest.approx(4 / 8)
    assert m["per_topic"] == {} and m["warnings"] == []


def test_all_groups_agree():
    m = parallel_metrics([0, 0, 1, 1], ["a", "a", "b", "b"])
    assert m["parallel_agreement"] == 1.0
    assert m["parallel_pair_agreement"] == 1.0


def test_group_ids_may_be_numbers():
    m = parallel_metrics([0, 0, 1], [7, 7, 8])
    assert m["n_groups"] == 1 and m["parallel_agreement"] == 1.0


def test_no_groups_given_or_no_group_with_two_members():
    m = parallel_metrics([0, 1], None)
    assert m["n_groups"] is None and m["parallel_agreement"] is None
    m = parallel_metrics([0, 1, 1], ["a", "b", None])
    assert m["n_groups"] == 0
    assert m["parallel_agreement"] is None and m["parallel_pair_agreement"] is None


def test_length_mismatch():
    with pytest.raises(ToolkitError, match="groups has 3 entries but topics has 2"):
        parallel_metrics([0, 1], ["a", "a", "b"])
