"""Tests of toolkit.report: reading run directories, the HTML/Markdown reports, comparisons.

Run directories are written here per docs/run-directory.md (a hand-written minimal writer for
edge cases, the seeded synthetic writer for a rich seeds-like run); no other module runs.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html as htmllib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import RunError
from toolkit.report import (REQUIRED_FILES, compare_runs, load_run, write_comparison,
                            write_report)
from toolkit.report.figures import build_figures, time_bins
from toolkit.report.map_figure import map_points_traces
from toolkit.report.html import render_html
from toolkit.report.markdown import render_markdown
from toolkit.report.packing import ALPHABET, pack, unpack, unpack_block
from toolkit.report.synthetic import MALICIOUS_TEXT, write_synthetic_run
from toolkit.report.text import (json_for_script, md_cell, md_fence, plotly_hover, plotly_text,
                                 truncate)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------------ helpers


def write_minimal_run(root: Path, rows: list[dict], *, topics: dict[int, dict] | None = None,
                      similarity: bool = True, metrics: dict | None = None) -> Path:
    """Write a run directory by hand from assignment rows (id, doc_id, lang, topic, text, ...)."""
    root.mkdir(parents=True, exist_ok=True)
    columns = ["id", "doc_id", "lang", "topic", "date", "label", "group", "x", "y", "text"]
    frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns)
    frame.to_csv(root / "assignments.csv", index=False)
    langs = sorted(set(frame["lang"]))
    topic_ids = sorted(set(int(t) for t in frame["topic"]))
    topics = topics or {}
    table, objs = [], []
    for t in topic_ids:
        part = frame[frame["topic"] == t]
        info = topics.get(t, {})
        kws = info.get("keywords_by_lang", {lang: [f"{lang}{t}a", f"{lang}{t}b"] for lang in langs})
        overall = info.get("keywords", [k for lang in langs for k in kws.get(lang, [])][:4])
        sizes = {lang: int((part["lang"] == lang).sum()) for lang in langs}
        table.append([t, len(part), info.get("label", f"{t}_label"), info.get("theme", ""),
                      ",".join(overall)] + [sizes[lang] for lang in langs]
                     + [",".join(kws.get(lang, [])) for lang in langs])
        objs.append({"topic": t, "label": info.get("label", f"{t}_label"),
                     "theme": info.get("theme") or None, "size": len(part), "sizes": sizes,
                     "keywords": [[k, 0.1] for k in overall],
                     "keywords_by_lang": {lang: [[k, 0.1] for k in kws.get(lang, [])] for lang in langs},
                     "representatives": {lang: list(part.loc[part["lang"] == lang, "id"][:2])
                                         for lang in langs}})
    with (root / "topics.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["topic", "size", "label", "theme", "keywords"] + [f"size_{lang}" for lang in langs]
                   + [f"keywords_{lang}" for lang in langs])
        w.writerows(table)
    real = [t for t in topic_ids if t >= 0]
    doc = {"languages": langs, "topics": objs}
    if similarity:
        doc["similarity"] = {"topics": real, "matrix": np.eye(len(real)).tolist()}
    (root / "topics.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    (root / "metrics.json").write_text(json.dumps(metrics if metrics is not None else
                                                  {"n_topics": len(real), "warnings": []}), "utf-8")
    (root / "manifest.json").write_text(json.dumps({"toolkit_version": "0.1.0", "seed": 0}), "utf-8")
    (root / "config.yaml").write_text("name: minimal\nseed: 0\n", "utf-8")
    return root


def rows_for(assign: dict[str, int], lang: str = "de") -> list[dict]:
    """Assignment rows from {id: topic}."""
    return [{"id": i, "doc_id": i.split("#")[0], "lang": lang, "topic": t, "text": f"text {i}",
             "x": n, "y": n % 3} for n, (i, t) in enumerate(assign.items())]


def figure_payload(page: str) -> dict:
    return json.loads(unpack_block(page, "report-figures"))


def all_strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in all_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in all_strings(v)]
    return []


def table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("| ")]


def cell_count(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line)) - 1


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A seeds-like synthetic run (3 languages, dates, a theme, a malicious text) and its report."""
    run = write_synthetic_run(tmp_path_factory.mktemp("report") / "run", segments_per_lang=15, seed=0)
    topics = json.loads((run / "topics.json").read_text("utf-8"))
    topics["topics"][0]["keywords_by_lang"]["de"].append(["pipe|word", 0.01])
    (run / "topics.json").write_text(json.dumps(topics, ensure_ascii=False), "utf-8")
    paths = write_report(run)
    return run, paths, (run / "report.html").read_text("utf-8"), (run / "report.md").read_text("utf-8")


