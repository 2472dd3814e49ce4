"""Hostile and careless inputs: each gives one clear line and exit status 2, a warning, or works.

One test per row of docs/reliability.md. The fast deterministic hashing embedder is used
where the model does not matter; the rows about the default model's memory and worker
processes use it for real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.errors import ConfigError, CorpusError, ParameterError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def sentences(n: int = 40) -> list[dict]:
    themes = ["hospital doctor patient clinic treatment", "football match goal team league",
              "election government party minister vote"]
    return [{"id": f"d{i}", "text": f"{themes[i % 3]} story number {i} today", "lang": "en"} for i in range(n)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def config(tmp_path: Path, corpus: Path, extra: str = "") -> Path:
    text = (f"corpus: {{path: {corpus}, unit: document}}\nembedding: {{model: hashing}}\n"
            f"clustering: {{method: kmeans, n_clusters: 3}}\numap: {{n_neighbors: 5}}\n"
            f"output: {{dir: {tmp_path / 'runs'}, map: false}}\ncache: {{enabled: false}}\n{extra}")
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


# ------------------------------------------------------------------ text length and memory


@pytest.mark.slow
def test_a_five_million_character_text_costs_bounded_memory(tmp_path):
    """Peak memory of the run with the huge text, after a warm-up run of the same pipeline
    (imports and numba compilation take most of a first run's memory, whatever the text)."""
    small = write_jsonl(tmp_path / "small.jsonl", sentences(30))
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "huge", "text": "a" * 5_000_000, "lang": "en"}] + sentences(30))
    script = (
        "import json, sys\n"
        "from toolkit import load_config, run_experiment\n"
        "sets = ['embedding.model=use-multilingual', 'clustering.method=hdbscan', 'hdbscan.min_cluster_size=3']\n"
        "run_experiment(load_config(sys.argv[1], sets + [f'corpus.path={sys.argv[2]}']))\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # reset the peak resident size\n"
        "o = run_experiment(load_config(sys.argv[1], sets))\n"
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(json.dumps({'peak_mb': peak / 1024,\n"
        "                  'truncated': o.manifest['cache']['embeddings']['truncated_units'],\n"
        "                  'warnings': o.metrics['warnings']}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(config(tmp_path, corpus)), str(small)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["peak_mb"] < 1024 and out["truncated"] == 1
    assert any("longer than the 10,000 characters" in w for w in out["warnings"])


def test_embed_reads_at_most_max_chars():
    from toolkit.embedding.fake import HashingEmbedder

    e = HashingEmbedder()
    long = "abc " * 5000
    assert np.array_equal(e.embed([long]), e.embed([long[:e.max_chars]]))


# ------------------------------------------------------------------ run folders


def test_two_runs_of_one_config_both_save(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", sentences())
    cfg = config(tmp_path, corpus)
    cmd = [sys.executable, "-m", "toolkit", "--quiet", "run", str(cfg)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = sorted(p for p in (tmp_path / "runs").iterdir() if not p.name.startswith("."))
    assert len(runs) == 2 and all((r / "report.html").is_file() for r in runs)


def test_a_name_taken_while_running_moves_to_the_next_free_one(tmp_path):
    from toolkit.runs import RunWriter, plan_run_dir

    target = plan_run_dir(tmp_path, "exp")
    with RunWriter(target, unique=True) as tmp:
        (tmp / "a.txt").write_text("mine")
        target.mkdir()
        (target / "b.txt").write_text("the other run's")
    assert (target / "b.txt").is_file()
    moved = target.with_name(target.name + "-2")
    assert (moved / "a.txt").read_text() == "mine"


@pytest.mark.parametrize("where", ["under-a-file", "proc", "long-name"])
def test_unwritable_output_is_one_error_before_any_work(tmp_path, where, monkeypatch):
    import toolkit.experiment

    def never(*a, **k):
        raise AssertionError("work started before the output location was checked")

    monkeypatch.setattr(toolkit.experiment, "get_embedder", never)
    corpus = write_jsonl(tmp_path / "c.jsonl", sentences())
    (tmp_path / "file").write_text("x")
    out = {"under-a-file": tmp_path / "file" / "runs", "proc": Path("/proc/nope"),
           "long-name": tmp_path / ("n" * 300)}[where]
    result = invoke("run", config(tmp_path, corpus), "--out", out)
    assert "cannot write a run directory here" in one_error_line(result)


def test_stale_partial_folders_are_removed_by_the_next_run(tmp_path):
    from toolkit.runs import plan_run_dir

    old, new = tmp_path / ".r1.partial-aaaa", tmp_path / ".r2.partial-bbbb"
    for folder in (old, new):
        folder.mkdir()
        (folder / "half.csv").write_text("x")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    plan_run_dir(tmp_path, "exp")
    assert not old.exists() and new.exists()


# ------------------------------------------------------------------ config values


@pytest.mark.parametrize("override, key", [
    ("seed=4294967296", "seed"),
    ("topics.top_n_words=1000000000", "topics.top_n_words"),
    ("umap.min_dist=1e309", "umap.min_dist"),
    ("clustering.n_clusters=10000000", "clustering.n_clusters"),
    ("corpus.path=", "corpus.path"),
])
def test_out_of_range_values_name_their_key(tmp_path, override, key):
    corpus = write_jsonl(tmp_path / "c.jsonl", sentences())
    result = invoke("run", config(tmp_path, corpus), "--set", override)
    assert f"'{key}'" in one_error_line(result)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("section", ["topics:\n  stopwords: *a8\n", "sweep:\n  grid:\n    seed: *a8\n"])
def test_an_alias_bomb_is_refused(tmp_path, section):
    from toolkit.config import load_config

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\ncorpus: {path: x}\n" + section, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"expands to more than 100,000 values through YAML aliases"):
        load_config(path)


def test_error_messages_never_repeat_a_huge_value(tmp_path):
    from toolkit.config import load_config

    path = tmp_path / "c.yaml"
    path.write_text("corpus: {path: x}\nseed: [" + ", ".join(["1"] * 5000) + "]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(str(info.value)) < 400 and "a list of 5,000 items" in str(info.value)


def test_a_huge_config_file_is_refused(tmp_path):
    from toolkit.config import load_config

    path = tmp_path / "c.yaml"
    path.write_text("corpus: {path: x}\n# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a config is at most 1,000,000 bytes"):
        load_config(path)


# ------------------------------------------------------------------ corpus content


def test_dates_from_0001_to_9999_keep_the_time_views_small(tmp_path):
    from toolkit.report import write_report
    from toolkit.report.figures import MAX_TIME_BINS, time_bins
    from toolkit.report.synthetic import write_synthetic_run

    import pandas as pd

    bins, periods, unit = time_bins(pd.Series(["2025-01-02", "9999-12-31", "0001-01-01"]))
    assert len(periods) <= MAX_TIME_BINS and unit == "84 years" and bins.tolist()[1] == "9997-9999"
    run = write_synthetic_run(tmp_path / "run", n_topics=3, with_dates=True)
    lines = (run / "assignments.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    date = header.index("date")
    for i, value in ((1, "9999-12-31"), (2, "0001-01-01")):
        cells = lines[i].split(",")
        cells[date] = value
        lines[i] = ",".join(cells)
    (run / "assignments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_report(run)
    assert (run / "report.html").stat().st_size < 10_000_000


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", "2024-03-05"), ("2024-03-05T10:30:00Z", "2024-03-05"), ("2024-03", "2024-03"), ("2024", "2024"),
])
def test_dates_at_any_precision(value, expected):
    from toolkit.corpus.load import parse_date

    assert parse_date(value, "x") == expected


def test_date_format_reads_other_forms_and_names_the_key():
    from toolkit.corpus.load import parse_date

    assert parse_date("05.03.2024", "x", "%d.%m.%Y") == "2024-03-05"
    with pytest.raises(CorpusError, match=r"set corpus.date_format"):
        parse_date("05.03.2024", "c.csv:2")


def test_a_lone_surrogate_becomes_a_replacement_character(tmp_path):
    from toolkit.corpus import read_documents
    from toolkit.embedding import get_embedder

    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a\\ud800", "text": "broken \\ud800 text"}\n', encoding="utf-8")
    (doc,) = read_documents(path)
    assert doc.text == "broken \ufffd text" and doc.id == "a\ufffd"
    assert get_embedder("use-multilingual", threads=1).embed([doc.text]).shape == (1, 512)


def test_every_text_empty_is_one_error(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "   "}, {"text": "\n"}])
    result = invoke("run", config(tmp_path, corpus))
    assert "every text is empty after cleaning" in one_error_line(result)


def test_markdown_links_in_corpus_text_stay_text(tmp_path):
    from toolkit.report import write_report
    from toolkit.report.synthetic import write_synthetic_run

    texts = [("en", "[click](javascript:alert(1)) and ![p](https://evil.example/p.png) here", "a")] * 3
    texts += [("en", f"ordinary sentence number {i}", "b") for i in range(12)]
    run = write_synthetic_run(tmp_path / "run", texts=texts, n_topics=2, malicious=False)
    write_report(run)
    md = (run / "report.md").read_text(encoding="utf-8")
    assert "[click](" not in md and "![p](" not in md  # no link or image syntax left
    assert "\\[click\\](javascript:" in md


def test_a_stray_quote_in_a_csv_is_a_warning(tmp_path):
    from toolkit.corpus import read_documents

    rows = ["id,text"] + [f"{i},row number {i}" for i in range(1, 10)]
    rows[4] = '4,"row with a stray quote'
    path = tmp_path / "c.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    notes: list[str] = []
    docs = read_documents(path, notes=notes)
    assert len(docs) < 9
    assert len(notes) == 1 and "first at line 5" in notes[0] and "stray quote" in notes[0]


def test_ids_that_collide_or_differ_only_in_case(tmp_path):
    from toolkit.corpus import read_documents

    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "000.txt").write_text("one", encoding="utf-8")
    (folder / "000.TXT").write_text("two", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"gives the document id '000' like"):
        read_documents(folder)
    notes: list[str] = []
    read_documents(write_jsonl(tmp_path / "c.jsonl", [{"id": "A1", "text": "x"}, {"id": "a1", "text": "y"}]),
                   notes=notes)
    assert "differ from another only in case (e.g. 'A1' and 'a1')" in notes[0]


def test_unknown_language_codes_are_a_warning(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{**r, "lang": "klingon"} if i < 5 else r
                                                for i, r in enumerate(sentences())])
    result = invoke("run", config(tmp_path, corpus))
    assert result.exit_code == 0, result.output
    assert "5 documents give a language that is not an ISO 639-1 code: 'klingon' (5)" in result.output


def test_zero_topics_is_a_warning_in_a_run_and_a_sweep(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", sentences(20))
    cfg = config(tmp_path, corpus, "clustering: {method: hdbscan}\nhdbscan: {min_cluster_size: 1000}\n")
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("clustering: {method: kmeans, n_clusters: 3}\n", ""),
                   encoding="utf-8")
    result = invoke("run", cfg)
    assert result.exit_code == 0, result.output
    assert "0 topics: every one of the 20 units is an outlier" in result.output
    sweep = tmp_path / "s.yaml"
    sweep.write_text(cfg.read_text(encoding="utf-8") + "sweep: {grid: {umap.n_neighbors: [5]}, seeds: [0]}\n",
                     encoding="utf-8")
    result = invoke("sweep", sweep, "--out", tmp_path / "sw")
    assert result.exit_code == 0, result.output
    assert "0 topics" in result.output and "## Warnings" in (tmp_path / "sw" / "summary.md").read_text()


# ------------------------------------------------------------------ the Python API


@pytest.mark.parametrize("call, param", [
    (lambda t: __import__("toolkit").load_config(None), "path"),
    (lambda t: __import__("toolkit").load_config("configs/seeds.yaml", "umap.n_neighbors=5"), "overrides"),
    (lambda t: __import__("toolkit").load_config("configs/seeds.yaml", [5]), "overrides"),
    (lambda t: __import__("toolkit").run_experiment("c.yaml"), "config"),
    (lambda t: __import__("toolkit").load_corpus("x.jsonl"), "config"),
    (lambda t: __import__("toolkit").read_documents(None), "path"),
    (lambda t: __import__("toolkit").get_embedder("hashing").embed("a string"), "texts"),
    (lambda t: __import__("toolkit").get_embedder("hashing").embed([1, 2]), "texts"),
    (lambda t: __import__("toolkit").get_embedder("use-multilingual", threads=-1), "threads"),
    (lambda t: __import__("toolkit").reduce_embeddings("x", n_components=2, n_neighbors=5), "embeddings"),
    (lambda t: __import__("toolkit").reduce_embeddings(np.full((20, 4), np.nan), n_components=2, n_neighbors=5),
     "embeddings"),
    (lambda t: __import__("toolkit").fit_topics(None, None, [], [], None), "embeddings"),
    (lambda t: __import__("toolkit").write_report(None), "run_dir"),
    (lambda t: __import__("toolkit").TopicBridge.load(None), "path"),
])
def test_wrong_library_calls_say_what_they_expected(in_repo, tmp_path, call, param):
    with pytest.raises(ParameterError) as info:
        call(tmp_path)
    assert info.value.param == param
    assert "expected" in str(info.value) or "got one string" in str(info.value)


def test_run_sweep_checks_its_arguments():
    from toolkit.sweep import run_sweep

    with pytest.raises(ParameterError, match=r"^config_path: expected a sweep config file"):
        run_sweep(None)


# ------------------------------------------------------------------ Ctrl-C


@pytest.mark.slow
def test_ctrl_c_prints_no_worker_traceback(tmp_path):
    script = (
        "import sys, time\n"
        "from toolkit.embedding import get_embedder\n"
        "e = get_embedder('use-multilingual', threads=2)\n"
        "e.start_workers()\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    time.sleep(60)\n"
        "except KeyboardInterrupt:\n"
        "    e.close()\n"
        "    print('interrupted cleanly', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert "interrupted cleanly" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# ------------------------------------------------------------------ page size at many topics


def test_many_topics_keep_the_page_small(tmp_path):
    import re

    from toolkit.report import write_report
    from toolkit.report.figures import FIGURE_TOPICS
    from toolkit.report.synthetic import write_synthetic_run

    run = write_synthetic_run(tmp_path / "run", segments_per_lang=700, n_topics=400, with_dates=True, seed=3)
    write_report(run)
    html = (run / "report.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 10_000_000
    assert re.search(r"The 200 largest of \d+ topics are listed", html)
    assert re.search(rf"The {FIGURE_TOPICS} largest of \d+ topics are drawn one by one", html)
    assert len(re.findall(r'<tr id="topic-', html)) == 200


def test_topics_json_keeps_the_similarity_of_the_largest_topics(tmp_path):
    from toolkit.runs import SIMILARITY_TOPICS, largest_similarity
    from toolkit.topics.result import TopicResult

    n = SIMILARITY_TOPICS + 20
    topics = np.repeat(np.arange(n), np.arange(n, 0, -1))
    result = TopicResult(topics=topics, labels={}, keywords={}, keywords_by_lang={}, representatives={},
                         similarity_topics=list(range(n)), similarity=np.eye(n))
    ids, sim = largest_similarity(result)
    assert ids == list(range(SIMILARITY_TOPICS)) and sim.shape == (SIMILARITY_TOPICS, SIMILARITY_TOPICS)
