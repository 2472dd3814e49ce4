"""The saved model on the command line: `run` keeps it, `apply` and `curate` write new runs from it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def topics_of(run: Path) -> dict[str, str]:
    with (run / "assignments.csv").open(encoding="utf-8", newline="") as fh:
        return {row["id"]: row["topic"] for row in csv.DictReader(fh)}


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory):
    """`topicbridge run configs/seeds.yaml` (USE, the real default) into a temporary folder."""
    import os

    root = tmp_path_factory.mktemp("cli-model")
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        result = invoke("run", "configs/seeds.yaml", "--out", root / "run")
        assert result.exit_code == 0, result.output
    finally:
        os.chdir(here)
    return root, root / "run"


@pytest.mark.slow
def test_run_saves_the_model(seeds_run):
    _, run = seeds_run
    names = sorted(p.name for p in (run / "model").iterdir())
    assert names == ["SHA256SUMS", "arrays.safetensors", "model.json", "units.json"]
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["folder"] == "model" and manifest["model"]["bytes"] > 0


@pytest.mark.slow
def test_apply_on_the_runs_own_corpus(seeds_run, repo_root):
    root, run = seeds_run
    result = invoke("apply", run, "--corpus", repo_root / "seeds", "--out", root / "applied")
    assert result.exit_code == 0, result.output
    applied = root / "applied"
    before, after = topics_of(run), topics_of(applied)
    assert before.keys() == after.keys()
    assert sum(before[k] == after[k] for k in before) / len(before) >= 0.95
    manifest = json.loads((applied / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_model"]["run"] == str(run)
    drift = json.loads((applied / "metrics.json").read_text(encoding="utf-8"))["drift"]
    assert {r["topic"] for r in drift["topics"]} and all("training_share" in r for r in drift["topics"])
    report = (applied / "report.md").read_text(encoding="utf-8")
    assert "## Drift against the training corpus" in report and "far from every topic" in report
    assert 'id="drift"' in (applied / "report.html").read_text(encoding="utf-8")
    assert not (applied / "model").exists()  # it names its source model instead of copying it


@pytest.mark.slow
def test_curate_merges_and_renames_in_a_new_run(seeds_run):
    root, run = seeds_run
    before = tree_hash(run)
    sizes = {int(r["topic"]): int(r["size"]) for r in csv.DictReader((run / "topics.csv").open(encoding="utf-8"))}
    result = invoke("curate", run, "--merge", "1,4", "--label", '3="Medical tourism"', "--out", root / "curated")
    assert result.exit_code == 0, result.output
    curated = root / "curated"
    assert tree_hash(run) == before  # the original stays untouched
    rows = list(csv.DictReader((curated / "topics.csv").open(encoding="utf-8")))
    assert len(rows) == len(sizes) - 1
    assert sizes[1] + sizes[4] in [int(r["size"]) for r in rows]
    named = [r for r in rows if r["label"] == "Medical tourism"]
    assert len(named) == 1 and int(named[0]["size"]) == sizes[3]
    metrics = json.loads((curated / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n_topics"] == len(sizes) - 1
    html = (curated / "report.html").read_text(encoding="utf-8")
    md = (curated / "report.md").read_text(encoding="utf-8")
    assert "**Medical tourism**" in md and "Merged topics 1, 4" in md
    # the figures carry the new name too (topic axis labels: "<id>: <name>")
    assert f"{named[0]['topic']}: Medical tourism" in html
    assert (curated / "model" / "model.json").is_file()


@pytest.mark.slow
def test_apply_and_curate_errors(seeds_run, tmp_path):
    root, run = seeds_run
    result = invoke("curate", run, "--merge", "1,99")
    assert result.exit_code == 2 and "topic 99 does not exist" in result.output
    result = invoke("curate", run, "--label", "three=Name")
    assert result.exit_code == 2 and "--label: expected TOPIC=NAME" in result.output
    result = invoke("curate", run, "--merge", "1")
    assert result.exit_code == 2 and "--merge: expected two or more topic ids" in result.output
    result = invoke("curate", run)
    assert result.exit_code == 2 and "nothing to do" in result.output
    result = invoke("apply", tmp_path / "nowhere", "--corpus", tmp_path)
    assert result.exit_code == 2 and "not a complete run directory" in result.output
    bare = Path(shutil.copytree(run, tmp_path / "bare"))
    shutil.rmtree(bare / "model")
    result = invoke("apply", bare, "--corpus", tmp_path)
    assert result.exit_code == 2 and "holds no saved model" in result.output
    damaged = Path(shutil.copytree(run, tmp_path / "damaged"))
    (damaged / "model" / "units.json").write_text("{}", encoding="utf-8")
    result = invoke("apply", damaged, "--corpus", tmp_path)
    assert result.exit_code == 2 and "units.json" in result.output and "damaged" in result.output
    result = invoke("apply", run, "--corpus", tmp_path / "missing.jsonl")
    assert result.exit_code == 2 and "corpus path does not exist" in result.output
    assert "Traceback" not in result.output
    assert not any(p.name.startswith("seeds-apply") for p in (root.parent).rglob("*") if p.is_dir())