# ------------------------------------------------------------------------------- write_report


def test_write_report_writes_md_html_and_pngs(built):
    run, paths, _, _ = built
    names = [p.name for p in paths]
    assert names[:2] == ["report.md", "report.html"]
    assert sorted(names[2:]) == ["map.png", "over_time.png", "topic_language.png", "topic_sizes.png"]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 0
        assert p.parent in (run, run / "figures")
    for p in paths[2:]:
        assert p.read_bytes()[:8] == PNG_MAGIC


def test_html_is_self_contained_with_plotly_inlined_once(built):
    from plotly.offline import get_plotlyjs

    _, _, page, _ = built
    assert unpack_block(page, "report-plotly") == get_plotlyjs()
    assert page.count('id="report-plotly"') == 1
    assert not re.search(r"https?://", page), "a URL in the page"
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page, re.I)
    assert "<link" not in page
    csp = htmllib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                                     page).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_packed_blocks_round_trip_and_stay_html_safe():
    text = "plotly \u2028 </script><!-- & 中文 " * 50
    packed, n = pack(text)
    assert unpack(packed, n) == text
    assert len(packed) % 5 == 0 and len(packed) < len(text)
    assert not set(packed) & set("<>&\"'`-/")
    assert len(ALPHABET) == len(set(ALPHABET)) == 85
    # the page's decoder names the same alphabet
    js = (Path(__file__).parents[1] / "toolkit/report/templates/report.js.j2").read_text("utf-8")
    assert f'var ALPHABET = "{ALPHABET}";' in js
    with pytest.raises(ValueError, match="no packed block 'nope'"):
        unpack_block("<html></html>", "nope")


def test_seeds_sized_report_is_under_2_mb(built):
    assert len(built[2].encode("utf-8")) <= 2_000_000


def test_html_escapes_corpus_text_everywhere(built):
    _, _, page, _ = built
    for raw in ("<script>alert", "<img src=x", "<img src=y", "<b>demo", "<i>#"):
        assert raw not in page
    assert htmllib.escape(MALICIOUS_TEXT, quote=False) in page  # topic table text
    assert "synthetic &lt;b&gt;demo&lt;/b&gt;" in page  # title and config
    payload_text = json_for_script(figure_payload(page))
    assert "<" not in payload_text and ">" not in payload_text
    strings = all_strings(figure_payload(page))
    assert not any("<script" in s or "<img" in s for s in strings)
    hovers = [s for s in strings if "alert(1)" in s]
    assert hovers and all("&lt;script&gt;alert(1)&lt;/script&gt;" in s for s in hovers)


def test_html_header_shows_corpus_metrics_and_warnings(built):
    _, _, page, _ = built
    assert '<div class="k">documents</div><div class="v">15</div>' in page
    assert '<div class="k">segments</div><div class="v">45</div>' in page
    for lang in ("de", "ru", "zh"):
        assert f"{lang} · 15" in page
    assert re.search(r"2025-01-\d\d – 2025-\d\d-\d\d", page)
    for title, value in (("NMI (labels)", "0.610"), ("parallel agreement", "0.740"),
                         ("NMI (language)", "0.030"), ("topic diversity", "0.880")):
        assert re.search(rf'<div class="k">{re.escape(title)}</div><div class="v">{value}</div>', page)
    assert '<div class="warning" role="alert"><strong>⚠ Warning</strong>topic 1 is 90% one language' in page


