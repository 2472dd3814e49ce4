"""toolkit.report.labels: keyword-score bars, the topic-count criterion and what the NPMI means."""

from __future__ import annotations

import json

import pytest

from toolkit.report import write_report
from toolkit.report.data import load_run
from toolkit.report.labels import (
    KEYWORD_BARS_TOPICS,
    KEYWORD_BARS_WORDS,
    coherence_summary,
    keyword_bars_figure,
    topic_count_figure,
)
from toolkit.report.synthetic import write_synthetic_run


@pytest.fixture()
def run(tmp_path):
    return write_synthetic_run(tmp_path / "run", segments_per_lang=15, seed=0)


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_keyword_bars_show_the_scores_per_topic_and_language(run):
    data = load_run(run)
    spec = keyword_bars_figure(data)
    assert spec is not None and spec.key == "keyword_scores"
    topics_json = json.loads((run / "topics.json").read_text(encoding="utf-8"))
    first = next(t for t in topics_json["topics"] if t["topic"] == data.real_topics[0].topic)
    lang = next(lang for lang in data.languages if first["keywords_by_lang"].get(lang))
    bars = [tr for tr in spec.figure["data"] if tr["type"] == "bar"]
    n_topics = min(KEYWORD_BARS_TOPICS, len(data.real_topics))
    assert len(bars) <= n_topics * len(data.languages)
    expected = [round(w[1], 4) for w in first["keywords_by_lang"][lang][:KEYWORD_BARS_WORDS]]
    assert any(list(tr["x"]) == expected for tr in bars)
    assert all(len(tr["x"]) <= KEYWORD_BARS_WORDS for tr in bars)


def test_keyword_bars_need_weighted_keywords(run):
    _edit(run / "topics.json", lambda d: [t.update(keywords_by_lang={}) for t in d["topics"]])
    assert keyword_bars_figure(load_run(run)) is None


def test_the_topic_count_chart_marks_the_chosen_count(run):
    assert topic_count_figure(load_run(run)) is None  # no criterion recorded
    scores = {"5": 0.31, "6": 0.35, "7": 0.42, "8": 0.40}
    _edit(run / "manifest.json", lambda d: d.update(topics={"clustering": {
        "method": "hierarchy", "scores": scores, "best_count": 7, "n_clusters_fitted": 7,
        "criterion": "weighted silhouette of the base-cluster centroids"}}))
    spec = topic_count_figure(load_run(run))
    assert spec.key == "topic_count" and "5 to 8" in spec.caption
    line, mark = spec.figure["data"][:2]
    assert list(line["x"]) == [5, 6, 7, 8] and list(line["y"]) == [0.31, 0.35, 0.42, 0.40]
    assert list(mark["x"]) == [7] and "best" in mark["name"]


def test_coherence_is_explained_with_its_baseline_and_flags(run):
    def change(m):
        m.update(npmi=-0.2, npmi_baseline=-0.5, npmi_window=5, npmi_reference_texts=40, npmi_below_baseline=1)
        m["per_topic"]["1"].update(npmi=-0.6, npmi_baseline=-0.5, below_baseline=True)
    _edit(run / "metrics.json", change)
    summary = coherence_summary(load_run(run))
    assert "windows of up to 5 consecutive units" in summary["text"] and "40 reference texts" in summary["text"]
    assert "-0.200 against a baseline of -0.500 (above chance)" in summary["text"]
    assert [b[0] for b in summary["below"]] == [1]
    write_report(run)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "What the NPMI figure means · 1 topic below the corpus baseline" in page
    assert "**Coherence.**" in (run / "report.md").read_text(encoding="utf-8")


def test_no_coherence_no_summary(run):
    _edit(run / "metrics.json", lambda m: m.update(npmi=None))
    assert coherence_summary(load_run(run)) is None
