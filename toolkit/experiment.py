"""``run_experiment(config)``: the one place that wires the steps together.

config -> corpus -> TopicBridge fit (embeddings cached -> alignment -> UMAP cached -> topics ->
metrics) -> run directory (written under a temporary name, renamed when complete) with the
data files, the saved model (``model/``) and the report.

:func:`apply_model` and :func:`curate_run` write run directories from a finished run's saved
model: a new corpus assigned to its topics, or its topics merged and renamed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig, config_hash
from toolkit.corpus import Corpus, load_corpus
from toolkit.embedding import Embedder, get_embedder
from toolkit.model import TopicBridge
from toolkit.model.fitting import (
    Progress,
    StageListener,
    StageTimer,
    align_corpus,
    embed_corpus,
    no_progress,
    theme_metrics,
)
from toolkit.model.manifest import corpus_hash, corpus_summary, matrix_hash, package_versions
from toolkit.model.rundir import write_run_directory
from toolkit.runs import plan_run_dir
from toolkit.topics.result import TopicResult

__all__ = ["run_experiment", "RunOutcome", "Progress", "StageTimer", "StageListener", "embed_corpus",
           "corpus_hash", "matrix_hash", "package_versions", "align_corpus", "theme_metrics"]

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    """What a finished run produced (``path`` is the run directory).

    ``embeddings`` is the matrix the topics were built from (after ``align``); ``model`` the
    fitted :class:`~toolkit.model.TopicBridge` (saved in ``path/model`` unless
    ``model.save: false``).
    """

    path: Path
    config: ExperimentConfig
    corpus: Corpus
    result: TopicResult
    metrics: dict[str, Any]
    manifest: dict[str, Any]
    embeddings: np.ndarray = field(repr=False, default=None)
    model: TopicBridge | None = field(repr=False, default=None)


def run_experiment(config: ExperimentConfig, *, out: str | Path | None = None,
                   progress: Progress | None = None, embedder: Embedder | None = None,
                   on_stage: StageListener | None = None) -> RunOutcome:
    """Run one experiment end to end and write its run directory.

    Parameters
    ----------
    config : ExperimentConfig
    out : path, optional
        Exact run directory (must be new or empty); default: a timestamped folder in
        ``output.dir``.
    progress : callable, optional
        Progress hook for long stages (the CLI passes rich progress bars).
    embedder : Embedder, optional
        Use this embedder instead of building ``embedding.model`` (tests, notebooks).
    on_stage : callable, optional
        ``on_stage(name, started)`` at the start and end of each timed stage (``embed``,
        ``topics``, ...; the names of ``manifest.json``'s ``timings``).

    Returns
    -------
    RunOutcome

    Raises
    ------
    ToolkitError
        For every user-facing problem; nothing is left on disk when it is raised.
    """
    if not isinstance(config, ExperimentConfig):
        from toolkit.errors import ParameterError, short_repr

        raise ParameterError("config", f"expected an ExperimentConfig, e.g. load_config('configs/seeds.yaml'), got "
                                       f"{short_repr(config)}")
    progress = progress or no_progress
    if config.execution.backend == "ray":
        from toolkit.distributed.runtime import require_ray

        require_ray()  # without the extra: one clear error before any work
    timer = StageTimer(on_stage)
    target = plan_run_dir(config.output.dir, config.name, out)
    with timer.stage("load_model"):
        if embedder is None:
            embedder = get_embedder(config.embedding.model, allow_download=config.embedding.allow_download,
                                    threads=config.embedding.threads, precision=config.embedding.precision)
    with timer.stage("corpus"):
        corpus = load_corpus(config.corpus)
    if not corpus.segments:
        from toolkit.errors import CorpusError

        raise CorpusError(f"{config.corpus.path}: every text is empty after cleaning ({len(corpus.documents)} "
                          f"documents kept); nothing to cluster. Check the corpus, or set corpus.clean: false")
    model = TopicBridge(config).fit_corpus(corpus, embedder=embedder, progress=progress, timer=timer)
    manifest = model.manifest(timings=timer.timings)
    target = write_run_directory(target, model, manifest, timer=timer, progress=progress, unique=out is None)
    log.info("run written to %s", target)
    return RunOutcome(path=target, config=model.config_, corpus=corpus, result=model.result_,
                      metrics=model.metrics_, manifest=manifest, embeddings=model.embeddings_, model=model)


# ---------------------------------------------------------------------- from a saved model

#: Far units listed in the drift section of an applied run's report.
FAR_EXAMPLES = 20


def load_run_model(run_dir: str | Path) -> TopicBridge:
    """The model saved in a finished run directory (``RUN/model``).

    Raises
    ------
    RunError
        ``run_dir`` is not a complete run directory, or holds no saved model.
    TopicModelError
        The model folder is damaged or was saved for another embedder.
    """
    from toolkit.errors import RunError
    from toolkit.model.rundir import MODEL_DIR
    from toolkit.runs import is_complete_run

    run = Path(run_dir)
    if not is_complete_run(run):
        raise RunError(f"{run}: not a complete run directory; pass a folder that `topicbridge run` wrote")
    if not (run / MODEL_DIR).is_dir():
        raise RunError(f"{run}: holds no saved model ({MODEL_DIR}/): it was written with model.save: false or by an "
                       f"apply; rerun the experiment with model.save: true")
    return TopicBridge.load(run / MODEL_DIR)


def apply_model(run_dir: str | Path, corpus_path: str | Path, *, corpus_format: str = "auto",
                out: str | Path | None = None, progress: Progress | None = None) -> RunOutcome:
    """Assign a new corpus to the topics of a finished run and write a run directory for it.

    The new corpus is read and cut into units with the run's own corpus settings (only
    ``corpus.path`` and ``corpus.format`` change); every unit joins a topic of the saved model
    (:meth:`TopicBridge.transform`). The run directory's report shows each topic's share here
    beside the training corpus, and the units far from every topic; its manifest names the
    source model.

    Raises
    ------
    RunError, TopicModelError, CorpusError
        The run has no usable model, or the corpus cannot be read or has no units.
    """
    from toolkit.errors import CorpusError
    from toolkit.model.apply import applied_result

    progress = progress or no_progress
    timer = StageTimer()
    with timer.stage("load_model"):
        model = load_run_model(run_dir)
    base = model.config_
    config = base.model_copy(update={
        "name": f"{base.name}-apply",
        "corpus": base.corpus.model_copy(update={"path": str(corpus_path), "format": corpus_format, "limit": None}),
        "output": base.output.model_copy(update={"map": False}),
    })
    target = plan_run_dir(config.output.dir, config.name, out)
    with timer.stage("corpus"):
        corpus = load_corpus(config.corpus)
    if not corpus.segments:
        raise CorpusError(f"{corpus_path}: no text left after cleaning; nothing to assign")
    with timer.stage("assign"):
        progress("assign", None)
        topics, scores, best = model.assign_corpus(corpus, progress)
    with timer.stage("evaluate"):
        result, metrics = applied_result(model, config, corpus, topics, scores, best, Path(run_dir), FAR_EXAMPLES)
    if model.result_.unit_themes is not None:
        from toolkit.model.fitting import embed_corpus
        from toolkit.model.themes import assign_new_units

        with timer.stage("themes"):  # the units' vectors come back from the cache the assignment filled
            vectors, _ = embed_corpus(corpus.texts, model.embedder_, config, no_progress)
            aligned = model.aligner_.transform(vectors, corpus.langs)
            result.unit_themes = assign_new_units(model.result_.unit_themes, config, corpus, aligned, topics)
    manifest = model.manifest(
        name=config.name, config_hash=config_hash(config), corpus_hash=corpus_hash(corpus),
        corpus=corpus_summary(corpus), topics=result.details, cache={}, timings=timer.timings,
        source_model={"run": str(run_dir), "model": str(Path(run_dir) / "model"),
                      "units": len(model.corpus_), "topics": int(model.metrics_.get("n_topics") or 0)})
    target = write_run_directory(target, model, manifest, timer=timer, progress=progress,
                                 data=(config, corpus, result, metrics), unique=out is None)
    log.info("applied run written to %s", target)
    return RunOutcome(path=target, config=config, corpus=corpus, result=result, metrics=metrics,
                      manifest=manifest, model=model)


def curate_run(run_dir: str | Path, *, merge: list[list[int]] | None = None, labels: dict[int, str] | None = None,
               reduce_to: int | None = None, out: str | Path | None = None,
               progress: Progress | None = None, level: int | None = None) -> RunOutcome:
    """A new run directory with the topics of a finished run merged, renamed or reduced.

    Topic ids are those of the source run's report: labels are set first, then the merges,
    then ``reduce_to``, then ``level`` (a coarser cut of the topic tree,
    :meth:`~toolkit.model.bridge.TopicBridge.set_level`); the curated topics are renumbered
    by size. The source run is not touched.

    Raises
    ------
    RunError, TopicModelError, ParameterError
        No usable model, or a topic id that does not exist.
    """
    from toolkit.errors import ParameterError

    if not merge and not labels and reduce_to is None and level is None:
        raise ParameterError("curate", "nothing to do: give topics to merge, labels, a number of topics or a level")
    progress = progress or no_progress
    timer = StageTimer()
    with timer.stage("load_model"):
        model = load_run_model(run_dir)
        model.restore_texts(Path(run_dir) / "assignments.csv")
    with timer.stage("curate"):
        progress("curate", None)
        if labels:
            model.set_topic_labels(labels)
        if merge:
            model.merge_topics(merge)
        if reduce_to is not None:
            model.reduce_topics(reduce_to)
        if level is not None:
            model.set_level(level)
    model.config_ = model.config_.model_copy(update={"name": f"{model.config_.name}-curated"})
    target = plan_run_dir(model.config_.output.dir, model.config_.name, out)
    manifest = model.manifest(curated_from=str(run_dir), timings=timer.timings)
    target = write_run_directory(target, model, manifest, timer=timer, progress=progress, unique=out is None)
    log.info("curated run written to %s", target)
    return RunOutcome(path=target, config=model.config_, corpus=model.corpus_, result=model.result_,
                      metrics=model.metrics_, manifest=manifest, model=model)