def test_html_topic_table_lists_every_topic_with_languages_and_representatives(built):
    run, _, page, _ = built
    data = load_run(run)
    for topic in data.topics:
        assert f'id="topic-{topic.topic}"' in page
        for lang, words in topic.keywords_by_lang.items():
            for word in words:
                assert f'<span class="kw">{htmllib.escape(word, quote=False)}</span>' in page
    assert '<span class="theme">digital health</span>' in page
    assert page.count("<details><summary>") >= 3 * len(data.real_topics)
    texts = data.texts_by_id()
    first = data.topics[0].representatives["ru"][0]
    assert htmllib.escape(texts[first], quote=False) in page


def test_html_has_every_figure_and_a_language_toggle_on_the_map(built):
    run, _, page, _ = built
    payload = figure_payload(page)
    keys = [f["key"] for f in payload["figures"]]
    assert keys == ["map", "sizes", "languages", "similarity", "hierarchy", "keyword_scores", "distance", "labels",
                    "time", "time_languages", "documents"]
    for key in keys:
        assert f'id="plot-{key}"' in page
    assert payload["template"]["layout"]  # shared template inlined once
    item = payload["figures"][0]
    fig, points = item["figure"], item["points"]
    data = load_run(run)
    n_topics = data.assignments["topic"].nunique()
    # the page stores the points once, as columns; the traces are built in the browser
    assert fig["data"] == [] and points["type"] == "scattergl"
    assert len(points["x"]) == len(points["h"]) == len(points["t"]) == len(points["l"]) == len(data.assignments)
    assert len(points["groups"]["topic"]) == n_topics and len(points["groups"]["lang"]) == 3
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["Colour by topic", "Colour by language"]
    assert buttons[1]["args"][0]["visible"] == [False] * n_topics + [True] * 3
    # both colourings carry the full hover text
    traces = map_points_traces(points)
    assert len(traces) == n_topics + 3
    for part in (traces[:n_topics], traces[n_topics:]):
        assert sorted(h for t in part for h in t["hovertext"]) == sorted(points["h"])
    assert all("<br>" in h for h in points["h"])


def test_html_shows_themes_config_and_manifest(built):
    run, _, page, _ = built
    assert '<section id="themes">' in page and "digital health · " in page
    config_text = (run / "config.yaml").read_text("utf-8")
    assert f"<pre>{htmllib.escape(config_text)}</pre>" in page
    assert "&#34;config_hash&#34;: &#34;c0ffee&#34;" in page or '"config_hash": "c0ffee"' in page


def test_markdown_has_tables_keywords_and_figure_links(built):
    run, paths, _, md = built
    data = load_run(run)
    for png in paths[2:]:
        assert f"](figures/{png.name})" in md
    for topic in data.topics:
        row = next(line for line in table_rows(md) if line.startswith(f"| {topic.topic} | {topic.label}"))
        for lang in data.languages:
            for word in topic.keywords_by_lang[lang]:
                assert md_cell(word) in row
    assert "pipe\\|word" in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "<script>" not in md
    assert "<img" not in md
    # every row of a table has as many cells as its header
    blocks, current = [], []
    for line in md.splitlines() + [""]:
        if line.startswith("| "):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    assert len(blocks) >= 5
    for block in blocks:
        assert {cell_count(line) for line in block} == {cell_count(block[0])}, block[0]
    assert "```yaml\nname: synthetic <b>demo</b>\n" in md  # verbatim inside a code fence
    assert "> **Warning:** topic 1 is 90% one language" in md


def test_report_is_deterministic(built):
    run, paths, page, md = built
    data = load_run(run)
    assert render_markdown(data, paths[2:]) == md
    assert render_html(data) == page


def test_out_dir_receives_the_report_and_run_dir_is_untouched(tmp_path):
    run = write_minimal_run(tmp_path / "run", rows_for({"a": 0, "b": 1, "c": 1}))
    before = sorted(p.name for p in run.iterdir())
    paths = write_report(run, tmp_path / "out" / "nested")
    assert sorted(p.name for p in run.iterdir()) == before
    assert [p.relative_to(tmp_path / "out" / "nested").as_posix() for p in paths] == [
        "report.md", "report.html", "figures/topic_sizes.png", "figures/topic_language.png",
        "figures/map.png"]


