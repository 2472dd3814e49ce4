"""End-to-end runs through the command line (real default model on the sample corpus)."""

import csv
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.runs import RUN_FILES

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def rows(run_dir, name="assignments.csv"):
    with (run_dir / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("cli")
    cwd = os.getcwd()
    from tests.conftest import ROOT

    os.chdir(ROOT)
    try:
        result = invoke("run", "configs/seeds.yaml", "--out", root / "run1", "--set", f"output.dir={root}")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return root, result


@pytest.mark.slow
def test_seeds_run_writes_the_contract(seeds_run):
    root, result = seeds_run
    run = root / "run1"
    assert f"run written to {run}" in result.output
    for name in (*RUN_FILES, "topics.json"):
        assert (run / name).is_file() and (run / name).stat().st_size > 0, name
    assigned = rows(run)
    assert {"id", "doc_id", "lang", "topic", "date", "text"} <= set(assigned[0])
    assert {r["lang"] for r in assigned} >= {"ru", "de", "zh"}
    assert len(assigned) > 20  # sentences, not four documents
    assert all("#" in r["id"] and r["id"].startswith(r["doc_id"] + "#") for r in assigned)
    topics = {int(r["topic"]) for r in assigned} - {-1}
    assert len(topics) >= 3
    dates = {r["doc_id"][:3]: r["date"] for r in assigned}
    assert dates["000"] == "2025-11-25" and dates["001"] == "2025-09-02" and dates["002"] == ""
    table = rows(run, "topics.csv")
    assert {"topic", "size", "label", "keywords", "size_ru", "keywords_zh"} <= set(table[0])
    assert sum(int(r["size"]) for r in table) == len(assigned)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_topics"] == len(topics)
    manifest = json.loads((run / "manifest.json").read_text())
    assert {"config_hash", "corpus_hash", "seed", "packages", "timings"} <= set(manifest)
    assert manifest["seed"] == 42 and "embed" in manifest["timings"]


@pytest.mark.slow
def test_same_seed_same_topics_without_cache(seeds_run):
    root, _ = seeds_run
    from tests.conftest import ROOT
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = invoke("run", "configs/seeds.yaml", "--out", root / "run2", "--set", "cache.enabled=false")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    first = [(r["id"], r["topic"]) for r in rows(root / "run1")]
    second = [(r["id"], r["topic"]) for r in rows(root / "run2")]
    assert first == second

    compared = invoke("compare", root / "run1", root / "run2")
    assert compared.exit_code == 0
    assert "ARI between assignments: 1.0000" in compared.output

    listed = invoke("runs", "list", root)
    assert listed.exit_code == 0
    assert "run1" in listed.output and "run2" in listed.output


@pytest.mark.slow
def test_report_rebuilds_without_cache(seeds_run, tmp_path, monkeypatch):
    root, _ = seeds_run
    run = root / "run1"
    (run / "report.html").unlink()
    monkeypatch.setenv("TOPICBRIDGE_CACHE", str(tmp_path / "empty-cache"))
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    assert (run / "report.html").stat().st_size > 0


@pytest.mark.slow
def test_existing_out_is_not_overwritten(seeds_run):
    root, _ = seeds_run
    before = (root / "run1" / "assignments.csv").read_bytes()
    result = invoke("run", "configs/seeds.yaml", "--out", root / "run1")
    assert result.exit_code == 2
    assert "already exists and is not an empty folder" in result.output
    assert (root / "run1" / "assignments.csv").read_bytes() == before


def test_missing_model_is_one_line_and_leaves_nothing(tmp_path, in_repo):
    result = invoke("run", "configs/seeds.yaml", "--set", "embedding.model=no/such-model",
                    "--set", f"output.dir={tmp_path / 'runs'}")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "no/such-model" in lines[0] and lines[0].startswith("error:")
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_misspelt_key_names_the_path(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("corpus: {path: seeds}\numap: {n_neighbour: 5}\n")
    result = invoke("run", cfg)
    assert result.exit_code == 2
    assert "umap.n_neighbour" in result.output and "Traceback" not in result.output


def test_missing_corpus_path(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"corpus: {{path: {tmp_path / 'nothing'}}}\nembedding: {{model: hashing}}\n"
                   f"output: {{dir: {tmp_path / 'runs'}}}\n")
    result = invoke("run", cfg)
    assert result.exit_code == 2
    assert "corpus path does not exist" in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_config_validate_and_show(tmp_path, in_repo):
    bad = tmp_path / "bad.yaml"
    bad.write_text("corpus: {path: x, unit: word}\n")
    result = invoke("config", "validate", "configs/seeds.yaml", bad)
    assert result.exit_code == 2
    assert "configs/seeds.yaml: ok" in result.output
    assert f"{bad}: 'corpus.unit'" in result.output
    shown = invoke("config", "show", "configs/seeds-paragraph.yaml")
    assert shown.exit_code == 0
    assert "unit: paragraph" in shown.output and "min_cluster_size: 3" in shown.output


def test_python_dash_m_help():
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    for command in ("run", "report", "compare", "config", "cache", "runs"):
        assert command in proc.stdout


@pytest.mark.slow
def test_seeds_text_is_clean_and_topic_words_are_words(seeds_run):
    import re

    import stopwordsiso

    root, _ = seeds_run
    run = root / "run1"
    text = "\n".join(r["text"] for r in rows(run))
    for junk in ("特别声明", "NetEase Hao", "Quelle:", "https://", "Foto: La Viet", "Kommentar (0)"):
        assert junk not in text, junk
    from collections import Counter

    by_doc: dict[str, Counter] = {}
    for r in rows(run):
        by_doc.setdefault(r["doc_id"][:3], Counter())[r["lang"]] += 1
    majority = {doc: counts.most_common(1)[0][0] for doc, counts in by_doc.items()}
    assert majority == {"000": "ru", "001": "ru", "002": "de", "003": "zh"}
    stop = set().union(*(stopwordsiso.stopwords(code) for code in ("ru", "de", "zh", "en")))
    table = rows(run, "topics.csv")
    columns = ["keywords"] + [c for c in table[0] if c.startswith("keywords_")]
    for row in table:
        for column in columns:
            words = [w.strip() for w in row[column].split(",") if w.strip()][:10]
            for word in words:
                assert word.lower() not in stop, (row["topic"], column, word)
                assert not re.search(r"\d", word), (row["topic"], column, word)
                assert len(word) > 1, (row["topic"], column, word)
                assert not re.search(r"(http|www|\.com|\.html|/)", word), (row["topic"], column, word)
                if re.search(r"[\u4e00-\u9fff]", word):
                    assert len(word) <= 6, (row["topic"], column, word)


@pytest.mark.parametrize("raised, message", [
    (KeyboardInterrupt(), "interrupted: nothing was saved"),
    (None, "interrupted: 1 of 2 points are complete in SW; run the same command with --out SW to resume"),
])
def test_ctrl_c_says_what_was_kept(tmp_path, monkeypatch, raised, message):
    import toolkit.sweep
    from toolkit.errors import Interrupted

    def stop(*a, **kw):
        raise raised if raised is not None else Interrupted(message)

    monkeypatch.setattr(toolkit.sweep, "run_sweep", stop)
    result = CliRunner().invoke(app, ["sweep", str(tmp_path / "any.yaml")])
    assert result.exit_code == 130
    assert result.stderr.strip() == message


def test_global_flags_are_plain_flags_in_help():
    result = invoke("--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "--debug" in result.output and "-q, --quiet" in result.output
    sub = invoke("run", "--help")
    assert "<bool>" not in sub.output
    assert "--debug" in sub.output and "--quiet" in sub.output  # named under every command


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_flags_before_or_after_the_command(tmp_path, where):
    from toolkit.errors import ConfigError

    cfg = tmp_path / "bad.yaml"
    cfg.write_text("corpus: {path: seeds}\numap: {n_neighbour: 5}\n")
    args = ["--quiet", "run", cfg] if where == "before" else ["run", cfg, "--quiet"]
    quiet = invoke(*args)
    assert quiet.exit_code == 2 and "umap.n_neighbour" in quiet.output
    assert "No such option" not in quiet.output
    args = ["--debug", "run", cfg] if where == "before" else ["run", cfg, "--debug"]
    with pytest.raises(ConfigError, match="umap.n_neighbour"):  # --debug: the traceback, not one line
        invoke(*args)
    listed = invoke("runs", "list", tmp_path, "-q")
    assert listed.exit_code == 0 and "no runs under" in listed.output


def test_flags_take_no_value():
    result = runner.invoke(app, ["--debug", "true", "runs", "list"])
    assert result.exit_code != 0
    assert "true" in result.output


def test_progress_says_what_a_stage_without_a_size_is_doing(monkeypatch):
    import io
    import logging

    from rich.console import Console

    import toolkit.cli as cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buffer, force_terminal=True, width=200, color_system=None))
    monkeypatch.setitem(cli._state, "quiet", False)
    monkeypatch.setitem(cli._state, "debug", False)
    before = logging.getLogger("toolkit").level
    with cli._progress_bars() as hook:
        hook("embed", 4)(4)
        hook("topics", None)
        logging.getLogger("toolkit.topics.clusterers").info("tried 5..30 topic counts, chose 12")
        hook("assign", 3)(2)
    text = buffer.getvalue()
    assert "0/?" not in text and "1/1" not in text
    assert "clustering and describing topics: tried 5..30 topic counts, chose 12" in text
    assert "done" in text and "4/4" in text and "3/3" in text
    assert logging.getLogger("toolkit").level == before and logging.getLogger("toolkit").propagate


def test_progress_without_a_terminal_names_each_stage(monkeypatch, capsys):
    import toolkit.cli as cli

    monkeypatch.setitem(cli._state, "quiet", False)
    monkeypatch.delenv("TOPICBRIDGE_PROGRESS", raising=False)
    with cli._progress_bars() as hook:
        hook("embed", 74)
        hook("topics", None)
    err = capsys.readouterr().err
    assert "[embed] embedding units (74)" in err
    assert "[topics] clustering and describing topics" in err
