"""The Ray backend: config, the missing-extra error, distributed embedding, chunk assignment, sweeps.

Ray runs locally (2 CPUs, no dashboard, no usage statistics, loopback address). Tests that
need Ray are skipped, with the reason, only where the extra is not installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from toolkit.config import TopicsConfig, load_config
from toolkit.errors import ConfigError


@pytest.fixture(scope="module")
def ray_local(tmp_path_factory):
    """Local Ray whose worker processes start in a directory of their own, as on a cluster.

    The tests run in the repository; the workers' own current directory is elsewhere, so a
    relative path that reaches a worker unresolved fails here.
    """
    ray = pytest.importorskip("ray", reason='the Ray extra is not installed (pip install "topicbridge[ray]")')
    pytest.importorskip("ray.data", reason='Ray Data is not installed (pip install "topicbridge[ray]")')
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if not ray.is_initialized():
        here = os.getcwd()
        os.chdir(tmp_path_factory.mktemp("ray-workers"))
        try:
            ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False,
                     _node_ip_address="127.0.0.1")
        finally:
            os.chdir(here)
    yield ray
    ray.shutdown()


# --------------------------------------------------------------------- config and errors


def test_execution_defaults_and_keys(in_repo):
    cfg = load_config("configs/seeds.yaml")
    assert (cfg.execution.backend, cfg.execution.workers, cfg.execution.address) == ("local", None, None)
    cfg = load_config("configs/seeds.yaml", ["execution.backend=ray", "execution.workers=4",
                                             "execution.address=auto"])
    assert (cfg.execution.backend, cfg.execution.workers, cfg.execution.address) == ("ray", 4, "auto")


@pytest.mark.parametrize("override, key", [("execution.backend=spark", "execution.backend"),
                                           ("execution.workers=0", "execution.workers"),
                                           ("execution.nodes=3", "execution.nodes")])
def test_execution_bad_values(in_repo, override, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config("configs/seeds.yaml", [override])


def _block_ray(monkeypatch):
    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)


def test_missing_extra_is_one_clear_error(in_repo, tmp_path, monkeypatch):
    from toolkit.cli import app

    _block_ray(monkeypatch)
    result = CliRunner().invoke(app, ["run", "configs/seeds.yaml", "--set", "execution.backend=ray",
                                      "--set", f"output.dir={tmp_path}"])
    assert result.exit_code == 2
    assert 'pip install "topicbridge[ray]"' in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # nothing written


def test_missing_extra_for_a_ray_sweep(in_repo, tmp_path, monkeypatch):
    from toolkit.sweep import run_sweep

    _block_ray(monkeypatch)
    with pytest.raises(ConfigError, match=r"execution.backend 'ray' needs the Ray extra.*topicbridge\[ray\]"):
        run_sweep("configs/sweep-min-cluster-size.yaml", out=tmp_path / "sw", backend="ray")
    assert not (tmp_path / "sw").exists()


def test_ray_backend_needs_the_cache(in_repo, tmp_path, ray_local):
    from toolkit.experiment import run_experiment

    cfg = load_config("configs/seeds.yaml", ["execution.backend=ray", "cache.enabled=false",
                                             "embedding.model=hashing", f"output.dir={tmp_path}"])
    with pytest.raises(ConfigError, match="needs cache.enabled: true"):
        run_experiment(cfg)


# ------------------------------------------------------------------------------ embedding


def _sib_texts(in_repo: Path, n: int) -> list[str]:
    import json

    path = in_repo / "experiments" / "data" / "sib200" / "ru_de_zh.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for _, line in zip(range(n), fh)]


def test_ray_embeddings_are_byte_identical_to_local(in_repo, tmp_path, ray_local, monkeypatch):
    """2 Ray workers, cold cache, real model (USE, 1 thread) == local, cold cache; caches interchange."""
    import toolkit.cache.embeddings as cache_mod
    from toolkit.distributed.embed import embed_corpus_ray
    from toolkit.embedding import get_embedder
    from toolkit.experiment import embed_corpus

    monkeypatch.setattr(cache_mod, "DEFAULT_SHARD_ROWS", 60)  # 3 chunks for 2 workers
    texts = _sib_texts(in_repo, 150)
    texts = texts + texts[:10]  # duplicates are embedded once
    embedder = get_embedder("use-multilingual", threads=1)
    progress = lambda stage, total: (lambda n: None)  # noqa: E731

    def config(cache_dir: Path, backend: str):
        return load_config("configs/seeds.yaml", [
            f"cache.dir={cache_dir}", f"execution.backend={backend}", "execution.workers=2",
            "embedding.threads=1", "embedding.batch_size=16"])

    local, local_stats = embed_corpus(texts, embedder, config(tmp_path / "a", "local"), progress)
    distributed, stats = embed_corpus_ray(texts, embedder, config(tmp_path / "b", "ray"), progress)
    assert stats["workers"] == 2 and stats["chunks"] == 3 and stats["computed"] == 150
    assert local_stats["computed"] == 150
    assert np.array_equal(local, distributed)
    # the cache written by one backend is a hit for the other
    again, again_stats = embed_corpus(texts, embedder, config(tmp_path / "b", "local"), progress)
    assert again_stats["hits"] == len(texts) and np.array_equal(again, local)
    back, back_stats = embed_corpus_ray(texts, embedder, config(tmp_path / "a", "ray"), progress)
    assert back_stats["computed"] == 0 and back_stats["chunks"] == 0 and np.array_equal(back, local)


# --------------------------------------------------------------------- fit_sample on Ray


def test_chunk_assignment_same_with_1_and_2_workers(in_repo, ray_local):
    from toolkit.distributed.assign import make_ray_chunk_runner
    from toolkit.topics.sample import TopicAssigner, assignment_chunks, run_chunks_local

    class BatchDependentReducer:  # local, so Ray ships it by value to the workers
        """Like UMAP.transform: each row's output depends on the rest of its batch."""

        n_epochs = None

        def transform(self, X):
            return X[:, :2] + 0.05 * X.mean(axis=0)[:2]

    rng = np.random.default_rng(0)
    X = rng.random((600, 4)).astype(np.float32)
    ids, texts, langs = [f"s{i}" for i in range(600)], [f"Wort{i % 7} Haus" for i in range(600)], ["de"] * 600

    settings = TopicsConfig(lemmatize=False, assign_epochs=5)

    sample = np.arange(0, 600, 6)
    reduced = X[sample, :2]
    topics = (reduced[:, 0] > 0.5).astype(int)
    assigner = TopicAssigner.from_sample(BatchDependentReducer(), reduced, topics, settings)
    chunks = assignment_chunks(ids, texts, np.setdiff1d(np.arange(600), sample), 100)

    def assign(runner):
        out = np.full(600, -9)
        counts = {}
        for k, t, (c, _) in runner(assigner, chunks, X, texts, langs):
            out[chunks[k]] = t
            counts[k] = c
        return out, counts

    results = {}
    for workers in (1, 2):
        cfg = load_config("configs/seeds.yaml", ["execution.backend=ray", f"execution.workers={workers}"])
        results[workers] = assign(make_ray_chunk_runner(cfg))
    local = assign(run_chunks_local)
    assert np.array_equal(results[1][0], results[2][0]) and np.array_equal(results[1][0], local[0])
    assert results[1][1] == results[2][1] == local[1]
    # batch composition matters to the reducer, so the fixed chunks are what makes them equal
    other = assignment_chunks(ids, texts, np.setdiff1d(np.arange(600), sample), 50)
    assert not all(np.array_equal(a, b) for a, b in zip(chunks, other))


