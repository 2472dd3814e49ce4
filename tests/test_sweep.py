"""Sweeps: expansion, strict validation, failed points, resume, summaries and cache reuse.

Most tests run the real ``run_experiment`` with the hashing embedder and the real cache, but
with UMAP, BERTopic and the report replaced by fast stand-ins (their JIT compilation and
imports cost a minute on a busy machine and are not what is tested here). One ``slow`` test
runs the shipped sweep config end to end on a slice.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from toolkit.config import apply_overrides, config_from_dict, load_config_dict
from toolkit.errors import ConfigError, CorpusError, Interrupted, RunError
from toolkit.runs import RUN_FILES, is_complete_run
from toolkit.sweep import PointResult, SweepPoint, expand_sweep, point_config, run_sweep, summarize_cells

THEMES = {
    "health": "hospital doctor patient clinic medicine nurse treatment surgery".split(),
    "sport": "football match goal team player coach stadium league".split(),
    "food": "bread cheese cook kitchen recipe soup dinner bakery".split(),
}


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
def corpus(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(48):
        theme = list(THEMES)[i % 3]
        words = rng.choice(THEMES[theme], size=9)
        rows.append({"id": f"d{i:02d}", "text": " ".join(words), "lang": "en", "label": theme})
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def write_config(folder: Path, corpus: Path, sweep: dict | None, **extra) -> Path:
    data = {
        "name": "t",
        "corpus": {"path": str(corpus), "format": "jsonl", "unit": "document"},
        "embedding": {"model": "hashing"},
        "umap": {"n_neighbors": 5, "n_components": 3},
        "hdbscan": {"min_cluster_size": 4},
        "output": {"dir": str(folder / "runs")},
        **extra,
    }
    if sweep is not None:
        data["sweep"] = sweep
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def fast_stages(monkeypatch):
    """Replace UMAP, BERTopic and the report by fast deterministic stand-ins; count calls."""
    import toolkit.report
    import toolkit.topics
    from toolkit.topics.result import TopicResult

    calls = {"reduce": [], "topics": 0}

    def reduce(embeddings, *, n_components, n_neighbors, min_dist=0.0, metric="cosine", seed=42, **_):
        calls["reduce"].append((n_components, seed))
        x = embeddings - embeddings.mean(axis=0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        noise = np.random.default_rng(seed).normal(scale=1e-3, size=(x.shape[0], n_components))
        return (x @ vt[:n_components].T + noise).astype(np.float32)

    def fit(embeddings, reduced, texts, langs, config, embedder=None, **_):
        from hdbscan import HDBSCAN

        calls["topics"] += 1
        topics = HDBSCAN(min_cluster_size=config.hdbscan.min_cluster_size).fit_predict(reduced)
        tokens = [t.split() for t in texts]
        keywords = {}
        for t in sorted(set(topics.tolist())):
            words = [w for i in np.flatnonzero(topics == t) for w in tokens[i]]
            keywords[t] = [(w, float(words.count(w))) for w in sorted(set(words), key=words.count,
                                                                      reverse=True)[:5]]
        return TopicResult(topics=np.asarray(topics, dtype=int), labels={t: str(t) for t in keywords},
                           keywords=keywords, keywords_by_lang={t: {"en": k} for t, k in keywords.items()},
                           representatives={}, tokens=tokens)

    def report(run_dir, out_dir=None, **_):
        for name in ("report.md", "report.html"):
            (Path(run_dir) / name).write_text("stub report\n", encoding="utf-8")
        return []

    monkeypatch.setattr(toolkit.topics, "reduce_embeddings", reduce)
    monkeypatch.setattr(toolkit.topics, "fit_topics", fit)
    monkeypatch.setattr(toolkit.report, "write_report", report)
    return calls


@pytest.fixture
def fake_runs(monkeypatch):
    """Replace run_experiment by a writer of complete runs with known metrics.

    ``n_topics = min_cluster_size + seed``; ``nmi = seed / 10``; the topic of unit i is
    ``i % 2`` for seeds 0 and 1 and ``i % 3`` otherwise; ``boom`` as corpus path fails.
    """
    import toolkit.experiment
    from toolkit.runs import RunWriter

    ran: list[str] = []

    def fake(config, *, out=None, progress=None, embedder=None):
        ran.append(Path(out).name)
        if config.corpus.path == "boom":
            raise CorpusError("boom: corpus file not found")
        if config.corpus.path == "bug":
            raise ValueError("internal slip")
        with RunWriter(out) as tmp:
            (tmp / "config.yaml").write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
            mod = 2 if config.seed < 2 else 3
            lines = ["id,topic"] + [f"u{i},{i % mod}" for i in range(12)]
            (tmp / "assignments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
            metrics = {"n_topics": config.hdbscan.min_cluster_size + config.seed, "nmi": config.seed / 10,
                       "nmi_language": None, "warnings": ["x"], "per_topic": {"0": {"size": 3}}}
            (tmp / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
            manifest = {"timings": {"embed": 0.5, "topics": 1.0},
                        "cache": {"embeddings": {"computed": 0}, "umap": "hit"}}
            (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            (tmp / "topics.json").write_text("{}", encoding="utf-8")
            for name in ("topics.csv", "report.md", "report.html"):
                (tmp / name).write_text("x\n", encoding="utf-8")
        return None

    monkeypatch.setattr(toolkit.experiment, "run_experiment", fake)
    return ran


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


BASE = {"corpus": {"path": "c.jsonl"}, "seed": 7}


# ----------------------------------------------------------------------------- expansion


def test_grid_times_seeds_in_written_order():
    data = {**BASE, "sweep": {"grid": {"hdbscan.min_cluster_size": [10, 15],
                                       "topics.representation": ["ctfidf", "mmr"]},
                              "seeds": [0, 3]}}
    points = expand_sweep(data)
    assert len(points) == 8
    assert [p.name for p in points[:4]] == [
        "min_cluster_size-10_representation-ctfidf_seed-0", "min_cluster_size-10_representation-ctfidf_seed-3",
        "min_cluster_size-10_representation-mmr_seed-0", "min_cluster_size-10_representation-mmr_seed-3"]
    assert points[-1] == SweepPoint(name="min_cluster_size-15_representation-mmr_seed-3",
                                    overrides={"hdbscan.min_cluster_size": 15, "topics.representation": "mmr"},
                                    seed=3, cell="min_cluster_size-15_representation-mmr")
    assert len({p.cell for p in points}) == 4


def test_seeds_only_and_grid_only():
    seeds = expand_sweep({**BASE, "sweep": {"seeds": [1, 2, 5]}})
    assert [(p.name, p.seed, p.overrides) for p in seeds] == [
        ("base_seed-1", 1, {}), ("base_seed-2", 2, {}), ("base_seed-5", 5, {})]
    grid = expand_sweep({**BASE, "sweep": {"grid": {"umap.n_neighbors": [5, 30]}}})
    assert [(p.name, p.seed) for p in grid] == [("n_neighbors-5_seed-7", 7), ("n_neighbors-30_seed-7", 7)]
    default = expand_sweep({"corpus": {"path": "x"}, "sweep": {"grid": {"umap.n_neighbors": [5]}}})
    assert default[0].seed == 42


def test_set_overrides_reach_the_sweep_section():
    data = {**BASE, "sweep": {"grid": {"hdbscan.min_cluster_size": [10, 15, 25]}, "seeds": [0, 1, 2]}}
    data = apply_overrides(data, ["sweep.grid.hdbscan.min_cluster_size=[5, 8]", "sweep.seeds=[4]"])
    assert [p.name for p in expand_sweep(data)] == ["min_cluster_size-5_seed-4", "min_cluster_size-8_seed-4"]


def test_names_stay_unique_and_safe():
    data = {**BASE, "sweep": {"grid": {"topics.stopwords": [["a b"], ["a-b"], []],
                                       "umap.metric": ["cosine"]}}}
    names = [p.name for p in expand_sweep(data)]
    assert len(set(names)) == 3
    assert all(n[0].isalnum() and set(n) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-") for n in names)
    both = {**BASE, "sweep": {"grid": {"umap.metric": ["cosine"], "hdbscan.cluster_selection_method": ["eom"]}}}
    assert expand_sweep(both)[0].name == "metric-cosine_cluster_selection_method-eom_seed-7"


def test_shipped_sweep_config(repo_root):
    path = repo_root / "configs" / "sweep-min-cluster-size.yaml"
    data = load_config_dict(path)
    points = expand_sweep(data, str(path))
    assert len(points) == 12
    assert sorted({p.overrides["hdbscan.min_cluster_size"] for p in points}) == [10, 15, 25, 40]
    assert sorted({p.seed for p in points}) == [0, 1, 2]
    cfg = point_config(data, points[4], str(path))
    assert (cfg.name, cfg.seed, cfg.hdbscan.min_cluster_size) == ("sweep-mcs-min_cluster_size-15_seed-1", 1, 15)
    assert cfg.corpus.path == "experiments/data/sib200/ru_de_zh.jsonl"  # from sib200.yaml via extends
    assert cfg.umap.n_neighbors == 30


def test_point_config_applies_values_and_seed():
    data = {**BASE, "name": "exp", "sweep": {"grid": {"umap.n_neighbors": [5]}, "seeds": [3]}}
    point = expand_sweep(data)[0]
    cfg = point_config(data, point)
    assert (cfg.name, cfg.seed, cfg.umap.n_neighbors) == ("exp-n_neighbors-5_seed-3", 3, 5)
    assert cfg.umap.n_components == 5  # untouched keys keep their values


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize("sweep, message", [
    ([1, 2], r"cfg\.yaml: 'sweep' must be a mapping"),
    ({"gird": {}}, r"cfg\.yaml: unknown key 'sweep\.gird' \(allowed here: grid, seeds\)"),
    ({}, r"cfg\.yaml: 'sweep' needs 'grid' .* or 'seeds'"),
    ({"grid": [1]}, r"cfg\.yaml: sweep\.grid must be a mapping of key paths"),
    ({"grid": {"umap.n_neighbour": [5]}},
     r"cfg\.yaml: sweep\.grid: unknown key path 'umap\.n_neighbour' .*allowed there: .*n_neighbors"),
    ({"grid": {"umpa.n_neighbors": [5]}}, r"unknown key path 'umpa\.n_neighbors' .*of the top level"),
    ({"grid": {"umap": [{"n_neighbors": 5}]}}, r"sweep\.grid: 'umap' is a section, not a value"),
    ({"grid": {"seed.x": [1]}}, r"'seed\.x' \('seed' is a value, not a section\)"),
    ({"grid": {"hdbscan.min_cluster_size": 10}}, r"sweep\.grid\.hdbscan\.min_cluster_size must be a list"),
    ({"grid": {"hdbscan.min_cluster_size": []}}, r"sweep\.grid\.hdbscan\.min_cluster_size is an empty list"),
    ({"grid": {"hdbscan.min_cluster_size": [10, 10]}}, r"lists the value 10 twice"),
    ({"grid": {"hdbscan.min_cluster_size": [10, 1]}},
     r"cfg\.yaml: sweep\.grid\.hdbscan\.min_cluster_size: value 1 is not valid: .*greater than or equal to 2"),
    ({"grid": {"topics.representation": ["ctfidf", "lda"]}},
     r"sweep\.grid\.topics\.representation: value 'lda' is not valid"),
    ({"grid": {"seed": [1, 2]}}, r"sweep\.grid\.seed: cannot be swept: list seeds under 'sweep\.seeds'"),
    ({"grid": {"name": ["a"]}}, r"sweep\.grid\.name: cannot be swept"),
    ({"grid": {"": [1]}}, r"key '' is not a key path"),
    ({"seeds": 3}, r"cfg\.yaml: sweep\.seeds must be a non-empty list of integers"),
    ({"seeds": []}, r"sweep\.seeds must be a non-empty list"),
    ({"seeds": [0, -1]}, r"sweep\.seeds: -1 is not an integer >= 0"),
    ({"seeds": [True]}, r"sweep\.seeds: True is not an integer"),
    ({"seeds": [0, "1"]}, r"sweep\.seeds: '1' is not an integer"),
    ({"seeds": [1, 2, 1]}, r"sweep\.seeds lists the seed 1 twice"),
])
def test_invalid_sweep_sections(sweep, message):
    with pytest.raises(ConfigError, match=message):
        expand_sweep({**BASE, "sweep": sweep}, "cfg.yaml")


def test_missing_sweep_section_and_invalid_base():
    with pytest.raises(ConfigError, match=r"cfg\.yaml: no 'sweep' section; add one"):
        expand_sweep(dict(BASE), "cfg.yaml")
    with pytest.raises(ConfigError, match=r"cfg\.yaml: unknown key 'umap\.n_neighbour'"):
        expand_sweep({**BASE, "umap": {"n_neighbour": 3}, "sweep": {"seeds": [0]}}, "cfg.yaml")


def test_invalid_combination_fails_before_anything_runs(tmp_path, corpus, fake_runs):
    # Each value is valid alone; window_size 2 with window_overlap 2 is not.
    path = write_config(tmp_path, corpus, {"grid": {"corpus.window_size": [2, 3],
                                                    "corpus.window_overlap": [1, 2]}})
    with pytest.raises(ConfigError, match=r"sweep point window_size-2_window_overlap-2_seed-42\).*"
                                          r"window_overlap.*must be smaller than window_size"):
        run_sweep(path, out=tmp_path / "sw")
    assert fake_runs == [] and not (tmp_path / "sw").exists()


def test_out_must_be_a_sweep_folder(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"seeds": [0, 1]})
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match=r"other: exists, is not empty and holds no sweep\.json"):
        run_sweep(path, out=other)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match=r"file: exists and is not a folder"):
        run_sweep(path, out=tmp_path / "file")
    assert fake_runs == []


# --------------------------------------------------------------------------- summaries


def test_summary_mean_std_and_stability_on_known_values(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"grid": {"hdbscan.min_cluster_size": [5, 9]}, "seeds": [0, 1, 2]})
    outcome = run_sweep(path, out=tmp_path / "sw")
    assert [p.status for p in outcome.points] == ["ok"] * 6
    assert outcome.summary_csv == tmp_path / "sw" / "summary.csv"

    rows = read_csv(outcome.summary_csv)
    assert [r["point"] for r in rows] == [p.name for p in outcome.points]
    first = rows[0]
    assert (first["cell"], first["hdbscan.min_cluster_size"], first["seed"]) == ("min_cluster_size-5", "5", "0")
    assert (first["status"], first["error"], first["run"]) == ("ok", "", "min_cluster_size-5_seed-0")
    assert (first["run_seconds"], first["embed_seconds"], first["umap_cache"]) == ("1.5", "0.5", "hit")
    assert (first["n_topics"], first["nmi"], first["nmi_language"]) == ("5", "0.0", "")
    assert "warnings" not in first and "per_topic" not in first

    cells = read_csv(outcome.cells_csv)
    assert [c["cell"] for c in cells] == ["min_cluster_size-5", "min_cluster_size-9"]
    # n_topics over seeds 0, 1, 2 = 9, 10, 11: mean 10, sample std 1
    assert float(cells[1]["n_topics_mean"]) == 10.0 and float(cells[1]["n_topics_std"]) == 1.0
    assert math.isclose(float(cells[0]["nmi_mean"]), 0.1) and math.isclose(float(cells[0]["nmi_std"]), 0.1)
    assert cells[0]["nmi_language_mean"] == "" and cells[0]["n_ok"] == "3"
    # seeds 0 and 1 agree (i % 2), seed 2 differs (i % 3)
    stab = outcome.cells[0]["stability"]
    assert stab["n_runs"] == 3 and stab["ari_min"] < 0.5 and stab["ari_mean"] < 1.0
    assert float(cells[0]["stability_ari_min"]) == pytest.approx(stab["ari_min"], abs=1e-6)

    md = outcome.summary_md.read_text(encoding="utf-8")
    assert "# Sweep t" in md and "Seeds: 0, 1, 2." in md and "6 points: 6 complete" in md
    assert "| 9 | 3/3 | 10 ± 1 |" in md
    assert "[min_cluster_size-5_seed-0](min_cluster_size-5_seed-0/report.md)" in md
    sweep_json = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    assert [p["status"] for p in sweep_json["points"]] == ["ok"] * 6 and len(sweep_json["cells"]) == 2


def test_summarize_cells_counts_failures_and_single_seeds(tmp_path):
    point = SweepPoint("a_seed-0", {"k": 1}, 0, "a")
    results = [PointResult(point, "ok", tmp_path, metrics={"x": 2.0, "flag": True}),
               PointResult(SweepPoint("a_seed-1", {"k": 1}, 1, "a"), "failed", tmp_path, error="no")]
    (cell,) = summarize_cells(results)
    assert (cell["n_ok"], cell["n_failed"], cell["seeds"]) == (1, 1, [0, 1])
    assert cell["x_mean"] == 2.0 and cell["x_std"] is None and cell["stability"] is None
    assert cell["flag_mean"] is None  # booleans are not averaged


# --------------------------------------------------------------------- failures and resume


def test_failed_point_is_recorded_and_the_sweep_goes_on(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"grid": {"corpus.path": [str(corpus), "boom", "bug"]},
                                           "seeds": [0, 1]})
    outcome = run_sweep(path, out=tmp_path / "sw")
    status = {p.name: p.status for p in outcome.points}
    assert len(fake_runs) == 6  # every point was tried
    assert [s for n, s in status.items() if "boom" in n] == ["failed", "failed"]
    assert [s for n, s in status.items() if "bug" in n] == ["failed", "failed"]
    assert sum(s == "ok" for s in status.values()) == 2
    failed = {p.name: p for p in outcome.failed}
    assert all(not p.path.exists() for p in failed.values())
    rows = {r["point"]: r for r in read_csv(outcome.summary_csv)}
    boom = next(r for n, r in rows.items() if "boom" in n)
    assert (boom["status"], boom["error"], boom["run"], boom["n_topics"]) == (
        "failed", "boom: corpus file not found", "", "")
    bug = next(r for n, r in rows.items() if "bug" in n)
    assert bug["error"].startswith("unexpected ValueError: internal slip")
    md = outcome.summary_md.read_text(encoding="utf-8")
    assert "## Failed points" in md and "boom: corpus file not found" in md and "4 failed" in md
    cells = {c["cell"]: c for c in outcome.cells}
    assert [c["n_failed"] for c in cells.values()] == [0, 2, 2]


def test_rerun_resumes_and_skips_complete_points(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"grid": {"hdbscan.min_cluster_size": [5, 9]}, "seeds": [0, 1]})
    out = tmp_path / "sw"
    first = run_sweep(path, out=out)
    assert len(fake_runs) == 4
    # An interrupted second attempt: one point never finished, a killed writer left its temp folder.
    victim = first.points[2].path
    for f in victim.iterdir():
        f.unlink()
    victim.rmdir()
    (out / f".{victim.name}.partial-deadbeef").mkdir()
    fake_runs.clear()
    seen = []
    again = run_sweep(path, out=out, progress=lambda label, total: (lambda n: seen.append(label)))
    assert fake_runs == [victim.name]
    assert [p.status for p in again.points] == ["resumed", "resumed", "ok", "resumed"]
    assert all(is_complete_run(p.path) for p in again.points)
    assert seen[0] == "1/4 min_cluster_size-5_seed-0 (done before)" and seen[2] == "3/4 min_cluster_size-9_seed-0"
    rows = read_csv(again.summary_csv)
    assert [r["status"] for r in rows] == ["resumed", "resumed", "ok", "resumed"]
    assert rows[0]["n_topics"] == "5"  # metrics of resumed points are read back from their runs


def test_interrupted_sweep_resumes(tmp_path, corpus, fake_runs, monkeypatch):
    import toolkit.experiment

    path = write_config(tmp_path, corpus, {"seeds": [0, 1, 2]})
    out = tmp_path / "sw"
    real = toolkit.experiment.run_experiment

    def interrupt_third(config, **kw):
        if config.seed == 2:
            raise KeyboardInterrupt
        return real(config, **kw)

    monkeypatch.setattr(toolkit.experiment, "run_experiment", interrupt_third)
    with pytest.raises(Interrupted, match=f"2 of 3 points are complete in {re.escape(str(out))}; .*--out"):
        run_sweep(path, out=out)
    assert sorted(p.name for p in out.iterdir() if is_complete_run(p)) == ["base_seed-0", "base_seed-1"]
    status = {p["name"]: p["status"] for p in json.loads((out / "sweep.json").read_text("utf-8"))["points"]}
    assert status == {"base_seed-0": "ok", "base_seed-1": "ok", "base_seed-2": "pending"}
    assert not (out / "summary.csv").exists()
    monkeypatch.setattr(toolkit.experiment, "run_experiment", real)
    fake_runs.clear()
    outcome = run_sweep(path, out=out)
    assert fake_runs == ["base_seed-2"]
    assert [p.status for p in outcome.points] == ["resumed", "resumed", "ok"]


def test_resume_refuses_runs_of_a_changed_config(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"seeds": [0]})
    run_sweep(path, out=tmp_path / "sw")
    fake_runs.clear()
    outcome = run_sweep(path, ["topics.top_n_words=5", "output.dir=elsewhere"], out=tmp_path / "sw")
    (point,) = outcome.points
    assert point.status == "failed" and fake_runs == []
    assert "holds a finished run of a different config (differs in topics.top_n_words)" in point.error
    same = run_sweep(path, ["output.dir=elsewhere"], out=tmp_path / "sw")  # output.* does not matter
    assert same.points[0].status == "resumed"


def test_damaged_finished_point_is_reported_not_rerun(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"seeds": [0, 1]})
    first = run_sweep(path, out=tmp_path / "sw")
    (first.points[0].path / "metrics.json").write_text("{not json", encoding="utf-8")
    fake_runs.clear()
    again = run_sweep(path, out=tmp_path / "sw")
    assert [p.status for p in again.points] == ["failed", "resumed"] and fake_runs == []
    assert "metrics.json: invalid JSON" in again.points[0].error
    assert again.points[0].error.endswith(f"delete {first.points[0].path} to rerun the point")


def test_default_folder_is_timestamped_under_output_dir(tmp_path, corpus, fake_runs):
    path = write_config(tmp_path, corpus, {"seeds": [0]})
    outcome = run_sweep(path)
    assert outcome.path.parent == tmp_path / "runs" and outcome.path.name.startswith("t-")
    assert {p.name for p in outcome.path.iterdir()} >= {"base_seed-0", "summary.csv", "cells.csv",
                                                        "summary.md", "sweep.json"}


# ------------------------------------------------------------------ the real pipeline


def test_points_share_embeddings_and_umap(tmp_path, corpus, fast_stages, monkeypatch):
    monkeypatch.setenv("TOPICBRIDGE_CACHE", str(tmp_path / "cache"))
    path = write_config(tmp_path, corpus, {"grid": {"hdbscan.min_cluster_size": [4, 6, 8]}, "seeds": [0, 1]})
    outcome = run_sweep(path, out=tmp_path / "sw")
    assert [p.status for p in outcome.points] == ["ok"] * 6
    assert all(is_complete_run(p.path) for p in outcome.points)
    manifests = [json.loads((p.path / "manifest.json").read_text()) for p in outcome.points]
    computed = [m["cache"]["embeddings"]["computed"] for m in manifests]
    assert computed == [48, 0, 0, 0, 0, 0]  # embedded once for the whole sweep
    assert [m["cache"]["umap"] for m in manifests] == ["miss", "miss", "hit", "hit", "hit", "hit"]
    # UMAP (5-D... here 3-D) once per seed, and the 2-D map once per seed
    assert sorted(fast_stages["reduce"]) == [(2, 0), (2, 1), (3, 0), (3, 1)]
    assert fast_stages["topics"] == 6
    rows = read_csv(outcome.summary_csv)
    assert [r["embeddings_computed"] for r in rows] == ["48", "0", "0", "0", "0", "0"]
    cells = {c["cell"]: c for c in outcome.cells}
    assert cells["min_cluster_size-4"]["stability"]["n_runs"] == 2
    assert cells["min_cluster_size-4"]["n_topics_mean"] is not None
    cfg = yaml.safe_load((outcome.points[3].path / "config.yaml").read_text())
    assert (cfg["seed"], cfg["hdbscan"]["min_cluster_size"], cfg["name"]) == (1, 6, "t-min_cluster_size-6_seed-1")


@pytest.mark.slow
def test_shipped_sweep_runs_end_to_end_on_a_slice(tmp_path, in_repo):
    outcome = run_sweep(
        "configs/sweep-min-cluster-size.yaml",
        ["embedding.model=hashing", "corpus.limit=60", "umap.n_neighbors=8",
         "sweep.grid.hdbscan.min_cluster_size=[5, 8]", "sweep.seeds=[0, 1]"],
        out=tmp_path / "sw")
    assert [p.status for p in outcome.points] == ["ok"] * 4
    for p in outcome.points:
        assert is_complete_run(p.path) and all((p.path / f).stat().st_size > 0 for f in RUN_FILES)
    assert len(read_csv(outcome.summary_csv)) == 4 and len(read_csv(outcome.cells_csv)) == 2
    assert all(c["stability"] is not None for c in outcome.cells)
    config_from_dict(yaml.safe_load((outcome.points[0].path / "config.yaml").read_text()))
