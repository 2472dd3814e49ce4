"""topics.fit_sample on the local backend: sampling, fixed chunks, keywords from counts, the run."""

from __future__ import annotations

import json
import sys
from collections import Counter

import numpy as np
import pytest

from toolkit.config import TopicsConfig, load_config
from toolkit.errors import ConfigError
from toolkit.topics.keywords import keywords_from_counts, topic_keywords
from toolkit.topics.sample import (
    TopicAssigner,
    assignment_chunks,
    merge_counts,
    run_chunks_local,
    sample_indices,
    sample_size,
    term_counts,
)


def _ids(n):
    return [f"d{i:05d}" for i in range(n)]


def test_sample_size_count_and_fraction():
    assert sample_size(1000, 100) == 100
    assert sample_size(1000, 0.25) == 250
    assert sample_size(50, 100) == 50


@pytest.mark.parametrize("value", [0, 5, 1.0, 1.5, -0.1, "half", True])
def test_fit_sample_rejects_bad_values(in_repo, value):
    with pytest.raises(ConfigError, match="topics.fit_sample"):
        load_config("configs/seeds.yaml", [f"topics.fit_sample={json.dumps(value)}"])


def test_sample_is_stratified_by_language_and_month():
    n = 1200
    langs = ["ru"] * 600 + ["de"] * 400 + ["zh"] * 200
    dates = [f"2024-{1 + (i % 2):02d}-01" for i in range(n)]
    idx = sample_indices(_ids(n), langs, dates, 120, seed=3)
    assert len(idx) == 120 and list(idx) == sorted(set(idx.tolist()))
    got = Counter((langs[i], dates[i][:7]) for i in idx)
    assert got == {("ru", "2024-01"): 30, ("ru", "2024-02"): 30, ("de", "2024-01"): 20,
                   ("de", "2024-02"): 20, ("zh", "2024-01"): 10, ("zh", "2024-02"): 10}


def test_sample_depends_on_seed_and_ids_not_on_order():
    n = 500
    ids, langs, dates = _ids(n), ["de"] * n, [None] * n
    a = sample_indices(ids, langs, dates, 50, seed=1)
    rev = sample_indices(ids[::-1], langs, dates, 50, seed=1)
    assert sorted(ids[i] for i in a) == sorted(ids[::-1][i] for i in rev)
    assert not np.array_equal(a, sample_indices(ids, langs, dates, 50, seed=2))


def test_chunks_are_fixed_by_segment_hashes():
    n = 1000
    ids, texts = _ids(n), [f"text {i}" for i in range(n)]
    positions = np.arange(100, n)
    chunks = assignment_chunks(ids, texts, positions, 200)
    assert len(chunks) == 5
    assert sorted(np.concatenate(chunks).tolist()) == positions.tolist()
    assert all(list(c) == sorted(c) for c in chunks)
    assert all(np.array_equal(a, b) for a, b in zip(chunks, assignment_chunks(ids, texts, positions, 200)))
    # a segment's chunk comes from its id and text, not from where it sits
    again = assignment_chunks(ids[::-1], texts[::-1], np.arange(0, n - 100), 200)
    as_ids = sorted(tuple(sorted(ids[i] for i in c)) for c in chunks)
    assert as_ids == sorted(tuple(sorted(ids[::-1][i] for i in c)) for c in again)


def test_keywords_from_counts_equal_keywords_from_tokens():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(40)] + ["词", "медицина", "Klinik"]
    tokens = [list(rng.choice(vocab, size=rng.integers(0, 8))) for _ in range(300)]
    topics = rng.integers(-1, 5, 300)
    langs = list(rng.choice(["de", "ru", "zh"], 300))
    expected = topic_keywords(tokens, topics, langs, top_n=12)
    whole = term_counts(tokens, topics, langs)
    assert keywords_from_counts(*whole, top_n=12) == expected
    # counted in chunks and added up: the same
    parts = ({}, {})
    for lo in range(0, 300, 70):
        merge_counts(parts, term_counts(tokens[lo:lo + 70], topics[lo:lo + 70], langs[lo:lo + 70]))
    assert keywords_from_counts(*parts, top_n=12) == expected


class _BatchDependentReducer:
    """Like UMAP.transform: each row's output depends on the rest of its batch."""

    n_epochs = None

    def transform(self, X):
        return X[:, :2] + 0.05 * X.mean(axis=0)[:2]


def _assigner():
    centres = np.array([[0.0, 0.0], [1.0, 1.0]])

    settings = TopicsConfig(lemmatize=False, assign_epochs=10)

    reduced = np.vstack([centres[0] + 0.01, centres[1] - 0.01])
    return TopicAssigner.from_sample(_BatchDependentReducer(), reduced, np.array([0, 1]), settings)


