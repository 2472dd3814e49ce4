"""TopicBridge: parameters, fit from Python, topic tables, transform, curation, save and load.

A deterministic hashing embedder and k-means keep these fast; the real model runs in
tests/test_model_real.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toolkit import TopicBridge
from toolkit.embedding.fake import HashingEmbedder
from toolkit.errors import ConfigError, CorpusError, ParameterError, TopicModelError

ROOT = Path(__file__).resolve().parent.parent
THEMES = {
    "de": (["Krankenhaus Arzt Patient Behandlung Klinik", "Medizin Therapie Krankenhaus Station"],
           ["Fußball Spiel Tor Mannschaft Trainer", "Stadion Spiel Liga Mannschaft Saison"],
           ["Wahl Regierung Partei Minister Parlament", "Parlament Gesetz Regierung Koalition"]),
    "en": (["hospital doctor patient treatment clinic", "medicine therapy hospital ward nurse"],
           ["football match goal team coach", "stadium match league team season"],
           ["election government party minister parliament", "parliament law government coalition vote"]),
}
SETTINGS = {"embedding.model": "hashing", "clustering__method": "kmeans", "clustering__n_clusters": 3,
            "corpus__unit": "document", "umap__n_neighbors": 5, "output__map": False, "cache__enabled": False}


def corpus(n_per: int = 8):
    texts, langs, labels, ids = [], [], [], []
    for lang, themes in THEMES.items():
        for k, variants in enumerate(themes):
            for i in range(n_per):
                texts.append(f"{variants[i % 2]} {variants[(i + 1) % 2].split()[i % 4]} nummer {i}")
                langs.append(lang)
                labels.append(f"theme{k}")
                ids.append(f"{lang}-{k}-{i}")
    return texts, langs, labels, ids


@pytest.fixture(scope="module")
def fitted():
    texts, langs, labels, ids = corpus()
    return TopicBridge(**SETTINGS).fit(texts, langs=langs, labels=labels, ids=ids)


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    return fitted.save(tmp_path_factory.mktemp("m") / "model")


# ------------------------------------------------------------------ parameters


def test_params_follow_scikit_learn_conventions():
    from sklearn.base import clone

    model = TopicBridge({"seed": 3}, umap__n_neighbors=7)
    assert model.get_params() == {"config": {"seed": 3}, "umap__n_neighbors": 7}
    assert not hasattr(model, "config_")  # __init__ only stores
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    model.set_params(umap__n_neighbors=9, config=None)
    assert model.resolved_config().umap.n_neighbors == 9 and model.resolved_config().seed == 42


def test_overrides_take_dots_or_double_underscores():
    config = TopicBridge(**{"umap.n_components": 3, "hdbscan__min_cluster_size": 4}).resolved_config()
    assert config.umap.n_components == 3 and config.hdbscan.min_cluster_size == 4
    assert config.corpus.path is None


def test_config_from_a_yaml_path(in_repo):
    config = TopicBridge("configs/sib200.yaml", clustering__max_clusters=12).resolved_config()
    assert config.umap.n_neighbors == 30 and config.clustering.max_clusters == 12


@pytest.mark.parametrize("make, error, message", [
    (lambda: TopicBridge(umap__n_neighbours=5), ConfigError, r"umap\.n_neighbours"),
    (lambda: TopicBridge(umap__n_neighbors="many"), ConfigError, r"umap\.n_neighbors"),
    (lambda: TopicBridge(42), ParameterError, r"^config: expected an ExperimentConfig, a YAML path or a dict"),
    (lambda: TopicBridge({"seed": 3}, seed__x=1), ConfigError, r"TopicBridge\(seed__x=...\): 'seed' is a value, not a section"),
])
def test_bad_settings_name_the_key(make, error, message):
    with pytest.raises(error, match=message):
        make().resolved_config()


# ------------------------------------------------------------------ fitting and reading


def test_fit_from_a_python_list(fitted):
    texts, langs, labels, _ = corpus()
    assert fitted.topics_.shape == (len(texts),)
    assert fitted.metrics_["n_topics"] == 3
    # the three themes are found (hashing vectors share words within a theme and language)
    assert fitted.metrics_["nmi"] > 0.5
    assert fitted.bertopic_ is not None


def test_topic_info_and_document_info(fitted):
    info = fitted.topic_info()
    assert list(info.columns) == ["topic", "size", "label", "theme", "keywords", "size_de", "size_en",
                                  "keywords_de", "keywords_en"]
    assert info["size"].sum() == len(fitted.corpus_) and info["size"].tolist() == sorted(info["size"], reverse=True)
    docs = fitted.document_info()
    assert list(docs.columns) == ["id", "doc_id", "lang", "topic", "date", "label", "group", "x", "y", "text"]
    assert docs["topic"].tolist() == fitted.topics_.tolist()
    words = fitted.get_topic(0)
    assert words and all(isinstance(w, str) and isinstance(s, float) for w, s in words)
    assert fitted.get_topic(0, lang="de") == fitted.result_.keywords_by_lang[0]["de"]
    assert "<table" in fitted._repr_html_()


def test_get_topic_errors(fitted):
    with pytest.raises(TopicModelError, match=r"topic 7 does not exist; the topics are 0, 1, 2"):
        fitted.get_topic(7)
    with pytest.raises(ParameterError, match=r"^lang: 'fr' is not a language of the training corpus"):
        fitted.get_topic(0, lang="fr")


def test_fit_accepts_a_dataframe():
    import pandas as pd

    texts, langs, labels, ids = corpus(4)
    frame = pd.DataFrame({"text": texts, "lang": langs, "label": labels, "id": ids})
    model = TopicBridge(**SETTINGS).fit(frame)
    assert model.document_info()["id"].tolist() == ids
    with pytest.raises(ParameterError, match=r"^lang: docs is a DataFrame: put the column in the frame"):
        TopicBridge(**SETTINGS).fit(frame, langs=langs)


@pytest.mark.parametrize("docs, kwargs, error, message", [
    ("one text", {}, ParameterError, r"^docs: got one string; pass a list of texts"),
    ([], {}, ParameterError, r"^docs: is empty"),
    (["a", 3], {}, ParameterError, r"^docs: item 1 is int, expected a string"),
    (["a", "b"], {"langs": ["de"]}, ParameterError, r"^lang: got 1 values for 2 documents"),
    (["a", "b"], {"ids": ["x", "x"]}, CorpusError, r"docs\[1\]: duplicate id 'x'"),
    (["a", "b"], {"dates": ["2024-01-01", "soon"]}, CorpusError, r"docs\[1\]: date 'soon' is not an ISO date"),
    (["a b c", "d e f"], {"embeddings": np.zeros((3, 4))}, ParameterError, r"^embeddings: expected one row per document"),
])
def test_bad_input_to_fit(docs, kwargs, error, message):
    with pytest.raises(error, match=message):
        TopicBridge(**SETTINGS).fit(docs, **kwargs)


def test_precomputed_embeddings_need_document_units():
    with pytest.raises(ParameterError, match=r"^embeddings: one vector per document works only with corpus.unit"):
        TopicBridge(**{**SETTINGS, "corpus__unit": "sentence"}).fit(["Ein Satz. Noch einer."], embeddings=np.ones((1, 4)))


def test_precomputed_embeddings_are_used():
    texts, langs, _, _ = corpus(4)
    vectors = HashingEmbedder().embed(texts)
    given = TopicBridge(**SETTINGS).fit(texts, langs=langs, embeddings=vectors)
    computed = TopicBridge(**SETTINGS).fit(texts, langs=langs)
    assert np.array_equal(given.topics_, computed.topics_)


def test_not_fitted_is_one_clear_error():
    with pytest.raises(TopicModelError, match="not fitted yet"):
        TopicBridge().transform(["x"])


# ------------------------------------------------------------------ transform


def test_transform_gives_training_texts_their_topics(fitted):
    texts, langs, _, ids = corpus()
    topics, scores = fitted.transform(texts, langs=langs, ids=ids)
    assert np.array_equal(topics, fitted.topics_)
    assert scores.shape == topics.shape and np.all(scores > 0)


def test_transform_places_new_texts_and_scores_them(fitted):
    near = "Krankenhaus Arzt Patient Behandlung Klinik Arzt nummer 99"
    far = "zzqx vvkk wwjj"
    topics, scores = fitted.transform([near, far], langs=["de", "de"])
    hospital = fitted.topics_[0]
    assert topics[0] == hospital
    assert scores[0] > scores[1]
    units = fitted.transform([near, far], langs=["de", "de"], units=True)
    assert list(units.columns) == ["id", "doc_id", "lang", "topic", "score", "far", "date", "text"]
    assert units["far"].tolist() == [False, True]


def test_transform_aggregates_units_per_document():
    texts, langs, _, _ = corpus(4)
    model = TopicBridge(**{**SETTINGS, "corpus__unit": "sentence"}).fit(
        [f"{a}. {b}." for a, b in zip(texts[::2], texts[1::2])], langs=langs[::2])
    doc = ("Krankenhaus Arzt Patient Behandlung Klinik. Medizin Therapie Krankenhaus Station Arzt. "
           "Wahl Regierung Partei Minister Parlament.")
    per_unit = model.transform([doc], langs=["de"], units=True)
    topics, _ = model.transform([doc], langs=["de"])
    assert len(per_unit) == 3 and topics[0] == per_unit["topic"].mode()[0]


def test_transform_errors(fitted):
    with pytest.raises(ParameterError, match=r"^docs: is empty"):
        fitted.transform([])


# ------------------------------------------------------------------ save and load


def test_saved_model_loads_in_a_fresh_process(saved, fitted):
    texts, langs, _, ids = corpus()
    script = (
        "import json, sys\n"
        "from toolkit import TopicBridge\n"
        "texts, langs, ids = json.load(sys.stdin)\n"
        f"model = TopicBridge.load({str(saved)!r})\n"
        "topics, scores = model.transform(texts, langs=langs, ids=ids)\n"
        "print(json.dumps({'topics': topics.tolist(), 'n': model.metrics_['n_topics'],"
        " 'bertopic': model.bertopic_ is None, 'info': model.topic_info()['label'].tolist()}))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps([texts, langs, ids]), capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert np.mean(np.asarray(out["topics"]) == fitted.topics_) >= 0.95
    assert out["n"] == 3 and out["bertopic"] is True
    assert out["info"] == fitted.topic_info()["label"].tolist()


def test_saved_model_holds_no_pickle(saved):
    names = sorted(p.name for p in saved.iterdir())
    assert names == ["SHA256SUMS", "arrays.safetensors", "model.json", "units.json"]
    for name in ("model.json", "units.json"):
        json.loads((saved / name).read_text(encoding="utf-8"))
    raw = (saved / "arrays.safetensors").read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} <= {"F16", "F32", "F64", "I64"}
    assert all(not (saved / n).read_bytes().startswith(b"\x80") for n in names)  # pickle's protocol byte
    meta = json.loads((saved / "model.json").read_text(encoding="utf-8"))
    assert meta["embedding"]["model_key"] == "hashing@64" and meta["format"] == 1
    assert meta["packages"]["numpy"] and meta["toolkit_version"]


@pytest.mark.parametrize("name", ["model.json", "units.json", "arrays.safetensors", "SHA256SUMS"])
def test_a_flipped_byte_is_detected(saved, tmp_path, name):
    import shutil

    copy = Path(shutil.copytree(saved, tmp_path / "m"))
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0x20
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(TopicModelError, match=r"damaged or was changed after saving"):
        TopicBridge.load(copy)


def test_load_errors(saved, tmp_path):
    import shutil

    with pytest.raises(TopicModelError, match=r"no such folder"):
        TopicBridge.load(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TopicModelError, match=r"not a saved topic model \(no SHA256SUMS\)"):
        TopicBridge.load(tmp_path / "empty")
    with pytest.raises(TopicModelError, match=r"saved with the embedder 'hashing@64', but this environment gives "
                                              r"'hashing@32'"):
        TopicBridge.load(saved, embedder=HashingEmbedder(32))
    newer = Path(shutil.copytree(saved, tmp_path / "newer"))
    meta = json.loads((newer / "model.json").read_text(encoding="utf-8"))
    meta["format"] = 99
    (newer / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    from toolkit.model.store import file_sha256

    sums = "".join(f"{file_sha256(newer / n)}  {n}\n" for n in ("model.json", "units.json", "arrays.safetensors"))
    (newer / "SHA256SUMS").write_text(sums, encoding="ascii")
    with pytest.raises(TopicModelError, match=r"saved in model format 99 .* upgrade topicbridge"):
        TopicBridge.load(newer)


def test_save_never_overwrites(fitted, saved):
    with pytest.raises(TopicModelError, match=r"already exists and is not an empty folder"):
        fitted.save(saved)


# ------------------------------------------------------------------ curation


def test_merge_relabel_and_reduce_carry_through(fitted, tmp_path):
    import copy

    model = copy.deepcopy(fitted)
    sizes = model.topic_info().set_index("topic")["size"]
    model.set_topic_labels({2: "Politics"})
    model.merge_topics([[0, 1]])
    info = model.topic_info()
    assert len(info) == 2 and info["size"].tolist() == [sizes[0] + sizes[1], sizes[2]]
    assert info.loc[1, "label"] == "Politics" and model.metrics_["n_topics"] == 2
    assert set(model.topics_.tolist()) == {0, 1}
    # the merged topic's keywords come from both parts
    merged_words = {w for w, _ in model.get_topic(0)}
    assert merged_words & {w for w, _ in fitted.get_topic(0)} and merged_words & {w for w, _ in fitted.get_topic(1)}
    run = model.write_report(tmp_path / "run")
    topics_csv = (run / "topics.csv").read_text(encoding="utf-8")
    assert "Politics" in topics_csv and "Politics" in (run / "report.html").read_text(encoding="utf-8")
    assert json.loads((run / "metrics.json").read_text(encoding="utf-8"))["n_topics"] == 2
    # the curated model survives a save and load
    again = TopicBridge.load(model.save(tmp_path / "curated"))
    assert again.topic_info()["label"].tolist() == info["label"].tolist()
    assert again.custom_labels_ == {1: "Politics"}
    reduced = copy.deepcopy(fitted).reduce_topics(1)
    assert reduced.metrics_["n_topics"] == 1


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.merge_topics([[0, 9]]), TopicModelError, r"topics_to_merge: topic 9 does not exist"),
    (lambda m: m.merge_topics([[0]]), ParameterError, r"^topics_to_merge: a group needs two or more"),
    (lambda m: m.merge_topics([[0, 1], [1, 2]]), ParameterError, r"^topics_to_merge: topic 1 is in two groups"),
    (lambda m: m.merge_topics("0,1"), ParameterError, r"^topics_to_merge: expected a list of lists"),
    (lambda m: m.set_topic_labels({5: "x"}), TopicModelError, r"topic_labels: topic 5 does not exist"),
    (lambda m: m.set_topic_labels({0: ""}), ParameterError, r"^topic_labels: the label of topic 0 must be"),
    (lambda m: m.reduce_topics(0), ParameterError, r"^nr_topics: expected an integer >= 1"),
])
def test_curation_errors(fitted, call, error, message):
    import copy

    with pytest.raises(error, match=message):
        call(copy.deepcopy(fitted))


def test_figures_are_plotly_figures(fitted):
    import plotly.graph_objects as go

    figures = fitted.figures()
    assert "sizes" in figures and all(isinstance(f, go.Figure) for f in figures.values())
