"""Saving a fitted TopicBridge to a model folder and rebuilding it from one (no pickle).

What is kept (docs/python.md has the sizes): the config, the embedder's ``model_key``, the
alignment, the topics with their keywords per language, representatives, themes, similarity,
metrics and curation history (model.json); every training unit's id, document, language,
date, label, group and topic, and its text when the corpus has at most
``model.reference_units`` units (units.json); the reference units' embeddings in float16,
the map coordinates, term counts per topic and language, and the alignment's arrays
(arrays.safetensors). The BERTopic object is not kept: a loaded model assigns, describes and
curates without it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import ToolkitError, TopicModelError

__all__ = ["save_model", "load_model"]


def _pairs(words: list) -> list[list[Any]]:
    return [[str(w), float(s)] for w, s in words]


def _counts_arrays(counts: tuple[dict, dict]) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    terms, sizes = counts
    vocabulary: dict[str, int] = {}
    languages: dict[str, int] = {}
    rows: list[tuple[int, int, int, int]] = []
    for (t, lang), words in sorted(terms.items(), key=lambda kv: (int(kv[0][0]), kv[0][1])):
        li = languages.setdefault(lang, len(languages))
        for w, c in words.items():
            rows.append((int(t), li, vocabulary.setdefault(w, len(vocabulary)), int(c)))
    size_rows = [(int(t), languages.setdefault(lang, len(languages)), int(n)) for (t, lang), n in sorted(sizes.items())]
    table = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    size_table = np.asarray(size_rows, dtype=np.int64).reshape(-1, 3)
    return ({"vocabulary": list(vocabulary), "languages": list(languages)},
            {"counts": table, "sizes": size_table})


def _counts_from(names: dict[str, list[str]], arrays: dict[str, np.ndarray]) -> tuple[dict, dict]:
    vocabulary, languages = names["vocabulary"], names["languages"]
    terms: dict[tuple[int, str], dict[str, int]] = {}
    for t, li, wi, c in arrays["counts"].tolist():
        terms.setdefault((t, languages[li]), {})[vocabulary[wi]] = c
    sizes = {(t, languages[li]): n for t, li, n in arrays["sizes"].tolist()}
    return terms, sizes


def save_model(model: Any, path: Path) -> Path:
    """Write ``model`` (fitted) to the new folder ``path``; see the module docstring."""
    from toolkit.model.manifest import package_versions
    from toolkit.model.store import write_model_folder

    result, corpus = model.result_, model.corpus_
    align_values, align_arrays = model.aligner_.get_state()
    topics_meta = {
        "labels": {str(t): v for t, v in result.labels.items()},
        "custom_labels": {str(t): v for t, v in model.custom_labels_.items()},
        "themes": {str(t): v for t, v in result.themes.items()},
        "keywords": {str(t): _pairs(v) for t, v in result.keywords.items()},
        "keywords_by_lang": {str(t): {lang: _pairs(w) for lang, w in per.items()}
                             for t, per in result.keywords_by_lang.items()},
        "representatives": {str(t): {lang: [int(i) for i in idx] for lang, idx in per.items()}
                            for t, per in result.representatives.items()},
        "similarity_topics": [int(t) for t in result.similarity_topics],
        "details": result.details,
    }
    versions = package_versions()
    meta = {
        "toolkit_version": versions.get("topicbridge", "unknown"),
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "packages": versions,
        "config": model.config_.model_dump(mode="json"),
        "embedding": {"model": model.config_.embedding.model, "model_key": model.embedder_.model_key,
                      "dimension": int(model.index_.vectors.shape[1])},
        "aligner": align_values,
        "index": {"neighbors": model.index_.neighbors, "far_threshold": model.index_.far_threshold,
                  "reference_units": int(model.reference_.size), "units": len(corpus),
                  "texts": "all" if model.texts_kept_ and model.reference_.size == len(corpus) else "reference"},
        "topics": topics_meta,
        "metrics": model.metrics_,
        "curation": model.curation_,
        "fit": model.fit_info_,
        "cleaning": dict(corpus.cleaning),
    }
    keep_all = meta["index"]["texts"] == "all"
    kept = set(model.reference_.tolist())
    segs = corpus.segments
    count_names, count_arrays = _counts_arrays(model.counts_)
    units = {
        "id": [s.id for s in segs], "doc_id": [s.doc_id for s in segs], "lang": [s.lang for s in segs],
        "date": [s.date for s in segs], "label": [s.label for s in segs], "group": [s.group for s in segs],
        "text": [s.text if keep_all or i in kept else None for i, s in enumerate(segs)],
        "documents": {
            "id": [d.id for d in corpus.documents], "lang": [d.lang for d in corpus.documents],
            "date": [d.date for d in corpus.documents], "label": [d.label for d in corpus.documents],
            "group": [d.group for d in corpus.documents], "lang_given": [d.lang_given for d in corpus.documents],
        },
        "terms": count_names,
    }
    arrays: dict[str, np.ndarray] = {
        "topics": np.asarray(result.topics, dtype=np.int64),
        "reference_index": np.asarray(model.reference_, dtype=np.int64),
        "reference": np.asarray(model.reference16_, dtype=np.float16),
        "similarity": np.asarray(result.similarity, dtype=np.float32),
        **{f"align.{k}": np.asarray(v, dtype=np.float64) for k, v in align_arrays.items()},
        **{f"terms.{k}": v for k, v in count_arrays.items()},
    }
    if result.coords is not None:
        arrays["coords"] = np.asarray(result.coords, dtype=np.float32)
    if model.theme_vectors_ is not None:
        arrays["theme_vectors"] = np.asarray(model.theme_vectors_, dtype=np.float32)
    if result.unit_themes is not None:
        from toolkit.model.themes import themes_to_saved

        meta["unit_themes"], theme_arrays = themes_to_saved(result.unit_themes)
        arrays.update(theme_arrays)
    return write_model_folder(path, meta, units, arrays)


def load_model(cls: type, path: Path, embedder: Any = None) -> Any:
    """Rebuild a :class:`~toolkit.model.TopicBridge` from a folder :func:`save_model` wrote."""
    from toolkit.model.store import read_model_folder

    meta, units, arrays = read_model_folder(path)
    try:
        return _restore(cls, path, meta, units, arrays, embedder)
    except ToolkitError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise TopicModelError(f"{path}: the saved model is incomplete ({type(exc).__name__}: {exc}); it was "
                              f"not written by TopicBridge.save of this format. Save it again") from None


def _restore(cls: type, path: Path, meta: dict, units: dict, arrays: dict, embedder: Any) -> Any:
    from toolkit.align import LanguageAligner
    from toolkit.config import config_from_dict
    from toolkit.corpus import Corpus, Document, Segment
    from toolkit.embedding import get_embedder
    from toolkit.model.assign import UnitIndex
    from toolkit.topics.result import TopicResult

    config = config_from_dict(meta["config"], source=str(path / "model.json"))
    saved_key = meta["embedding"]["model_key"]
    if embedder is None:
        e = config.embedding
        embedder = get_embedder(e.model, allow_download=e.allow_download, threads=e.threads, precision=e.precision)
    if embedder.model_key != saved_key:
        raise TopicModelError(
            f"{path}: saved with the embedder {saved_key!r}, but this environment gives "
            f"{embedder.model_key!r}; install the package versions the model was saved with (model.json, "
            f"'packages'), pass the matching embedder= to TopicBridge.load, or fit the model again")
    docs = units["documents"]
    documents = [Document(id=i, text="", lang=lang, date=date, label=label, group=group, lang_given=bool(given))
                 for i, lang, date, label, group, given in zip(docs["id"], docs["lang"], docs["date"], docs["label"],
                                                               docs["group"], docs["lang_given"])]
    segments = [Segment(id=i, doc_id=d, text=text or "", lang=lang, date=date, label=label, group=group)
                for i, d, text, lang, date, label, group in zip(units["id"], units["doc_id"], units["text"],
                                                                units["lang"], units["date"], units["label"],
                                                                units["group"])]
    corpus = Corpus(documents=documents, segments=segments, cleaning=dict(meta.get("cleaning", {})))
    topics = np.asarray(arrays["topics"], dtype=np.int64)
    if topics.shape[0] != len(segments):
        raise TopicModelError(f"{path}: {topics.shape[0]} topics for {len(segments)} units; the model is damaged")
    tm = meta["topics"]
    ints = lambda d: {int(k): v for k, v in d.items()}  # noqa: E731 - JSON keys back to topic ids
    result = TopicResult(
        topics=topics,
        labels=ints(tm["labels"]),
        keywords={int(t): [(w, s) for w, s in v] for t, v in tm["keywords"].items()},
        keywords_by_lang={int(t): {lang: [(w, s) for w, s in words] for lang, words in per.items()}
                          for t, per in tm["keywords_by_lang"].items()},
        representatives=ints(tm["representatives"]),
        themes=ints(tm["themes"]),
        similarity_topics=[int(t) for t in tm["similarity_topics"]],
        similarity=np.asarray(arrays["similarity"], dtype=np.float32),
        coords=np.asarray(arrays["coords"]) if "coords" in arrays else None,
        details=tm["details"],
    )
    align_arrays = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("align.")}
    model = cls(config=config)
    index = meta["index"]
    reference = np.asarray(arrays["reference_index"], dtype=np.int64)
    model.reference16_ = np.asarray(arrays["reference"], dtype=np.float16)
    model.config_ = config
    model.embedder_ = embedder
    model.corpus_ = corpus
    model.aligner_ = LanguageAligner.from_state(meta["aligner"], align_arrays)
    model.result_ = result
    model.metrics_ = meta["metrics"]
    model.embeddings_ = None
    model.reference_ = reference
    model.index_ = UnitIndex.build(model.reference16_.astype(np.float32), topics[reference], int(index["neighbors"]))
    model.counts_ = _counts_from(units["terms"], {k.split(".", 1)[1]: v for k, v in arrays.items()
                                                  if k.startswith("terms.")})
    result.counts = model.counts_
    model.texts_kept_ = index["texts"] == "all"
    model.custom_labels_ = ints(tm["custom_labels"])
    model.curation_ = list(meta["curation"])
    model.fit_info_ = dict(meta["fit"])
    model.theme_vectors_ = np.asarray(arrays["theme_vectors"], dtype=np.float32) if "theme_vectors" in arrays else None
    from toolkit.model.themes import themes_from_saved

    result.unit_themes = themes_from_saved(meta.get("unit_themes"), arrays)
    model.bertopic_ = None
    return model