def test_report_without_dates_coordinates_or_enough_topics(tmp_path):
    rows = rows_for({f"d{i}": 0 for i in range(4)}) + rows_for({f"r{i}": -1 for i in range(2)}, "ru")
    for row in rows:
        row["x"] = row["y"] = ""
    run = write_minimal_run(tmp_path / "run", rows, similarity=True)
    paths = write_report(run)
    assert [p.name for p in paths] == ["report.md", "report.html", "topic_sizes.png", "topic_language.png"]
    page = (run / "report.html").read_text("utf-8")
    keys = [f["key"] for f in figure_payload(page)["figures"]]
    assert keys in (["sizes", "languages", "keyword_scores", "documents"], ["sizes", "languages", "keyword_scores"])
    assert "need at least two topics" in page
    assert "no segment has a date" in page
    assert "no x/y coordinates" in page
    md = (run / "report.md").read_text("utf-8")
    assert "over_time.png" not in md and "map.png" not in md


def test_report_for_a_run_where_every_unit_is_an_outlier(tmp_path):
    # topics.json of such a run holds an empty similarity matrix, which JSON stores as [].
    run = write_minimal_run(tmp_path / "run", rows_for({f"d{i}": -1 for i in range(5)}))
    assert json.loads((run / "topics.json").read_text("utf-8"))["similarity"] == {"topics": [], "matrix": []}
    data = load_run(run)
    assert data.similarity is None and data.similarity_topics == []
    paths = write_report(run)
    assert [p.name for p in paths][:2] == ["report.md", "report.html"]
    assert "topic -1 holds the outliers" in (run / "report.md").read_text("utf-8")


def test_map_is_sampled_and_hover_text_truncated(tmp_path):
    long = "word " * 200
    rows = [{"id": f"s{i}", "doc_id": f"s{i}", "lang": "de", "topic": i % 2, "text": long,
             "x": i * 0.123456, "y": -i} for i in range(60)]
    run = write_minimal_run(tmp_path / "run", rows)
    figures, _ = build_figures(load_run(run), max_points=25)
    spec = next(f for f in figures if f.key == "map")
    points = spec.points
    assert len(points["x"]) == 25
    assert "A random sample of 25 of 60 units" in spec.caption
    assert all(len(str(x).split(".")[-1]) <= 3 for x in points["x"])
    assert max(len(h) for h in points["h"]) < 260
    assert all("word" in h for h in points["h"])
    # the notebook figure expands both colourings from the same points
    traces = spec.figure["data"]
    assert sum(len(t["x"]) for t in traces if t["visible"]) == 25
    assert sum(len(t["x"]) for t in traces if not t["visible"]) == 25


def test_similarity_and_hierarchy_follow_the_matrix(tmp_path):
    rows = rows_for({f"a{i}": i % 3 for i in range(9)})
    run = write_minimal_run(tmp_path / "run", rows)
    doc = json.loads((run / "topics.json").read_text("utf-8"))
    doc["similarity"]["matrix"] = [[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]]
    (run / "topics.json").write_text(json.dumps(doc), "utf-8")
    figures, _ = build_figures(load_run(run))
    sim = next(f for f in figures if f.key == "similarity").figure["data"][0]
    assert sim["x"] in (["2", "0", "1"], ["0", "1", "2"], ["1", "0", "2"], ["2", "1", "0"])
    order = [int(x) for x in sim["x"]]
    assert abs(order.index(0) - order.index(1)) == 1  # the two similar topics sit together
    tree = next(f for f in figures if f.key == "hierarchy").figure
    assert len(tree["layout"]["yaxis"]["ticktext"]) == 3


# --------------------------------------------------------------------------- reading run dirs


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_file_raises_run_error_naming_it(tmp_path, name):
    run = write_minimal_run(tmp_path / "run", rows_for({"a": 0, "b": 1}))
    (run / name).unlink()
    with pytest.raises(RunError, match=rf"incomplete run directory, missing {re.escape(name)}"):
        write_report(run)


def test_missing_folder_raises(tmp_path):
    with pytest.raises(RunError, match="not a run directory"):
        load_run(tmp_path / "nope")


