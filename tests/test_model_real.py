"""TopicBridge with the real default embedder: a model fitted on ru/de/zh assigns English.

A slice of SIB-200 (the first 200 translation groups) keeps it to seconds; the full figure
comes from experiments/model_transfer.py (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from toolkit import TopicBridge

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "experiments" / "data" / "sib200"
GROUPS = 200


def rows(name: str, groups: set[str] | None = None) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        out = [json.loads(line) for line in fh]
    return [r for r in out if groups is None or r["group"] in groups]


@pytest.mark.slow
def test_english_translations_join_their_translations_topic(tmp_path):
    english = rows("en.jsonl")[:GROUPS]
    groups = {r["group"] for r in english}
    train = rows("ru_de_zh.jsonl", groups)
    model = TopicBridge(corpus__unit="document", umap__n_neighbors=15, clustering__method="kmeans",
                        clustering__n_clusters=7, topics__outliers="none", output__map=False)
    model.fit([r["text"] for r in train], langs=[r["lang"] for r in train], ids=[r["id"] for r in train])
    folder = model.save(tmp_path / "model")
    script = (
        "import json, sys\n"
        "from toolkit import TopicBridge\n"
        "texts = json.load(sys.stdin)\n"
        f"topics, scores = TopicBridge.load({str(folder)!r}).transform(texts, langs=['en'] * len(texts))\n"
        "print(json.dumps({'topics': topics.tolist(), 'scores': scores.tolist()}))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps([r["text"] for r in english]),
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    fitted = dict(zip(model.document_info()["id"], model.topics_.tolist()))
    by_group: dict[str, list[int]] = {}
    for r in train:
        by_group.setdefault(r["group"], []).append(fitted[r["id"]])
    majority = [Counter(by_group[r["group"]]).most_common(1)[0][0] for r in english]
    agreement = float(np.mean(np.asarray(found["topics"]) == np.asarray(majority)))
    assert agreement >= 0.9, agreement
    # a wrong-language control: scores of unrelated text are lower than of the translations
    far_topics, far_scores = model.transform(["12345 67890", "qwerty asdf zxcv"], langs=["en", "en"])
    assert np.max(far_scores) < np.median(found["scores"])
