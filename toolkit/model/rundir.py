"""A fitted model as a run directory: the manifest, the data files, ``model/`` and the report.

``run_experiment``, ``TopicBridge.write_report``, ``topicbridge apply`` and ``curate`` all
write through :func:`write_run_directory`, so every run directory has the same files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from toolkit.model.fitting import Progress, StageTimer, no_progress
from toolkit.model.manifest import (
    corpus_hash,
    corpus_summary,
    encoding_notes,
    execution_summary,
    package_versions,
)

__all__ = ["model_manifest", "write_run_directory", "MODEL_DIR"]

#: The folder of a run directory that holds the saved model.
MODEL_DIR = "model"


def model_manifest(model: Any, **extra: Any) -> dict[str, Any]:
    """manifest.json of a run written from ``model`` (fitted); ``extra`` keys are added last.

    ``embedding_coverage`` records the corpus languages the embedder was not trained on;
    ``input_warnings`` says what about the input a user should know (files read in another
    encoding than UTF-8, languages outside the embedder's), as ``topicbridge run`` prints it.
    """
    from toolkit.config import config_hash
    from toolkit.evaluate import coverage_warning, embedder_coverage

    config, corpus = model.config_, model.corpus_
    embedder = model.embedder_
    coverage = embedder_coverage(corpus.langs, embedder.languages, embedder.name)
    manifest: dict[str, Any] = {
        "name": config.name,
        "toolkit_version": package_versions().get("topicbridge", "unknown"),
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "config_hash": config_hash(config),
        "corpus_hash": corpus_hash(corpus),
        "seed": config.seed,
        "embedding_model": model.embedder_.model_key,
        "embedding": model.embedder_.describe(),
        "packages": package_versions(),
        "corpus": corpus_summary(corpus),
        "align": dict(model.aligner_.info_),
        "topics": model.result_.details,
        "execution": execution_summary(config),
        "cache": model.fit_info_.get("cache", {}),
        "timings": {},
        "embedding_coverage": coverage,
    }
    if model.curation_:
        manifest["curation"] = list(model.curation_)
    manifest.update(extra)
    note = coverage_warning(coverage)
    manifest["input_warnings"] = (encoding_notes(manifest["corpus"]) + list(corpus.warnings)
                                  + ([note] if note else []))
    return manifest


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def write_run_directory(target: Path, model: Any, manifest: dict[str, Any], *, timer: StageTimer | None = None,
                        progress: Progress = no_progress, save_model: bool | None = None,
                        data: Any = None, unique: bool = False) -> Path:
    """Write the run directory ``target`` (new or empty) of a fitted ``model``.

    Parameters
    ----------
    manifest : dict
        Written as manifest.json, with the final ``timings`` and, when the model is saved,
        ``model`` (its size).
    save_model : bool, optional
        Default: ``model.save`` of the config.
    data : (config, corpus, result, metrics), optional
        Write these data files instead of the model's own (``apply`` writes the new corpus);
        the model is then not saved (it stays where it was).
    unique : bool
        ``target`` is a timestamped name (no ``--out``): if another run takes it first, take
        the next free ``-N`` name.

    Returns
    -------
    Path
        Where the run directory now is.
    """
    from toolkit.files import write_json
    from toolkit.report import write_report
    from toolkit.runs import RunWriter, write_run_files

    timer = timer or StageTimer()
    config, corpus, result, metrics = data or (model.config_, model.corpus_, model.result_, model.metrics_)
    save = (model.config_.model.save if save_model is None else save_model) and data is None
    writer = RunWriter(target, unique=unique)
    with writer as tmp:
        with timer.stage("write"):
            write_run_files(tmp, config, corpus, result, metrics, manifest)
            if result.unit_themes is not None:
                from toolkit.model.themes import theme_tables
                from toolkit.runs import write_theme_files

                write_theme_files(tmp, *theme_tables(result.unit_themes, corpus, config))
            if save:
                model.save(tmp / MODEL_DIR)
                manifest["model"] = {"folder": MODEL_DIR, "bytes": _folder_bytes(tmp / MODEL_DIR),
                                     "reference_units": int(model.reference_.size)}
        with timer.stage("report"):
            progress("report", None)
            write_report(tmp)
        manifest["timings"] = dict(timer.timings)
        write_json(tmp / "manifest.json", manifest)
    assert writer.final is not None
    return writer.final