@pytest.mark.parametrize("name, content, message", [
    ("metrics.json", "{oops", r"metrics\.json: invalid JSON at line 1"),
    ("topics.json", "[1, 2]", r"topics\.json: expected a JSON dict, found list"),
    ("manifest.json", "", r"manifest\.json: invalid JSON"),
    ("config.yaml", "a: [1,\n", r"config\.yaml: invalid YAML"),
    ("config.yaml", "- 1\n- 2\n", r"config\.yaml: expected a mapping"),
    ("assignments.csv", "id,doc_id,lang,text\na,a,de,x\n", r"assignments\.csv: missing column\(s\) topic"),
    ("assignments.csv", "id,doc_id,lang,topic,text\na,a,de,one,x\n",
     r"assignments\.csv: column 'topic' must hold integers; row 2 has 'one'"),
    ("assignments.csv", "", r"assignments\.csv: empty file"),
    ("topics.csv", "topic,label\n0,x\n", r"topics\.csv: missing column\(s\) size"),
    ("topics.csv", "topic,size\n0,1.5\n", r"topics\.csv: column 'size' must hold integers"),
])
def test_malformed_files_raise_run_error(tmp_path, name, content, message):
    run = write_minimal_run(tmp_path / "run", rows_for({"a": 0, "b": 1}))
    (run / name).write_text(content, "utf-8")
    with pytest.raises(RunError, match=message):
        load_run(run)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["similarity"].update(matrix=[[1.0]]), r"similarity matrix has shape \(1, 1\)"),
    (lambda d: d["similarity"].pop("matrix"), r"'similarity' must be"),
    (lambda d: d["topics"].append({"label": "x"}), r"topics\[2\] must be an object with a 'topic'"),
    (lambda d: d["topics"][0].update(topic="zero"), r"topics\[0\]\.topic must be an integer"),
    (lambda d: d["topics"][0].update(keywords="a,b"), r"topics\[0\]\.keywords must be a list"),
    (lambda d: d.update(topics={}), r"'topics' must be a list"),
])
def test_malformed_topics_json_raises(tmp_path, mutate, message):
    run = write_minimal_run(tmp_path / "run", rows_for({"a": 0, "b": 1}))
    doc = json.loads((run / "topics.json").read_text("utf-8"))
    mutate(doc)
    (run / "topics.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(RunError, match=message):
        load_run(run)


def test_load_run_fills_gaps_from_assignments(tmp_path):
    run = write_minimal_run(tmp_path / "run", rows_for({"a#0": 0, "a#1": 0, "b#0": 1}))
    data = load_run(run)
    assert data.corpus.documents == 2 and data.corpus.segments == 3
    assert data.corpus.languages == {"de": 3} and data.corpus.date_min is None
    assert [t.topic for t in data.topics] == [0, 1]
    assert data.topics[0].keywords_by_lang == {"de": ["de0a", "de0b"]}


def test_unwritable_output_raises(tmp_path):
    run = write_minimal_run(tmp_path / "run", rows_for({"a": 0, "b": 1}))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunError, match="cannot create the report folder"):
        write_report(run, blocker / "sub")


# ------------------------------------------------------------------------------- text helpers


def test_text_helpers_escape_and_shorten():
    assert truncate("a  b\n c", 10) == "a b c"
    assert truncate("abcdefghij", 5) == "abcd…"
    assert plotly_text("<b>&") == "&lt;b&gt;&amp;"
    hover = plotly_hover("<&>" * 30 + " 医" * 10, limit=200, width=20)
    assert "<" not in hover.replace("<br>", "")
    assert all(not re.search(r"&[a-z]*$", line) for line in hover.split("<br>"))
    assert plotly_hover("中" * 130, limit=100, width=60).count("<br>") == 1
    encoded = json_for_script({"t": "</script><!-- & \u2028", "n": float("nan"), "a": np.arange(2)})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"t": "</script><!-- & \u2028", "n": None, "a": [0, 1]}
    assert md_cell("a|b\nc <i>") == "a\\|b c &lt;i&gt;"
    assert md_fence("x ```` y") == "`````"


