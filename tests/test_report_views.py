"""The report's views beyond the basics: distance map, gold labels, time views, the topic tree,
readable names and topic rows (built from synthetic or hand-written run directories)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.report import load_run, write_report
from toolkit.report.context import TOPIC_STAT_NAMES, language_mix, report_context
from toolkit.report.document_figures import document_name, per_document_figure
from toolkit.report.figures import build_figures
from toolkit.report.overview_figures import classical_mds, distance_map_figure, label_counts, labels_figure
from toolkit.report.period_words import period_keywords
from toolkit.report.synthetic import write_synthetic_run
from toolkit.report.text import truncate
from toolkit.report.time_figures import dated_units, over_time_by_language_figure, over_time_figure
from toolkit.report.topic_figures import hierarchy_figure, node_words


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    run = write_synthetic_run(tmp_path_factory.mktemp("views") / "run", segments_per_lang=40, seed=3)
    return load_run(run)


def test_classical_mds_recovers_a_planar_configuration():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(7, 2))
    dist = np.linalg.norm(points[:, None] - points[None], axis=-1)
    coords = classical_mds(dist)
    assert np.allclose(np.linalg.norm(coords[:, None] - coords[None], axis=-1), dist, atol=1e-8)
    assert np.array_equal(classical_mds(dist), coords)  # deterministic, signs fixed


def test_distance_map_has_a_bubble_per_topic_sized_by_units(data):
    spec = distance_map_figure(data)
    trace = spec.figure["data"][0]
    ids = [int(t) for t in trace["text"]]
    assert sorted(ids) == sorted(t.topic for t in data.real_topics)
    sizes = dict(zip(ids, trace["marker"]["size"]))
    big = max(data.real_topics, key=lambda t: t.size)
    small = min(data.real_topics, key=lambda t: t.size)
    assert sizes[big.topic] >= sizes[small.topic]
    assert all(h.count("units") == 1 for h in trace["hovertext"])


def test_labels_figure_counts_every_labelled_unit(data):
    rows, cols, counts = label_counts(data)
    a = data.assignments
    assert counts.sum() == (a["label"] != "").sum()
    assert cols == sorted(set(a["label"]))
    topic = rows[0]
    col = cols[0]
    assert counts[0, 0] == ((a["topic"] == topic) & (a["label"] == col)).sum()
    spec = labels_figure(data)
    assert spec.figure["data"][0]["text"] == counts.astype(int).tolist()


def test_no_gold_labels_no_label_view(tmp_path):
    run = write_synthetic_run(tmp_path / "run", segments_per_lang=8, seed=0)
    frame = pd.read_csv(run / "assignments.csv", dtype=str, keep_default_na=False)
    frame["label"] = ""
    frame.to_csv(run / "assignments.csv", index=False)
    data = load_run(run)
    assert labels_figure(data) is None
    _, notes = build_figures(data)
    assert any("no label" in n for n in notes)
    assert report_context(data)["label_table"] is None


def test_over_time_switches_counts_and_shares_and_names_period_words(data):
    spec = over_time_figure(data)
    buttons = spec.figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["args"][0]["barnorm"] for b in buttons] == ["", "percent"]
    frame, periods, _ = dated_units(data)
    words = period_keywords(data, frame)
    assert words and all(len(w) <= 5 for w in words.values())
    bar = next(t for t in spec.figure["data"] if t["customdata"] and any(t["customdata"]))
    assert "%{customdata}" in bar["hovertemplate"]
    # the words of a cell are words of that cell's units
    (period, topic), cell_words = next(iter(words.items()))
    texts = " ".join(frame[(frame["period"] == period) & (frame["topic"] == topic)]["text"]).lower()
    assert any(w.lower()[:4] in texts for w in cell_words)


def test_over_time_by_language_gives_shares_per_language(data):
    spec = over_time_by_language_figure(data)
    traces = spec.figure["data"]
    langs = {t["hovertemplate"].split(" · ")[0] for t in traces}
    assert langs == set(data.languages)
    for lang_axis in {t["yaxis"] for t in traces}:
        rows = [t for t in traces if t["yaxis"] == lang_axis]
        sums = np.sum([t["y"] for t in rows], axis=0)
        assert np.all((np.isclose(sums, 1.0, atol=1e-3)) | (sums == 0))


def test_topic_tree_joins_show_their_topics_and_shared_words(data):
    spec = hierarchy_figure(data)
    joins = spec.figure["data"][-1]
    assert len(joins["x"]) == len(data.real_topics) - 1
    assert all(h.startswith("joins topics ") for h in joins["hovertext"])
    assert "70% of the largest distance" in spec.caption


def test_node_words_put_shared_words_first():
    from types import SimpleNamespace

    topics = {1: SimpleNamespace(keywords=["klinik", "patient", "medizin"]),
              2: SimpleNamespace(keywords=["medizin", "akupunktur", "patient"]),
              3: SimpleNamespace(keywords=["grenze", "medizin"])}
    stub = SimpleNamespace(topic=topics.get)
    # in most topics first, then by best rank (ties by the word)
    assert node_words(stub, [1, 2, 3], top=5) == ["medizin", "patient", "grenze", "klinik", "akupunktur"]
    assert node_words(stub, [1], top=2) == ["klinik", "patient"]


def test_names_are_cut_at_word_boundaries():
    assert truncate("cross-border emergency and infection control", 30) == "cross-border emergency and…"
    assert truncate("中医药文化在俄罗斯高校传播", 6) == "中医药文化…"
    assert truncate("short", 30) == "short"
    assert len(truncate("averyveryverylongwordwithoutspaces and more", 12)) == 12


def test_language_mix_in_words():
    assert language_mix([("de", 0.0), ("zh", 1.0)]) == "one language: zh"
    assert language_mix([("de", 0.28), ("ru", 0.72)]) == "mostly ru (72%), de 28%"
    assert language_mix([("de", 0.27), ("ru", 0.27), ("zh", 0.46)]) == "mixed: zh 46%, de 27%, ru 27%"
    assert language_mix([]) == "no units"


def test_topic_rows_fold_statistics_under_plain_names(tmp_path):
    run = write_synthetic_run(tmp_path / "run", segments_per_lang=10, seed=0)
    write_report(run)
    page = (run / "report.html").read_text("utf-8")
    assert '<details class="tmetrics"><summary>statistics</summary>' in page
    assert "<dt>keyword coherence (NPMI, −1 to 1)</dt>" in page and "<dt>gold-label purity</dt>" in page
    assert "npmi 0." not in page
    assert 'class="mix">mixed:' in page or 'class="mix">mostly' in page
    assert TOPIC_STAT_NAMES["dominant_lang_share"] == "share of the main language"
    md = (run / "report.md").read_text("utf-8")
    assert "### Topics and gold labels" in md


def test_documents_are_named_by_language_and_first_words(data):
    spec = per_document_figure(data)
    labels = spec.figure["data"][0]["y"]
    assert all(" · " in label for label in labels)
    assert not any(label.split(" · ")[1].startswith(("de_", "ru_", "zh_")) for label in labels)
    units = pd.DataFrame({"doc_id": ["d1", "d1"], "lang": ["de", "de"], "text": ["Erster Satz hier.", "x"],
                          "title": ["Ein Titel", "Ein Titel"]})
    assert document_name(units) == "de · Ein Titel"
    assert document_name(units.drop(columns="title")) == "de · Erster Satz hier."
