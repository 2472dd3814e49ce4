"""``TopicBridge``: the fitted topic model a researcher holds (scikit-learn conventions).

Fit it on texts from Python, keep it with :meth:`TopicBridge.save`, load it in another
process, assign new documents to its topics with :meth:`TopicBridge.transform`, curate the
topics (merge, rename, reduce) and write the same run directory and report as
``topicbridge run``. docs/python.md walks through it beside the BERTopic equivalents.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.arrays import unit_rows
from toolkit.config import (
    ExperimentConfig,
    NotASection,
    config_from_dict,
    load_config_dict,
    set_key,
)
from toolkit.corpus import Corpus, prepare_documents
from toolkit.embedding import Embedder, get_embedder
from toolkit.errors import ConfigError, ParameterError, TopicModelError
from toolkit.files import as_path
from toolkit.model import curate
from toolkit.model.assign import UnitIndex
from toolkit.model.fitting import (
    Progress,
    StageTimer,
    embed_corpus,
    fit_corpus,
    no_progress,
)
from toolkit.model.inputs import documents_from, per_document, segments_with_texts, unit_embeddings
from toolkit.model.theme_api import ThemeMethods

__all__ = ["TopicBridge"]

log = logging.getLogger(__name__)


class TopicBridge(ThemeMethods):
    """A multilingual topic model: embed, align, reduce, cluster, describe in every language.

    Parameters
    ----------
    config : ExperimentConfig, str, Path or dict, optional
        The settings: a validated config, a YAML path (``extends:`` works) or a mapping as in
        a YAML file. Default: every default of the config schema. No corpus path is needed.
    **overrides
        Config keys by path, with ``.`` or ``__`` between the parts:
        ``TopicBridge(umap__n_neighbors=30, **{"clustering.method": "kmeans"})``.

    Attributes
    ----------
    config_ : ExperimentConfig
        The resolved settings the model was fitted with.
    topics_ : ndarray of int
        Topic of every training unit (``-1``: outliers).
    corpus_ : Corpus
        The training units (documents cut by ``corpus.unit``).
    result_ : TopicResult
        Topics, keywords per language, representatives, themes, similarity, map.
    metrics_ : dict
        Every metric of the fit (``toolkit.evaluate``), recomputed after curation.
    embedder_ : Embedder
    aligner_ : LanguageAligner
    index_ : UnitIndex
        The reference units :meth:`transform` assigns new units by.
    bertopic_ : BERTopic or None
        The BERTopic object as fitted (before any curation); ``None`` after :meth:`load`.
    """

    def __init__(self, config: ExperimentConfig | str | Path | Mapping[str, Any] | None = None,
                 **overrides: Any) -> None:
        self.config = config
        self.overrides = overrides

    # ------------------------------------------------------------------ parameters

    def get_params(self, deep: bool = True) -> dict[str, Any]:  # noqa: ARG002 - no nested estimators
        """``config`` and every override, as given to ``__init__`` (scikit-learn's ``clone`` uses it)."""
        return {"config": self.config, **self.overrides}

    def set_params(self, **params: Any) -> TopicBridge:
        """Set ``config`` or config keys (``umap__n_neighbors=30``); returns ``self``."""
        for key, value in params.items():
            if key == "config":
                self.config = value
            else:
                self.overrides = {**self.overrides, key: value}
        return self

    def resolved_config(self) -> ExperimentConfig:
        """The validated config ``fit`` will use: ``config`` with the overrides applied.

        Raises
        ------
        ConfigError
            An unknown key or a bad value, named by its key path.
        """
        base = self.config
        if base is None:
            data: dict[str, Any] = {}
        elif isinstance(base, ExperimentConfig):
            data = base.model_dump(mode="json")
        elif isinstance(base, (str, Path)):
            data = load_config_dict(base)
        elif isinstance(base, Mapping):
            data = copy.deepcopy(dict(base))
        else:
            raise ParameterError("config", f"expected an ExperimentConfig, a YAML path or a dict, got "
                                           f"{type(base).__name__}")
        for key, value in self.overrides.items():
            path = key.replace("__", ".")
            try:
                set_key(data, path, value)
            except NotASection as exc:
                raise ConfigError(f"TopicBridge({key}=...): '{exc.part}' is a value, not a section") from None
        data.setdefault("corpus", {})
        return config_from_dict(data, source="TopicBridge settings")

    # ------------------------------------------------------------------ fitting

    def fit(self, docs: Any, langs: Sequence[Any] | None = None, ids: Sequence[Any] | None = None,
            dates: Sequence[Any] | None = None, labels: Sequence[Any] | None = None,
            groups: Sequence[Any] | None = None, embeddings: np.ndarray | None = None, *,
            progress: Progress | None = None) -> TopicBridge:
        """Fit topics on documents given in Python.

        Parameters
        ----------
        docs : list of str or pandas.DataFrame
            Texts, or a frame with a ``text`` column and optional ``lang``, ``id``, ``date``,
            ``label``, ``group`` columns (then do not pass those separately).
        langs, ids, dates, labels, groups : sequences, optional
            One value per document: ISO 639-1 language (detected when missing), id (default:
            the 1-based position), ISO date, gold label (evaluation only), translation group.
        embeddings : ndarray of shape (n_docs, dim), optional
            Precomputed document vectors from the same embedder as ``embedding.model``; only
            with ``corpus.unit: document``.
        progress : callable, optional
            ``progress(stage, total)`` returning an ``advance(n)`` callable.

        Returns
        -------
        TopicBridge
            ``self``, fitted: the same cleaning, language identification, segmentation,
            cache and clustering as ``topicbridge run``.
        """
        config = self.resolved_config()
        documents = documents_from(docs, lang=langs, id=ids, date=dates, label=labels, group=groups)
        corpus = prepare_documents(documents, config.corpus)
        unit_vectors = None
        if embeddings is not None:
            unit_vectors = unit_embeddings(embeddings, documents, corpus, config)
        return self._fit(corpus, config, None, unit_vectors, progress or no_progress, StageTimer())

    def fit_corpus(self, corpus: Corpus, *, embedder: Embedder | None = None, progress: Progress | None = None,
                   timer: StageTimer | None = None) -> TopicBridge:
        """Fit on a corpus already loaded and segmented (what ``run_experiment`` does)."""
        return self._fit(corpus, self.resolved_config(), embedder, None, progress or no_progress,
                         timer or StageTimer())

    def fit_transform(self, docs: Any, langs: Sequence[Any] | None = None, **kwargs: Any
                      ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`fit`, then the topic and score of every document as :meth:`transform` gives them
        (each document's fitted units, not a second assignment)."""
        self.fit(docs, langs, **kwargs)
        doc_ids = [d.id for d in documents_from(docs, lang=langs, id=kwargs.get("ids"), date=kwargs.get("dates"))]
        scores = self.index_.score(self.embeddings_, self.topics_)
        return per_document(doc_ids, [s.doc_id for s in self.corpus_.segments], self.topics_, scores)

    def _fit(self, corpus: Corpus, config: ExperimentConfig, embedder: Embedder | None,
             unit_vectors: np.ndarray | None, progress: Progress, timer: StageTimer) -> TopicBridge:
        from toolkit.topics.sample import sample_indices, term_counts

        if not corpus.segments:
            raise TopicModelError("no units to fit: every document was empty after cleaning")
        if embedder is None:
            with timer.stage("load_model"):
                embedder = get_embedder(config.embedding.model, allow_download=config.embedding.allow_download,
                                        threads=config.embedding.threads, precision=config.embedding.precision)
        fit = fit_corpus(corpus, config, embedder, embeddings=unit_vectors, progress=progress, timer=timer)
        result = fit.result
        n = len(corpus)
        if n > config.model.reference_units:
            reference = sample_indices(corpus.ids, [str(int(t)) for t in result.topics], [None] * n,
                                       config.model.reference_units, config.seed)
        else:
            reference = np.arange(n, dtype=np.int64)
        # The index is built from what a saved model keeps (unit vectors in float16), so a
        # loaded model assigns exactly as the fitted one.
        self.reference16_ = np.asarray(unit_rows(np.asarray(fit.embeddings[reference], dtype=np.float32)),
                                       dtype=np.float16)
        self.config_ = config
        self.embedder_ = embedder
        self.corpus_ = corpus
        self.aligner_ = fit.aligner
        self.result_ = result
        self.metrics_ = fit.metrics
        self.embeddings_ = fit.embeddings
        self.reference_ = reference
        self.index_ = UnitIndex.build(self.reference16_.astype(np.float32), result.topics[reference],
                                      config.model.neighbors)
        self.counts_ = result.counts or term_counts(result.tokens, result.topics, corpus.langs)
        self.texts_kept_ = True
        self.custom_labels_: dict[int, str] = {}
        self.curation_: list[dict[str, Any]] = []
        self.fit_info_ = {"cache": fit.cache, "sample": None if fit.sample is None else int(fit.sample.size)}
        self.theme_vectors_ = _theme_vectors(config, embedder, fit.aligner)
        self.bertopic_ = result.model
        return self

    # ------------------------------------------------------------------ state

    @property
    def topics_(self) -> np.ndarray:
        self._check_fitted()
        return self.result_.topics

    def _check_fitted(self) -> None:
        if not hasattr(self, "result_"):
            raise TopicModelError("this TopicBridge is not fitted yet: call fit(docs) or TopicBridge.load(path) first")

    def restore_texts(self, assignments_csv: str | Path) -> TopicBridge:
        """Fill in the unit texts a saved model did not keep (a corpus larger than
        ``model.reference_units``) from the run directory's assignments.csv, by unit id."""
        if self.texts_kept_:
            return self
        self.corpus_.segments = segments_with_texts(self.corpus_.segments, Path(assignments_csv))
        self.texts_kept_ = True
        return self

    # ------------------------------------------------------------------ new documents

    def transform(self, docs: Any, langs: Sequence[Any] | None = None, ids: Sequence[Any] | None = None,
                  dates: Sequence[Any] | None = None, *, units: bool = False) -> Any:
        """Assign new documents to the fitted topics.

        Each document is cleaned and cut into units as at fit time; every unit joins the topic
        its nearest training units vote for (see :mod:`toolkit.model.assign`).

        Parameters
        ----------
        docs, langs, ids, dates
            As for :meth:`fit` (a DataFrame may carry the columns).
        units : bool, default False
            Return one row per unit (a DataFrame: ``id, doc_id, lang, topic, score, far, date,
            text``) instead of one topic per document.

        Returns
        -------
        (topics, scores) : ndarrays
            Per document: the majority topic of its units (ties: the higher total score) and
            the mean score of those units, the cosine similarity to the topic's centre (low is
            far away). A document with no unit left after cleaning gets ``-1`` and ``0.0``.
        """
        self._check_fitted()
        documents = documents_from(docs, lang=langs, id=ids, date=dates)
        corpus = prepare_documents(documents, self.config_.corpus)
        topics, scores, best = self.assign_corpus(corpus)
        if units:
            return self._unit_frame(corpus, topics, scores, best)
        return per_document([d.id for d in documents], [s.doc_id for s in corpus.segments], topics, scores)

    def assign_corpus(self, corpus: Corpus, progress: Progress | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Topic, score and best-centre similarity of every unit of a prepared corpus."""
        self._check_fitted()
        if not corpus.segments:
            empty = np.zeros(0, dtype=np.float32)
            return np.zeros(0, dtype=np.int64), empty, empty
        vectors, _ = embed_corpus(corpus.texts, self.embedder_, self.config_, progress or no_progress)
        aligned = self.aligner_.transform(vectors, corpus.langs)
        return self.index_.assign(aligned)

    def _unit_frame(self, corpus: Corpus, topics: np.ndarray, scores: np.ndarray, best: np.ndarray) -> Any:
        import pandas as pd

        segs = corpus.segments
        return pd.DataFrame({
            "id": [s.id for s in segs], "doc_id": [s.doc_id for s in segs], "lang": corpus.langs,
            "topic": topics.astype(int), "score": scores.astype(float),
            "far": best < self.index_.far_threshold, "date": [s.date or "" for s in segs],
            "text": [s.text for s in segs],
        })

    # ------------------------------------------------------------------ reading the topics

    def topic_info(self) -> Any:
        """One row per topic (outliers first): ``topic, size, label, theme, keywords``, then
        ``size_<lang>`` and ``keywords_<lang>`` for every language (keywords comma-separated)."""
        import pandas as pd

        from toolkit.runs import topics_table

        self._check_fitted()
        langs = self.corpus_.languages
        rows = []
        for row in topics_table(self.corpus_, self.result_):
            rows.append({
                "topic": row["topic"], "size": row["size"], "label": row["label"], "theme": row["theme"],
                "keywords": ", ".join(w for w, _ in row["keywords"]),
                **{f"size_{lang}": row["sizes"][lang] for lang in langs},
                **{f"keywords_{lang}": ", ".join(w for w, _ in row["keywords_by_lang"][lang]) for lang in langs},
            })
        return pd.DataFrame(rows)

    def document_info(self) -> Any:
        """One row per training unit, the columns of assignments.csv (``id, doc_id, lang, topic,
        date, label, group, x, y, text``)."""
        import pandas as pd

        self._check_fitted()
        segs = self.corpus_.segments
        coords = self.result_.coords
        xy = coords if coords is not None else np.full((len(segs), 2), np.nan)
        return pd.DataFrame({
            "id": [s.id for s in segs], "doc_id": [s.doc_id for s in segs], "lang": self.corpus_.langs,
            "topic": self.topics_.astype(int), "date": [s.date or "" for s in segs],
            "label": [s.label or "" for s in segs], "group": [s.group or "" for s in segs],
            "x": xy[:, 0], "y": xy[:, 1], "text": [s.text for s in segs],
        })

    def get_topic(self, topic: int, lang: str | None = None) -> list[tuple[str, float]]:
        """The ``(word, score)`` pairs of ``topic``, best first, over all languages or in ``lang``."""
        self._check_fitted()
        present = self.result_.topic_ids
        if isinstance(topic, bool) or not isinstance(topic, (int, np.integer)) or int(topic) not in present:
            raise TopicModelError(f"topic {topic!r} does not exist; the topics are {', '.join(map(str, present))}")
        t = int(topic)
        if lang is None:
            return list(self.result_.keywords.get(t, []))
        by_lang = self.result_.keywords_by_lang.get(t, {})
        if lang not in by_lang:
            raise ParameterError("lang", f"{lang!r} is not a language of the training corpus "
                                         f"({', '.join(self.corpus_.languages)})")
        return list(by_lang[lang])

    # ------------------------------------------------------------------ curation

    def merge_topics(self, topics_to_merge: Sequence[Sequence[int]]) -> TopicBridge:
        """Merge each group of topics into one (``[[1, 4], [2, 7]]``); ids are then renumbered by
        size, and keywords, representatives, similarity, themes and metrics describe the result."""
        self._check_fitted()
        plan = curate.merge_plan(topics_to_merge, self.result_.topic_ids)
        self._apply(plan, {"merge": [sorted(k for k, v in plan.items() if v == head)
                                     for head in sorted(set(plan.values()))]})
        return self

    def reduce_topics(self, nr_topics: int) -> TopicBridge:
        """Merge the most similar topics (by centre) until ``nr_topics`` remain."""
        self._check_fitted()
        plan = curate.reduce_plan(self.index_.topics, self.index_.centres, self.index_.centre_ids.tolist(), nr_topics)
        if plan:
            self._apply(plan, {"reduce": int(nr_topics)})
        return self

    def set_level(self, n_topics: int) -> TopicBridge:
        """Cut the topic tree at ``n_topics`` without refitting: topics merge along it (finer: refit)."""
        from toolkit.topics.tree import level_plan, relabel_record

        self._check_fitted()
        record = self.result_.details.get("clustering", {}).get("tree")
        if plan := level_plan(record, self.result_.topic_ids, n_topics):
            self._apply(plan, {"level": int(n_topics)})
            relabel_record(record, self.curation_[-1]["mapping"])
        return self

    def set_topic_labels(self, topic_labels: Mapping[int, str]) -> TopicBridge:
        """Give topics human names (``{3: "Medical tourism"}``); they replace the keyword labels
        everywhere (topic table, report, a saved model)."""
        self._check_fitted()
        labels = curate.check_labels(topic_labels, self.result_.topic_ids)
        self.custom_labels_.update(labels)
        self.result_.labels.update(labels)
        self.result_.details["named_topics"] = sorted(self.custom_labels_)
        self.curation_.append({"labels": {str(k): v for k, v in labels.items()}})
        return self

    def _apply(self, plan: Mapping[int, int], step: dict[str, Any]) -> None:
        from toolkit.model.describe import describe_again

        old = self.result_.topics
        topics, mapping = curate.apply_plan(old, plan)
        sizes = {int(t): int(np.sum(old == t)) for t in np.unique(old)}
        self.custom_labels_ = curate.carry_labels(self.custom_labels_, mapping, sizes)
        self.counts_ = (curate.rename_counts(self.counts_[0], mapping),
                        curate.rename_sizes(self.counts_[1], mapping))
        describe_again(self, topics)
        self.curation_.append({**step, "mapping": {str(k): v for k, v in mapping.items()}})

    # ------------------------------------------------------------------ keeping it

    def save(self, path: str | Path) -> Path:
        """Save the fitted model to a new folder: JSON plus arrays, checksummed, never pickle."""
        from toolkit.model.persist import save_model

        self._check_fitted()
        return save_model(self, as_path(path, "path", "a new folder"))

    @classmethod
    def load(cls, path: str | Path, *, embedder: Embedder | None = None) -> TopicBridge:
        """A model saved by :meth:`save` (or ``model/`` of a run directory), ready to transform.

        Parameters
        ----------
        embedder : Embedder, optional
            Use this embedder; default: build the one the model names. Either way its
            ``model_key`` must equal the saved one.

        Raises
        ------
        TopicModelError
            Not a model folder, a damaged or changed file, a newer format, or another embedder.
        """
        from toolkit.model.persist import load_model

        return load_model(cls, as_path(path, "path", "a model folder"), embedder)

    def write_report(self, path: str | Path) -> Path:
        """Write a run directory at ``path`` (new or empty): the data files, ``model/`` and the
        same report.md and report.html as ``topicbridge run``."""
        from toolkit.model.rundir import write_run_directory
        from toolkit.runs import plan_run_dir

        self._check_fitted()
        target = plan_run_dir(Path(path).parent, self.config_.name, out=path)
        return write_run_directory(target, self, self.manifest())

    def manifest(self, **extra: Any) -> dict[str, Any]:
        """What a run directory's manifest.json records about this model (``extra`` added)."""
        from toolkit.model.rundir import model_manifest

        self._check_fitted()
        return model_manifest(self, **extra)

    def figures(self) -> dict[str, Any]:
        """The report's figures as plotly ``Figure`` objects, by name (``map``, ``sizes``, ...)."""
        import tempfile

        import plotly.graph_objects as go

        from toolkit.files import write_json
        from toolkit.report.data import load_run
        from toolkit.report.figures import build_figures, shared_template
        from toolkit.runs import write_run_files

        self._check_fitted()
        with tempfile.TemporaryDirectory(prefix="topicbridge-figures-") as tmp:
            folder = Path(tmp)
            write_run_files(folder, self.config_, self.corpus_, self.result_, self.metrics_, self.manifest())
            write_json(folder / "manifest.json", self.manifest())
            specs, _ = build_figures(load_run(folder))
        out = {}
        for spec in specs:
            figure = go.Figure(spec.figure)
            figure.update_layout(template=shared_template())
            out[spec.key] = figure
        return out

    def _repr_html_(self) -> str:
        if not hasattr(self, "result_"):
            return f"<pre>{type(self).__name__}() (not fitted)</pre>"
        info = self.topic_info()
        head = (f"<p><b>TopicBridge</b>: {self.metrics_.get('n_topics', len(info))} topics over "
                f"{len(self.corpus_)} units in {', '.join(self.corpus_.languages)}</p>")
        return head + info.head(30).to_html(index=False, escape=True)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v is not None)
        return f"{type(self).__name__}({params})"


# ---------------------------------------------------------------------- helpers


def _theme_vectors(config: ExperimentConfig, embedder: Embedder, aligner: Any) -> np.ndarray | None:
    names = list(config.themes.all_names)
    if not names:
        return None
    return np.asarray(aligner.transform(embedder.embed(names)), dtype=np.float32)