@pytest.mark.slow
def test_concurrent_chunk_tasks_with_a_real_umap_assign_as_locally(ray_local, tmp_path):
    """Two workers querying one UMAP search index at the same time still place rows as locally.

    Ray hands every worker on a node the same read-only memory for the assigner; an index
    that writes scratch state into it (pynndescent's visited bitmap) lets concurrent queries
    change each other's neighbours. Both tasks wait for each other, then assign the same
    chunk repeatedly, so their queries overlap; every result must equal the local coordinates.
    """
    import ray

    from toolkit.topics.reduce import fit_reducer
    from toolkit.topics.sample import TopicAssigner

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(6, 24))
    X = (centres[rng.integers(0, 6, 4000)] + 0.6 * rng.normal(size=(4000, 24))).astype(np.float32)
    reducer, reduced = fit_reducer(X[:2000], n_components=5, n_neighbors=15, metric="cosine", seed=3,
                                   n_epochs=50, approximate=True)

    settings = TopicsConfig(lemmatize=False, assign_epochs=3)

    topics = np.argmin(((reduced[:, None, :] - reduced[:6][None]) ** 2).sum(-1), axis=1)
    assigner = TopicAssigner.from_sample(reducer, reduced, topics, settings)
    chunk = X[2000:]
    local = assigner.transform(chunk)
    holder = [ray.put(assigner)]

    @ray.remote(num_cpus=1)
    def assign_repeatedly(name: str, barrier: str) -> list:
        import time

        from toolkit.distributed.assign import held_assigner

        Path(barrier, name).touch()
        deadline = time.monotonic() + 120
        while len(os.listdir(barrier)) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)  # a barrier: start assigning together
        return [held_assigner("concurrent", holder).transform(chunk) for _ in range(8)]

    results = ray.get([assign_repeatedly.remote(name, str(tmp_path)) for name in ("a", "b")])
    differing = [i for r in results for i, t in enumerate(r) if not np.array_equal(t, local)]
    assert differing == []