def test_time_bins_per_day_or_month_with_gaps_filled():
    days = pd.Series(["2025-01-01", "2025-01-03", "", "bad"])
    bins, periods, unit = time_bins(days)
    assert unit == "day" and periods == ["2025-01-01", "2025-01-02", "2025-01-03"]
    assert list(bins) == ["2025-01-01", "2025-01-03", "", ""]
    bins, periods, unit = time_bins(pd.Series(["2024-11-30", "2025-02-01"]))
    assert unit == "month" and periods == ["2024-11", "2024-12", "2025-01", "2025-02"]


# --------------------------------------------------------------------------------- comparison


def test_compare_identical_and_relabelled_runs(tmp_path):
    assign = {f"s{i}": i % 3 for i in range(12)} | {"o1": -1}
    a = write_minimal_run(tmp_path / "a", rows_for(assign), metrics={"nmi": 0.5, "n_topics": 3})
    relabel = {0: 2, 1: 0, 2: 1, -1: -1}
    b = write_minimal_run(tmp_path / "b", rows_for({k: relabel[v] for k, v in assign.items()}),
                          metrics={"nmi": 0.6, "n_topics": 3, "npmi": 0.1})
    cmp = compare_runs(a, b)
    assert cmp.shared == 13 and cmp.only_a == cmp.only_b == 0
    assert cmp.ari == pytest.approx(1.0)
    assert {(m.topic_a, m.topic_b) for m in cmp.matches} == {(0, 2), (1, 0), (2, 1)}
    assert all(m.jaccard == 1.0 for m in cmp.matches)
    diffs = {m.name: m for m in cmp.metrics}
    assert diffs["nmi"].diff == pytest.approx(0.1) and diffs["npmi"].a is None


def test_compare_jaccard_mapping_and_unmatched_topics(tmp_path):
    # A: t0 = {1,2,3,4}, t1 = {5,6}; B: u0 = {1,2,3}, u1 = {4,5,6}, u2 = {7}; 8 only in B
    a = write_minimal_run(tmp_path / "a", rows_for({"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": -1}))
    b = write_minimal_run(tmp_path / "b", rows_for({"1": 0, "2": 0, "3": 0, "4": 1, "5": 1, "6": 1,
                                                    "7": 2, "8": 2}))
    cmp = compare_runs(a, b)
    assert (cmp.shared, cmp.only_a, cmp.only_b) == (7, 0, 1)
    assert cmp.topics_a == [0, 1] and cmp.topics_b == [0, 1, 2]
    np.testing.assert_allclose(cmp.jaccard, [[3 / 4, 1 / 6, 0], [0, 2 / 3, 0]])
    pairs = [(m.topic_a, m.topic_b, round(m.jaccard, 3), m.overlap) for m in cmp.matches]
    assert pairs == [(0, 0, 0.75, 3), (1, 1, 0.667, 2), (None, 2, 0.0, 0)]
    from sklearn.metrics import adjusted_rand_score
    assert cmp.ari == pytest.approx(adjusted_rand_score([0, 0, 0, 0, 1, 1, -1], [0, 0, 0, 1, 1, 1, 2]))


def test_write_comparison_files(tmp_path):
    a = write_synthetic_run(tmp_path / "a", segments_per_lang=6, seed=1)
    b = write_synthetic_run(tmp_path / "b", segments_per_lang=6, seed=2)
    paths = write_comparison(a, b, tmp_path / "cmp")
    assert [p.name for p in paths] == ["comparison.md", "comparison.html"]
    page = paths[1].read_text("utf-8")
    md = paths[0].read_text("utf-8")
    assert "<script" not in page and not re.search(r"https?://", page)
    assert "default-src 'none'" in page and "ARI" in page and "Topic mapping" in page
    cmp = compare_runs(a, b)
    assert f'<div class="v">{cmp.ari:.3f}</div>' in page
    assert "| metric | A | B | B − A |" in md
    assert "| nmi | 0.610 | 0.610 | +0.000 |" in md
    assert re.search(r"\| n_topics \| \d \| \d \| [+-]\d \|", md)
    for block in [line for line in md.splitlines() if line.startswith("| ")]:
        assert "<" not in block