def test_assigner_nearest_centre_and_counts():
    a = _assigner()
    X = np.array([[0.1, 0.0], [0.9, 1.1], [0.2, 0.1]], dtype=np.float32)
    topics, (counts, sizes) = a.assign(X, ["Klinik Arzt", "врач больница", "Klinik"], ["de", "ru", "de"])
    assert topics.tolist() == [0, 1, 0]
    assert sizes == {(0, "de"): 2, (1, "ru"): 1}
    assert counts[(0, "de")]["klinik"] == 2
    assert a.reducer.n_epochs == 30  # transform runs n_epochs // 3 = assign_epochs epochs


def test_vectorised_start_layout_equals_umaps_own():
    import scipy.sparse
    from umap.umap_ import init_graph_transform

    from toolkit.topics.transform import init_from_graph

    rng = np.random.default_rng(3)
    dense = rng.random((60, 40)).astype(np.float32)
    dense[dense < 0.8] = 0.0
    dense[5] = 0.0  # a row without neighbours
    dense[7, [3, 9]] = 1.0  # a duplicate of training rows 3 and 9: the first one wins
    graph = scipy.sparse.csr_matrix(dense)
    embedding = rng.normal(size=(40, 5)).astype(np.float32)
    ours, theirs = init_from_graph(graph, embedding), init_graph_transform(graph, embedding)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)) and np.isnan(ours[5]).all()
    np.testing.assert_allclose(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)], rtol=1e-5, atol=1e-6)
    assert np.array_equal(ours[7], embedding[3])


def test_assigning_with_another_reducer_never_imports_umap(repo_root):
    """Only a UMAP reducer gets umap's start layout swapped; importing umap costs seconds."""
    import subprocess

    code = ("import sys, numpy as np; from toolkit.topics.transform import transform_fixed\n"
            "class R:\n    n_epochs = None\n    def transform(self, X): return X[:, :2]\n"
            "out = transform_fixed(R(), np.ones((3, 4), dtype=np.float32), 5)\n"
            "assert out.shape == (3, 2) and out.dtype == np.float64\n"
            "print(sorted(m for m in sys.modules if m == 'umap' or m.startswith(('umap.', 'numba'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_local_chunk_runner_covers_every_chunk():
    a = _assigner()
    X = np.random.default_rng(1).random((50, 2)).astype(np.float32)
    chunks = assignment_chunks(_ids(50), [f"t {i}" for i in range(50)], np.arange(50), 10)
    done = list(run_chunks_local(a, chunks, X, ["wort"] * 50, ["de"] * 50))
    assert [k for k, _, _ in done] == list(range(len(chunks)))
    assert sum(len(t) for _, t, _ in done) == 50


def test_run_with_fit_sample_local(in_repo, tmp_path):
    from toolkit.experiment import run_experiment

    config = load_config("configs/sib200.yaml", [
        "embedding.model=hashing", "corpus.limit=400", "topics.fit_sample=150", "topics.assign_chunk_size=100",
        f"output.dir={tmp_path}", "clustering.n_clusters=4", "output.map=true"])
    outcome = run_experiment(config, out=tmp_path / "run")
    fs = outcome.manifest["topics"]["fit_sample"]
    assert fs["sample"] == 150 and fs["assigned"] == 250 and fs["chunks"] == 3
    assert fs["strata"] == "language"
    assert set(outcome.manifest["timings"]) >= {"reduce", "topics", "assign", "keywords", "map"}
    topics = outcome.result.topics
    assert len(topics) == 400 and set(topics.tolist()) <= set(range(4))
    # topic sizes and words count every segment, not only the sample
    rows = (tmp_path / "run" / "topics.csv").read_text(encoding="utf-8").splitlines()
    assert sum(int(r.split(",")[1]) for r in rows[1:]) == 400
    coords = outcome.result.coords
    assert np.isfinite(coords[:, 0]).sum() == 150  # the map is fitted on the sample only
    assert outcome.metrics["coherence_reference"] == "fit_sample"


def test_local_path_never_imports_ray(in_repo, tmp_path, monkeypatch):
    """The local backend, fit_sample included, runs with Ray made unimportable."""
    from toolkit.experiment import run_experiment

    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)  # any `import ray` now raises ImportError
    config = load_config("configs/sib200.yaml", [
        "embedding.model=hashing", "corpus.limit=200", "topics.fit_sample=100", "topics.assign_chunk_size=100",
        f"output.dir={tmp_path}", "clustering.n_clusters=3", "output.map=false"])
    outcome = run_experiment(config, out=tmp_path / "run")
    assert outcome.manifest["execution"] == {"backend": "local"}
    assert sys.modules["ray"] is None