@pytest.mark.slow
def test_fit_sample_run_on_ray_same_as_local(in_repo, tmp_path, ray_local):
    """End to end with real UMAP: Ray's assignments and topic words equal the local backend's.

    (1 against 2 workers is test_chunk_assignment_same_with_1_and_2_workers.)
    """
    from toolkit.experiment import run_experiment

    base = ["embedding.model=hashing", "corpus.limit=600", "topics.fit_sample=200", "topics.assign_chunk_size=100",
            "clustering.n_clusters=4", "output.map=false", f"output.dir={tmp_path}", f"cache.dir={tmp_path / 'c'}"]
    topics = {}
    for name, extra in [("local", []), ("ray", ["execution.backend=ray", "execution.workers=2"])]:
        outcome = run_experiment(load_config("configs/sib200.yaml", base + extra), out=tmp_path / name)
        topics[name] = outcome.result.topics
        assert outcome.manifest["topics"]["fit_sample"]["chunks"] == 4
        assert outcome.manifest["execution"]["backend"] == name
    assert outcome.manifest["execution"]["workers"] == 2
    assert np.array_equal(topics["ray"], topics["local"])
    words = [(tmp_path / n / "topics.csv").read_text(encoding="utf-8") for n in ("local", "ray")]
    assert words[0] == words[1]


# -------------------------------------------------------------------------------- sweeps