def test_compare_disjoint_duplicate_and_incomplete_runs(tmp_path):
    a = write_minimal_run(tmp_path / "a", rows_for({"1": 0, "2": 1}))
    b = write_minimal_run(tmp_path / "b", rows_for({"3": 0, "4": 1}))
    cmp = compare_runs(a, b)
    assert cmp.shared == 0 and cmp.ari is None and cmp.matches == []
    md = write_comparison(a, b, tmp_path / "out")[0].read_text("utf-8")
    assert "No topics with members among the shared segments." in md
    dup = write_minimal_run(tmp_path / "dup", rows_for({"1": 0}) + rows_for({"1": 1}))
    with pytest.raises(RunError, match=r"segment id '1' appears more than once"):
        compare_runs(a, dup)
    (b / "metrics.json").unlink()
    with pytest.raises(RunError, match=r"missing metrics\.json"):
        write_comparison(a, b, tmp_path / "out2")


def test_partial_run_folder_name_and_null_metrics(tmp_path):
    run = write_minimal_run(tmp_path / ".myrun.partial-ab12", rows_for({"a": 0, "b": 1}),
                            metrics={"nmi": None, "n_topics": 2, "warnings": []})
    write_report(run)
    page = (run / "report.html").read_text("utf-8")
    assert "run <code>myrun</code>" in page and "partial-ab12" not in page
    assert f"topicbridge report {tmp_path / 'myrun'}</code>" in page
    assert '<div class="k">topics</div><div class="v">2</div>' in page
    assert "NMI (labels)" not in page  # null: does not apply, no headline card
    assert '<span>nmi</span><span class="num">n/a</span>' in page


def test_pngs_draw_the_largest_topics_when_there_are_many(tmp_path):
    from toolkit.report import pngs

    # 40 topics of sizes 1..40 (topic t has t+1 members) plus outliers
    assign = {f"s{t}-{i}": t for t in range(40) for i in range(t + 1)}
    assign.update({f"o{i}": -1 for i in range(3)})
    data = load_run(write_minimal_run(tmp_path / "run", rows_for(assign)))
    shown, note = pngs._shown(data)
    assert [t.topic for t in shown] == list(range(10, 40)) + [-1]
    assert note == " (largest 30 of 40 topics)"
    few = load_run(write_minimal_run(tmp_path / "few", rows_for({"a": 0, "b": 1, "c": -1})))
    assert pngs._shown(few) == (list(few.topics), "")
    written = pngs.write_pngs(data, tmp_path / "fig")
    assert [p.name for p in written][:2] == ["topic_sizes.png", "topic_language.png"]
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in written)


def test_large_maps_keep_hover_text_short(tmp_path):
    from toolkit.report.figures import LARGE_MAP_HOVER_CHARS, WEBGL_THRESHOLD

    n = WEBGL_THRESHOLD + 10
    rows = [{"id": f"s{i}", "doc_id": f"s{i}", "lang": "de", "topic": i % 2, "text": "wort " * 100,
             "x": float(i), "y": 0.0} for i in range(n)]
    data = load_run(write_minimal_run(tmp_path / "run", rows))
    points = next(f for f in build_figures(data)[0] if f.key == "map").points
    texts = [h.split("<br>", 1)[1] for h in points["h"]]
    assert len(texts) == n
    longest = max(len(t.replace("<br>", "")) for t in texts)
    assert LARGE_MAP_HOVER_CHARS - 10 <= longest <= LARGE_MAP_HOVER_CHARS + 5


def test_footer_rebuild_command_names_the_folder_as_the_run_was_given(tmp_path):
    from toolkit.report.context import rebuild_command

    assert rebuild_command(Path("runs/.seeds-20261201-101500.partial-ab12")) == \
        "topicbridge report runs/seeds-20261201-101500"
    assert rebuild_command(Path("seeds-1")) == "topicbridge report seeds-1"
    assert rebuild_command(Path("/data/my runs/x")) == "topicbridge report '/data/my runs/x'"
    run = write_synthetic_run(tmp_path / "out dir" / "run", segments_per_lang=3, seed=0)
    write_report(run)
    page = (run / "report.html").read_text("utf-8")
    footer = re.search(r"rebuild with <code>(.*?)</code>", page).group(1)
    assert htmllib.unescape(footer) == f"topicbridge report '{run}'"
