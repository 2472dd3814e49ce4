"""A saved TopicBridge assigns new documents: fit on SIB-200 ru+de+zh, transform English.

1. Fit a TopicBridge on the 3,012 SIB-200 ru+de+zh sentences given as Python lists (no YAML,
   no corpus file; the settings of configs/sib200.yaml as keyword overrides) and save it.
2. In a fresh process: load the model (without the training data) and transform
   - the 1,004 English SIB-200 sentences (translations of the training sentences), and
   - the training sentences themselves.
3. Score: an English sentence is right when its topic equals the topic most of its ru/de/zh
   translations got at fit time; a training sentence when it gets its fitted topic back.

Baseline in the same run: the nearest topic centre (cosine), the rule of BERTopic's
safetensors-saved models, against topicbridge's nearest-neighbour vote. Prints a table and
writes ``experiments/results/model_transfer.json``.

    python experiments/model_transfer.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "sib200"
RESULTS = HERE / "results" / "model_transfer.json"

#: configs/sib200.yaml's settings, as a Python user passes them.
SETTINGS = {
    "seed": 42, "corpus__unit": "document", "embedding__model": "use-multilingual", "align__method": "none",
    "umap__n_neighbors": 30, "umap__n_components": 5, "clustering__method": "kmeans",
    "clustering__n_clusters": "auto", "clustering__min_clusters": 5, "clustering__max_clusters": 30,
    "clustering__min_size": 15, "clustering__auto_tolerance": 0.05, "topics__outliers": "none",
}


def read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def child(model_dir: str) -> None:
    """Run in a fresh process: load, transform, print JSON (nothing of the fit is in memory)."""
    import numpy as np

    from toolkit import TopicBridge
    from toolkit.model.assign import topic_centres

    start = time.perf_counter()
    model = TopicBridge.load(model_dir)
    load_s = time.perf_counter() - start
    out: dict = {"load_seconds": round(load_s, 2)}
    for name in ("en.jsonl", "ru_de_zh.jsonl"):
        rows = read(name)
        start = time.perf_counter()
        units = model.transform([r["text"] for r in rows], langs=[r["lang"] for r in rows],
                                ids=[r["id"] for r in rows], units=True)
        seconds = time.perf_counter() - start
        # Baseline: nearest topic centre of the same aligned vectors.
        from toolkit.corpus import prepare_documents
        from toolkit.model.inputs import documents_from

        corpus = prepare_documents(documents_from([r["text"] for r in rows], lang=[r["lang"] for r in rows],
                                                  id=[r["id"] for r in rows]), model.config_.corpus)
        vectors = model.aligner_.transform(model.embedder_.embed(corpus.texts), corpus.langs)
        ids, centres = topic_centres(model.index_.vectors, model.index_.topics)
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        nearest = ids[np.argmax(vectors @ centres.T, axis=1)]
        out[name] = {"ids": units["id"].tolist(), "topics": units["topic"].tolist(),
                     "centre_topics": nearest.tolist(), "far": int(units["far"].sum()),
                     "seconds": round(seconds, 2)}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=None, help="Where the model is saved (default: a temp dir).")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    import numpy as np

    from toolkit import TopicBridge

    train, english = read("ru_de_zh.jsonl"), read("en.jsonl")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="model-transfer-"))
    start = time.perf_counter()
    model = TopicBridge(**SETTINGS).fit([r["text"] for r in train], langs=[r["lang"] for r in train],
                                        ids=[r["id"] for r in train], labels=[r["label"] for r in train],
                                        groups=[r["group"] for r in train])
    fit_s = time.perf_counter() - start
    folder = model.save(work / "model")
    size = sum(p.stat().st_size for p in folder.iterdir())
    fitted = dict(zip(model.document_info()["id"], model.topics_.tolist()))
    done = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                          check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])

    by_group: dict[str, list[int]] = {}
    for r in train:
        by_group.setdefault(r["group"], []).append(fitted[r["id"]])
    majority = {g: Counter(ts).most_common(1)[0][0] for g, ts in by_group.items()}
    group_of = {r["id"]: r["group"] for r in english}
    en = found["en.jsonl"]
    tr = found["ru_de_zh.jsonl"]
    rows = []
    for rule, key in (("nearest centre (baseline)", "centre_topics"), ("topicbridge: 10 nearest units vote", "topics")):
        en_ok = np.mean([t == majority[group_of[i]] for i, t in zip(en["ids"], en[key])])
        tr_ok = np.mean([t == fitted[i] for i, t in zip(tr["ids"], tr[key])])
        rows.append({"rule": rule, "english_equals_translations": round(float(en_ok), 4),
                     "training_units_keep_topic": round(float(tr_ok), 4)})
    result = {
        "command": "python experiments/model_transfer.py",
        "train_units": len(train), "english_units": len(english),
        "n_topics": int(model.metrics_["n_topics"]), "nmi": round(float(model.metrics_["nmi"]), 4),
        "fit_seconds": round(fit_s, 1), "model_bytes": size, "load_seconds": found["load_seconds"],
        "transform_seconds_english": en["seconds"], "english_far_units": en["far"],
        "rows": rows,
    }
    print(f"fit on {len(train)} ru/de/zh units: {result['n_topics']} topics, NMI {result['nmi']}, "
          f"{fit_s:.0f} s; model {size / 1e6:.1f} MB; loaded in a fresh process in {found['load_seconds']} s")
    print(f"{'rule':<38}{'en = translations':>18}{'training kept':>15}")
    for row in rows:
        print(f"{row['rule']:<38}{row['english_equals_translations']:>18.1%}{row['training_units_keep_topic']:>15.1%}")
    from results_file import write_results  # experiments/, the script's folder

    write_results(RESULTS, result, {"<workdir>": work})
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
