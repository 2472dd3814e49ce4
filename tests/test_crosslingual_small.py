"""Cross-lingual pipeline on a slice of SIB-200 ru+de+zh (100 sentences x 3 languages).

Alignment, clustering choices, topic merging, outlier reassignment and named themes, end to
end through ``run_experiment`` with the shipped multilingual model, plus the BERTopic glue
(precomputed reduction, merging, outliers) on its own.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from toolkit.config import load_config
from toolkit.errors import ConfigError, ParameterError, TopicModelError
from toolkit.topics.model import PrecomputedReduction, renumber_by_size
from toolkit.topics.outliers import OUTLIER_STRATEGIES, merge_topics, reassign_outliers

ROOT = Path(__file__).resolve().parent.parent
SIB = ROOT / "experiments" / "data" / "sib200" / "ru_de_zh.jsonl"
LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]
N_GROUPS = 100


@pytest.fixture(scope="module")
def sib_slice(tmp_path_factory) -> Path:
    """The first 100 translation groups, all three languages, as a JSONL corpus."""
    rows = [json.loads(line) for line in SIB.read_text(encoding="utf-8").splitlines()]
    keep = sorted({r["group"] for r in rows}, key=int)[:N_GROUPS]
    keep_set = set(keep)
    path = tmp_path_factory.mktemp("sib") / "slice.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            if r["group"] in keep_set:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _run(sib_slice: Path, tmp_path: Path, *overrides: str):
    from toolkit.experiment import run_experiment

    cfg = load_config(ROOT / "configs" / "sib200.yaml",
                      [f"corpus.path={sib_slice}", "corpus.format=jsonl", "corpus.unit=document",
                       f"output.dir={tmp_path}", "output.map=false", *overrides])
    return run_experiment(cfg, out=tmp_path / "run")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _final_topics_consistent(result) -> None:
    """Words, labels, representatives and similarity describe exactly the final topics."""
    present = set(result.topics.tolist())
    assert set(result.keywords) == present
    assert set(result.labels) == present
    assert set(result.representatives) <= present
    assert result.similarity_topics == sorted(present - {-1})
    assert set(result.themes) == present
    non_outliers = sorted(present - {-1})
    assert non_outliers == list(range(len(non_outliers)))  # 0 is the largest, ids consecutive
    sizes = [int(np.sum(result.topics == t)) for t in non_outliers]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.slow
def test_recommended_config_runs_unchanged_on_another_jsonl(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path)
    ids = [json.loads(line)["id"] for line in sib_slice.read_text(encoding="utf-8").splitlines()]
    assigned = _rows(outcome.path / "assignments.csv")
    assert [r["id"] for r in assigned] == ids
    m = outcome.metrics
    assert m["outlier_share"] == 0.0
    assert 4 <= m["n_topics"] <= 20
    assert m["nmi_language"] < 0.05
    assert m["parallel_agreement"] > 0.8
    assert m["nmi"] > 0.35
    assert m["theme_accuracy"] is None and m["theme_coverage"] is None
    manifest = json.loads((outcome.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["align"] == {"method": "none", "languages": 3, "normalize": True}
    clustering = manifest["topics"]["clustering"]
    assert clustering["method"] == "hierarchy" and clustering["n_clusters"] == "auto"
    assert clustering["n_clusters_fitted"] == m["n_topics"] == clustering["best_count"]
    assert set(clustering["scores"]) == {str(k) for k in range(5, 21)}  # 300 units: at most 300 // 15
    assert len(clustering["tree"]["base_topic"]) == clustering["n_base_clusters"] == 60  # 300 // 5
    assert manifest["topics"]["outliers"]["strategy"] == "none"
    _final_topics_consistent(outcome.result)


@pytest.mark.slow
def test_named_themes_match_label_names(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "themes.names=[" + ", ".join(LABELS) + "]")
    m = outcome.metrics
    assert m["theme_coverage"] > 0.5
    assert m["theme_accuracy"] > 0.45
    themes = outcome.manifest["topics"]["themes"]
    assert themes["mode"] == "match" and themes["accuracy"] == m["theme_accuracy"]
    table = _rows(outcome.path / "topics.csv")
    assert {r["theme"] for r in table} - {""} <= set(LABELS)
    assert len({r["theme"] for r in table} - {""}) >= 3
    # Each unit carries its own theme; a topic is labelled with one only when most of its units carry it.
    unit_themes = np.asarray([t or "" for t in outcome.result.unit_themes.labels])
    for t, theme in outcome.result.themes.items():
        members = unit_themes[outcome.result.topics == t]
        values, counts = np.unique(members[members != ""], return_counts=True)
        top = values[np.argmax(counts)] if counts.size else None
        majority = top if counts.size and counts.max() > members.size / 2 else None
        assert theme == (majority if t != -1 else None)


@pytest.mark.slow
def test_guided_themes_use_zero_shot(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "themes.names=[" + ", ".join(LABELS) + "]", "themes.mode=guided",
                   "themes.threshold=0.15")
    themes = outcome.manifest["topics"]["themes"]
    assert themes["mode"] == "guided" and themes["zero_shot_units"] > 0
    assert outcome.metrics["theme_accuracy"] > 0.4
    _final_topics_consistent(outcome.result)


@pytest.mark.slow
def test_hdbscan_merge_and_outliers_are_recorded(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "clustering.method=hdbscan", "hdbscan.min_cluster_size=5",
                   "umap.n_neighbors=10", "topics.nr_topics=4", "topics.outliers=embeddings",
                   "align.method=remove_language")
    details = outcome.manifest["topics"]
    assert details["clustering"] == {"method": "hdbscan", "min_cluster_size": 5}
    assert details["merge"]["nr_topics"] == 4 and details["merge"]["before"] > 4
    assert details["merge"]["after"] == 4
    assert details["outliers"]["strategy"] == "embeddings"
    assert details["outliers"]["outliers_before"] > 0 and details["outliers"]["outliers_after"] == 0
    assert outcome.metrics["n_topics"] == 4 and outcome.metrics["outlier_share"] == 0.0
    assert outcome.manifest["align"]["method"] == "remove_language"
    _final_topics_consistent(outcome.result)


@pytest.mark.slow
def test_groups_alignment_and_gmm(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "align.method=groups", "clustering.method=gmm",
                   "clustering.n_clusters=6", "clustering.n_init=2")
    assert outcome.manifest["align"]["n_groups"] == N_GROUPS
    assert outcome.manifest["topics"]["clustering"]["n_clusters_fitted"] == 6
    assert outcome.metrics["parallel_agreement"] > 0.8
    _final_topics_consistent(outcome.result)


@pytest.mark.slow
def test_seeds_config_names_five_themes_across_languages(tmp_path, in_repo):
    from toolkit.experiment import run_experiment

    cfg = load_config("configs/seeds.yaml", [f"output.dir={tmp_path}", "output.map=false"])
    outcome = run_experiment(cfg, out=tmp_path / "run")
    assert len(cfg.themes.all_names) == 5
    topics = set(outcome.result.topics.tolist()) - {-1}
    assert len(topics) >= 3
    langs = np.asarray(outcome.corpus.langs)
    themes = np.asarray([t or "" for t in outcome.result.unit_themes.labels])
    # Sentences carry themes in every language, most themes have sentences, and sentences about
    # none of them (most of this corpus, by the hand coding in tests/data/) stay unthemed.
    assert set(langs[themes != ""].tolist()) >= {"ru", "de", "zh"}
    assert len(set(themes.tolist()) - {""}) >= 4
    assert np.mean(themes == "") > 0.4


# ------------------------------------------------------------- the BERTopic glue on its own


def test_precomputed_reduction_serves_rows_and_subsets():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 4)).astype(np.float32)
    red = np.arange(12, dtype=np.float32).reshape(6, 2)
    reducer = PrecomputedReduction(emb, red).fit(emb)
    np.testing.assert_array_equal(reducer.transform(emb), red)
    np.testing.assert_array_equal(reducer.transform(emb[[4, 1]]), red[[4, 1]])
    with pytest.raises(TopicModelError, match="asked to reduce an embedding it was not given"):
        reducer.transform(emb[:1] + 1.0)


def test_renumber_by_size():
    topics = np.array([5, 5, -1, 2, 2, 2, 9])
    assert renumber_by_size(topics).tolist() == [1, 1, -1, 0, 0, 0, 2]


class _FakeModel:
    """Stands in for a fitted BERTopic (records the calls)."""

    def __init__(self, topics):
        self.topics_ = list(topics)
        self.calls = []

    def reduce_topics(self, docs, nr_topics):
        self.calls.append(("reduce_topics", nr_topics))
        self.topics_ = [t if t in (-1, 0) else 1 for t in self.topics_]

    def reduce_outliers(self, docs, topics, strategy, threshold, embeddings):
        self.calls.append(("reduce_outliers", strategy, threshold, embeddings is not None))
        return [0 if t == -1 else t for t in topics]


def test_merge_topics_counts_the_outlier_topic_for_bertopic():
    model = _FakeModel([-1, 0, 1, 2, 3, 3])
    topics, info = merge_topics(model, ["d"] * 6, 2)
    assert model.calls == [("reduce_topics", 3)]  # 2 topics + the outlier topic
    assert info == {"nr_topics": 2, "before": 4, "after": 2}
    assert topics.tolist() == [-1, 0, 1, 1, 1, 1]
    _, info = merge_topics(_FakeModel([0, 1]), ["d"] * 2, None)
    assert info == {"nr_topics": None, "before": 2, "after": 2}
    model = _FakeModel([0, 1, 2])
    _, info = merge_topics(model, ["d"] * 3, 5)
    assert model.calls == [] and info["after"] == 3
    with pytest.raises(ParameterError, match=r"^nr_topics: expected null, an integer >= 2 or 'auto', got 'few'"):
        merge_topics(_FakeModel([0, 1]), ["d"] * 2, "few")
    with pytest.raises(ParameterError, match="^nr_topics: .*got 1"):
        merge_topics(_FakeModel([0, 1]), ["d"] * 2, 1)


def test_reassign_outliers_records_the_move():
    assert OUTLIER_STRATEGIES == ("none", "embeddings", "c-tf-idf", "distributions", "reduced")
    model = _FakeModel([])
    topics, info = reassign_outliers(model, ["d"] * 4, np.array([-1, 0, -1, 1]), "embeddings", 0.2,
                                     embeddings=np.zeros((4, 2)))
    assert topics.tolist() == [0, 0, 0, 1]
    assert info == {"strategy": "embeddings", "threshold": 0.2, "outliers_before": 2, "outliers_after": 0}
    assert model.calls == [("reduce_outliers", "embeddings", 0.2, True)]
    model = _FakeModel([])
    _, info = reassign_outliers(model, ["d"] * 2, np.array([0, 1]), "c-tf-idf")
    assert model.calls == [] and info["outliers_after"] == 0  # nothing to move
    with pytest.raises(ParameterError, match="^strategy: expected one of none, embeddings, c-tf-idf, "
                                          "distributions, reduced, got 'nearest'"):
        reassign_outliers(model, ["d"], np.array([-1]), "nearest")
    with pytest.raises(TopicModelError, match="topics.outliers=reduced needs the reduced"):
        reassign_outliers(model, ["d", "e"], np.array([-1, 0]), "reduced")


def test_reduced_strategy_moves_outliers_to_the_nearest_centre():
    reduced = np.array([[0.0, 0.0], [0.2, 0.0], [10.0, 0.0], [10.2, 0.0], [9.0, 0.0], [1.0, 0.0]])
    topics = np.array([0, 0, 1, 1, -1, -1])
    moved, info = reassign_outliers(_FakeModel([]), ["d"] * 6, topics, "reduced", reduced=reduced)
    assert moved.tolist() == [0, 0, 1, 1, 1, 0]
    assert info == {"strategy": "reduced", "threshold": 0.0, "outliers_before": 2, "outliers_after": 0}


def test_config_topic_control_keys():
    cfg = load_config(ROOT / "configs" / "sib200.yaml", ["topics.nr_topics=auto", "topics.outliers=c-tf-idf",
                                                         "topics.outlier_threshold=0.3"])
    assert (cfg.topics.nr_topics, cfg.topics.outliers, cfg.topics.outlier_threshold) == ("auto", "c-tf-idf", 0.3)
    with pytest.raises(ConfigError, match=r"'topics.outliers': "):
        load_config(ROOT / "configs" / "sib200.yaml", ["topics.outliers=nearest"])
    with pytest.raises(ConfigError, match=r"'topics.nr_topics': .*expected an integer >= 2, 'auto' or null"):
        load_config(ROOT / "configs" / "sib200.yaml", ["topics.nr_topics=1"])
