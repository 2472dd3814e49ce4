"""Unit-level named themes: config, evidence, abstention, prevalence intervals, coding round trip."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError, ParameterError
from toolkit.evaluate.themes import coding_scores, prevalence, prevalence_rows
from toolkit.topics.theme_units import assign_unit_themes, keyword_hits, score_units, topic_theme_mix, topic_themes
from toolkit.topics.vectorizer import MultilingualTokenizer


# ------------------------------------------------------------------ config

def test_themes_items_schema():
    cfg = config_from_dict({"corpus": {"path": "x"}, "themes": {
        "names": ["digital health"],
        "items": [{"name": " medical tourism ", "description": "Travel abroad for treatment.",
                   "keywords": ["туризм", "Tourismus", "旅游", "туризм"], "examples": ["Patients fly to Seoul."]}]}})
    t = cfg.themes
    assert t.all_names == ["digital health", "medical tourism"]
    assert t.items[0].keywords == ["туризм", "Tourismus", "旅游"]  # repeats dropped, order kept
    assert [d.name for d in t.definitions] == ["digital health", "medical tourism"]
    assert t.definitions[0].keywords == []


@pytest.mark.parametrize("themes, match", [
    ({"names": ["A"], "items": [{"name": "a"}]}, r"'themes'.*theme 'a' is listed twice"),
    ({"items": [{"name": "x", "keywords": [" "]}]}, r"themes.items.0.keywords.*must not be empty"),
    ({"items": [{"name": "x", "colour": "red"}]}, r"themes.items.0.colour"),
    ({"items": [{"description": "no name"}]}, r"themes.items.0.name"),
    ({"names": ["x"], "alpha": 0.5}, r"themes.alpha"),
    ({"names": ["x"], "bootstrap": 10}, r"themes.bootstrap"),
])
def test_themes_config_errors(themes, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({"corpus": {"path": "x"}, "themes": themes})


# ------------------------------------------------------------------ keywords

def test_keyword_hits_use_the_units_language_lemmas_and_cjk_substrings():
    tok = MultilingualTokenizer()
    texts = ["Развитие медицинского туризма в регионе", "Die Krankenhäuser der Stadt",
             "推介中医药技术", "Погода сегодня хорошая", "We met online yesterday"]
    langs = ["ru", "de", "zh", "ru", "en"]
    tokens = tok.tokenize_many(texts, langs)
    hits, _ = keyword_hits(tokens, texts, langs, [["туризм"], ["Krankenhaus"], ["中医"], ["online"]], tok)
    assert hits.tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]


def test_phrase_keyword_needs_all_its_words():
    tok = MultilingualTokenizer()
    texts = ["traditional Chinese medicine is popular", "modern medicine"]
    hits, _ = keyword_hits(tok.tokenize_many(texts, ["en", "en"]), texts, ["en", "en"],
                           [["traditional medicine"]], tok)
    assert hits[:, 0].tolist() == [1, 0]


# ------------------------------------------------------------------ assignment

def _blobs(rng, centres, per, noise):
    X = np.concatenate([c + noise * rng.standard_normal((per, centres.shape[1])) for c in centres])
    return X, np.repeat(np.arange(len(centres)), per)


def test_units_near_a_theme_get_it_and_the_rest_abstain():
    rng = np.random.default_rng(0)
    dim = 32
    basis = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    themed, other = basis[:2], basis[2:6]
    X, truth = _blobs(rng, np.concatenate([themed, other]), 40, 0.3)
    topics = truth.copy()
    ut = assign_unit_themes(X, topics, ["a", "b"], themed + 0.1 * rng.standard_normal((2, dim)))
    assert np.mean(ut.theme[truth == 0] == 0) >= 0.85 and np.mean(ut.theme[truth == 1] == 1) >= 0.85
    assert not np.any((ut.theme >= 0) & (truth < 2) & (ut.theme != truth))  # never the other theme
    assert np.mean(ut.theme[truth >= 2] == -1) >= 0.95
    mix = topic_theme_mix(topics, ut.theme, 2)
    named = topic_themes(mix, ["a", "b"])
    assert named[0] == "a" and named[1] == "b" and all(named[t] is None for t in (2, 3, 4, 5))


def test_a_corpus_with_no_theme_related_text_gets_no_theme():
    # Units with no structure toward the themes: the bar (Benjamini-Hochberg against the
    # corpus's own bulk) lets (almost) nothing through.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 48))
    topics = rng.integers(0, 5, 300)
    names = ["x", "y", "z"]
    ut = assign_unit_themes(X, topics, names, rng.standard_normal((3, 48)))
    assert int(np.sum(ut.theme >= 0)) <= 3
    assert all(v is None for v in topic_themes(topic_theme_mix(topics, ut.theme, 3), names).values())


def test_keyword_units_join_their_theme_and_language_offsets_do_not_leak():
    rng = np.random.default_rng(2)
    dim = 32
    basis = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    X, truth = _blobs(rng, basis[:3], 30, 0.4)
    langs = np.where(np.arange(X.shape[0]) % 2 == 0, "zh", "ru")
    X = X + np.where(langs[:, None] == "zh", 0.8 * basis[7], 0)  # a strong language direction
    hits = np.zeros((X.shape[0], 1), dtype=np.int32)
    hits[(truth == 0) & (langs == "zh")] = 1  # keywords only in Chinese units of subject 0
    ut = assign_unit_themes(X, truth, ["t"], basis[[5]], hits, langs=langs.tolist())
    assert np.all(ut.theme[(truth == 0) & (langs == "zh")] == 0)
    # the other Chinese units do not join just because the keyword units are Chinese
    assert np.mean(ut.theme[(truth != 0) & (langs == "zh")] == 0) <= 0.05


def test_score_units_reproduces_the_fit_and_checks_shapes():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 16))
    topics = rng.integers(0, 4, 80)
    ut = assign_unit_themes(X, topics, ["a", "b"], rng.standard_normal((2, 16)), alpha=0.2)
    again = score_units(X, topics, ut.state())
    assert np.array_equal(again.theme, ut.theme)
    with pytest.raises(ParameterError, match="prototypes"):
        assign_unit_themes(X, topics, ["a"], rng.standard_normal((1, 8)))
    with pytest.raises(ParameterError, match="alpha"):
        assign_unit_themes(X, topics, ["a"], rng.standard_normal((1, 16)), alpha=0.7)


# ------------------------------------------------------------------ prevalence

def test_bootstrap_intervals_cover_the_true_share():
    rng = np.random.default_rng(4)
    covered = 0
    sims = 200
    for s in range(sims):
        draws = rng.random(300) < 0.2
        labels = ["a" if d else None for d in draws]
        p = prevalence(labels, ["a"], resamples=400, seed=s)["a"]
        covered += p["low"] <= 0.2 <= p["high"]
    assert 0.90 <= covered / sims <= 0.99


def test_a_share_of_zero_gets_an_exact_upper_bound():
    p = prevalence([None] * 11, ["a"])
    assert p["a"]["low"] == 0.0 and 0.2 < p["a"]["high"] < 0.3  # Clopper-Pearson: 1 - 0.025 ** (1 / 11)
    assert 0.7 < p["none"]["low"] < 0.8 and p["none"]["high"] == 1.0


def test_prevalence_rows_per_group_and_errors():
    labels = ["a", None, "a", "b"]
    rows = prevalence_rows(labels, ["a", "b"], {"lang": ["ru", "ru", "de", ""]}, resamples=100)
    by = {(r["scope"], r["group"], r["theme"]): r for r in rows}
    assert by[("all", "", "a")]["share"] == 0.5 and by[("all", "", "none")]["units"] == 1
    assert by[("lang", "ru", "a")]["total"] == 2 and ("lang", "", "a") not in by
    assert all(r["low"] <= r["share"] <= r["high"] for r in rows)
    with pytest.raises(ParameterError, match="groups"):
        prevalence_rows(labels, ["a", "b"], {"lang": ["ru"]})
    with pytest.raises(ParameterError, match="confidence"):
        prevalence(labels, ["a", "b"], confidence=1.2)


def test_coding_scores_precision_recall_kappa():
    model = ["a", "a", None, "b", None]
    coder = ["a", None, None, "b", "a"]
    s = coding_scores(model, coder, ["a", "b"])
    assert s["per_theme"]["a"]["precision"] == 0.5 and s["per_theme"]["a"]["recall"] == 0.5
    assert s["per_theme"]["b"]["precision"] == 1.0 and s["accuracy"] == 0.6
    assert coding_scores(coder, coder, ["a", "b"])["kappa"] == 1.0
    with pytest.raises(ParameterError, match="no coded units"):
        coding_scores([], [], ["a"])


# ------------------------------------------------------------------ a real run: sample and score

@pytest.fixture(scope="module")
def themed_run(tmp_path_factory):
    from toolkit.experiment import run_experiment

    root = tmp_path_factory.mktemp("themed")
    corpus = root / "c.jsonl"
    texts = [("ru", "Медицинский туризм в Китае растёт"), ("de", "Medizintourismus nach China wächst"),
             ("zh", "中国医疗旅游增长"), ("ru", "Погода была хорошая"), ("de", "Das Wetter war schön"),
             ("zh", "天气很好"), ("ru", "Традиционная китайская медицина популярна"),
             ("de", "Traditionelle chinesische Medizin ist beliebt"), ("zh", "中医很受欢迎")] * 4
    corpus.write_text("\n".join(json.dumps({"id": f"u{i}", "text": t, "lang": lang}, ensure_ascii=False)
                                for i, (lang, t) in enumerate(texts)), encoding="utf-8")
    cfg = config_from_dict({
        "name": "themed", "seed": 1, "corpus": {"path": str(corpus), "format": "jsonl", "unit": "document"},
        "embedding": {"model": "hashing"}, "clustering": {"method": "kmeans", "n_clusters": 3},
        "output": {"dir": str(root / "runs")},
        "themes": {"items": [{"name": "medical tourism", "keywords": ["туризм", "Medizintourismus", "旅游"]},
                             {"name": "traditional medicine", "keywords": ["традиционный", "traditionell", "中医"]}]},
    })
    return run_experiment(cfg).path


def test_a_themed_run_writes_unit_themes_and_prevalence(themed_run):
    with (themed_run / "assignments.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_text = {r["text"]: r["theme"] for r in rows}
    assert by_text["Медицинский туризм в Китае растёт"] == "medical tourism"
    assert by_text["中医很受欢迎"] == "traditional medicine"
    assert by_text["Погода была хорошая"] == ""  # about neither theme
    with (themed_run / "themes.csv").open(encoding="utf-8") as fh:
        prev = {(r["scope"], r["group"], r["theme"]): r for r in csv.DictReader(fh)}
    assert float(prev[("all", "", "none")]["share"]) > 0
    # prevalence counts units, not the topics a theme labels
    n_tour = sum(1 for r in rows if r["theme"] == "medical tourism")
    assert int(prev[("all", "", "medical tourism")]["units"]) == n_tour
    assert "Themes" in (themed_run / "report.html").read_text(encoding="utf-8")


def test_sample_and_score_round_trip(themed_run, tmp_path):
    from toolkit.validation import CodingError, score_coding, write_coding_sample

    out = tmp_path / "coding.csv"
    n = write_coding_sample(themed_run, out, 12, seed=3)
    assert n == 12
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {"id", "code", "weight", "text"} <= set(rows[0]) and "theme" not in rows[0]  # blind to the model
    with pytest.raises(CodingError, match="already exists"):
        write_coding_sample(themed_run, out, 12)
    with pytest.raises(CodingError, match="no coded rows"):
        score_coding(themed_run, out)
    model = {r["id"]: r["theme"] for r in csv.DictReader((themed_run / "assignments.csv").open(encoding="utf-8"))}
    for r in rows:
        r["code"] = model[r["id"]] or "NONE "
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    out.write_text(buf.getvalue(), encoding="utf-8")
    s = score_coding(themed_run, out)
    assert s["accuracy"] == 1.0 and s["units"] == 12
    assert json.loads((themed_run / "validation.json").read_text(encoding="utf-8"))["accuracy"] == 1.0
    assert "Agreement with a human coder" in (themed_run / "report.html").read_text(encoding="utf-8")


def test_score_errors_name_the_line_and_value(themed_run, tmp_path):
    from toolkit.validation import CodingError, score_coding

    bad = tmp_path / "bad.csv"
    bad.write_text("id,code\nu0,medical tourims\n", encoding="utf-8")
    with pytest.raises(CodingError, match=r"line 2: code 'medical tourims' is not a theme"):
        score_coding(themed_run, bad)
    bad.write_text("id,code\nnope,none\n", encoding="utf-8")
    with pytest.raises(CodingError, match="not units of"):
        score_coding(themed_run, bad)
    bad.write_text("id,theme\nu0,none\n", encoding="utf-8")
    with pytest.raises(CodingError, match="missing column"):
        score_coding(themed_run, bad)
    bad.write_text("id,code,weight\nu0,none,-1\n", encoding="utf-8")
    with pytest.raises(CodingError, match="weight"):
        score_coding(themed_run, bad)
    with pytest.raises(CodingError, match="no such coding file"):
        score_coding(themed_run, tmp_path / "missing.csv")
    with pytest.raises(CodingError, match="no named themes"):
        score_coding(tmp_path, bad) if False else _run_without_themes(tmp_path)


def _run_without_themes(tmp_path):
    from toolkit.validation import sample_for_coding

    run = tmp_path / "plain"
    run.mkdir()
    for name in ("config.yaml", "assignments.csv", "topics.csv", "topics.json", "metrics.json", "manifest.json",
                 "report.md", "report.html"):
        (run / name).write_text("{}" if name.endswith(".json") else "", encoding="utf-8")
    sample_for_coding(run, 5)


# ------------------------------------------------------------------ the Python API

def _themed_model():
    from toolkit import TopicBridge

    texts = ["Медицинский туризм в Китае растёт", "Medizintourismus nach China wächst", "中国医疗旅游增长",
             "Погода была хорошая", "Das Wetter war schön", "天气很好",
             "Традиционная китайская медицина популярна", "Traditionelle chinesische Medizin ist beliebt",
             "中医很受欢迎"] * 4
    langs = ["ru", "de", "zh"] * 12
    model = TopicBridge(seed=1, corpus__unit="document", embedding__model="hashing", clustering__method="kmeans",
                        clustering__n_clusters=3, **{"themes.items": [
                            {"name": "medical tourism", "keywords": ["туризм", "Medizintourismus", "旅游"]},
                            {"name": "traditional medicine", "keywords": ["традиционный", "traditionell", "中医"]}]})
    return model.fit(texts, langs=langs)


def test_theme_info_prevalence_and_new_documents(tmp_path):
    from toolkit import TopicBridge
    from toolkit.errors import TopicModelError

    model = _themed_model()
    info = model.theme_info()
    assert list(info["theme"]) == ["medical tourism", "traditional medicine", "none"]
    assert info["units"].sum() == 36 and int(info.loc[0, "units"]) == 12
    by_lang = model.theme_prevalence(by="lang")
    assert set(by_lang["group"]) == {"de", "ru", "zh"}
    with pytest.raises(ParameterError, match="by"):
        model.theme_prevalence(by="country")
    new = model.assign_themes(["Туризм и лечение", "Es regnet"], langs=["ru", "de"])
    assert list(new["theme"]) == ["medical tourism", ""]
    model.save(tmp_path / "m")
    loaded = TopicBridge.load(tmp_path / "m")
    assert loaded.theme_info().equals(info)
    assert list(loaded.assign_themes(["Туризм и лечение"], langs=["ru"])["theme"]) == ["medical tourism"]
    plain = TopicBridge(seed=1, corpus__unit="document", embedding__model="hashing", clustering__method="kmeans",
                        clustering__n_clusters=2).fit(["green apples grow", "red cars drive", "apples grow fast",
                                                        "cars drive fast"] * 3)
    with pytest.raises(TopicModelError, match="no named themes"):
        plain.theme_info()


def test_applying_the_model_gives_new_units_their_themes(themed_run, tmp_path):
    from toolkit.experiment import apply_model

    corpus = tmp_path / "new.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "n1", "text": "Туризм в Китае", "lang": "ru"},
        {"id": "n2", "text": "Das Wetter war schön", "lang": "de"}]), encoding="utf-8")
    out = apply_model(themed_run, corpus, out=tmp_path / "applied").path
    rows = {r["id"]: r for r in csv.DictReader((out / "assignments.csv").open(encoding="utf-8"))}
    assert rows["n1"]["theme"] == "medical tourism" and rows["n1"]["theme_source"] == "keyword"
    assert rows["n2"]["theme"] == ""
    assert (out / "themes.csv").is_file()