@pytest.mark.slow
def test_ray_sweep_survives_a_killed_worker_and_resumes(in_repo, tmp_path, ray_local):
    from toolkit.config import apply_overrides, load_config_dict
    from toolkit.sweep import ray as ray_sweep
    from toolkit.sweep import expand_sweep, point_config, run_sweep

    marker = tmp_path / "killed-once"
    overrides = ["embedding.model=hashing", "corpus.limit=120", "output.map=false", "sweep.seeds=[0]",
                 "sweep.grid={clustering.n_clusters: [3]}", "clustering.method=kmeans",
                 f"cache.dir={tmp_path / 'c'}"]
    data = apply_overrides(load_config_dict("configs/sib200.yaml"), overrides)
    points = expand_sweep(data)
    configs = [point_config(data, p) for p in points]
    folder = tmp_path / "sw"
    folder.mkdir()
    (folder / "sweep.json").write_text("{}", encoding="utf-8")  # run_sweep marks its folder first
    real = ray_sweep.run_point_task

    def dies_once(point, config, target):
        # the first attempt kills its worker process outright
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return real(point, config, target)

    seen = []
    results = ray_sweep.run_points_ray(points, configs, folder, configs[0].execution,
                                       lambda label, total: (lambda n: seen.append(label)), task=dies_once)
    assert marker.exists()
    assert [r.status for r in results] == ["ok"]
    assert (folder / points[0].name / "manifest.json").is_file()
    # the whole sweep through the public entry point: the point resumes, nothing is recomputed
    outcome = run_sweep("configs/sib200.yaml", overrides, out=folder, backend="ray")
    assert [p.status for p in outcome.points] == ["resumed"]
    assert outcome.summary_md.is_file()


def test_sweep_task_runs_in_the_sweep_directory(tmp_path):
    """Relative paths in a Ray sweep resolve where the sweep started, not where the worker runs."""
    from toolkit.sweep.ray import in_directory

    here = os.getcwd()
    seen = in_directory(str(tmp_path), lambda point, config, target: os.getcwd(), None, None, "p")
    assert seen == str(tmp_path) and os.getcwd() == here
    lost = in_directory(str(tmp_path / "absent"), lambda *a: pytest.fail("must not run"), "point", None, "sw/p")
    assert lost.status == "failed" and os.getcwd() == here
    assert "absent, which this Ray node does not have" in lost.error and "absolute paths" in lost.error


def _corpus_files(in_repo: Path, tmp_path: Path, n: int) -> tuple[Path, Path]:
    """The first ``n`` SIB-200 rows as JSONL and as Parquet."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = (in_repo / "experiments/data/sib200/ru_de_zh.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    rows = [json.loads(line) for line in lines]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    parquet = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    return jsonl, parquet


def test_streamed_segments_equal_the_local_loaders(in_repo, tmp_path, ray_local):
    """JSONL and Parquet read in blocks on the workers give the segments `topicbridge run` makes."""
    from collections import Counter

    from toolkit.corpus import load_corpus
    from toolkit.distributed.stream import segment_files_ray

    for path in _corpus_files(in_repo, tmp_path, 90):
        cfg = load_config("configs/sib200.yaml", [f"corpus.path={path}", "corpus.format=auto",
                                                  "corpus.unit=sentence", "corpus.limit=80"])
        streamed = [row["text"] for row in segment_files_ray(cfg).iter_rows()]
        local = load_corpus(cfg.corpus).texts
        assert len(local) >= 80 and Counter(streamed) == Counter(local), path.suffix


def test_embed_command_streams_a_file_into_the_cache(in_repo, tmp_path, ray_local):
    """`topicbridge embed` fills the cache; a later run finds every vector."""
    from toolkit.cli import app
    from toolkit.corpus import load_corpus
    from toolkit.cache import EmbeddingCache
    from toolkit.embedding.fake import HashingEmbedder

    jsonl, _ = _corpus_files(in_repo, tmp_path, 90)
    cache = tmp_path / "cache"
    sets = ["--set", f"corpus.path={jsonl}", "--set", "corpus.format=auto", "--set", "corpus.unit=sentence",
            "--set", "embedding.model=hashing", "--set", f"cache.dir={cache}", "--set", "execution.workers=1"]
    result = CliRunner().invoke(app, ["embed", "configs/sib200.yaml", *sets])
    assert result.exit_code == 0, result.output
    corpus = load_corpus(load_config("configs/sib200.yaml", [s for s in sets if s != "--set"]).corpus)
    assert f"embedded {len(corpus)} segments ({len(set(corpus.texts))} new)" in result.output
    assert EmbeddingCache(cache).missing(HashingEmbedder().model_key, corpus.texts) == []
