"""Any sentence-transformers model, by hub id or local folder, offline by default.

Hub downloads are opt-in (``embedding.allow_download``). Without it, a hub id is looked up
only in the local Hugging Face cache, so a missing model fails at once with one clear message
instead of sentence-transformers retrying the network for about a minute.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from toolkit.embedding.base import Embedder, available_cores
from toolkit.errors import EmbeddingError, ModelNotFoundError

__all__ = ["SentenceTransformerEmbedder", "resolve_local_model"]

log = logging.getLogger(__name__)


def resolve_local_model(model: str) -> Path | None:
    """A local folder for ``model``: the path itself, or a snapshot in the HF cache."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise ModelNotFoundError(f"embedding.model {model!r} is a file, not a model folder")
    if model.count("/") > 1 or model.startswith((".", "/", "~")):
        return None  # looks like a path that does not exist
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model on the CPU (or the given device).

    Parameters
    ----------
    model : str
        Hub id (e.g. ``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``) or a
        local folder.
    allow_download : bool
        Fetch a hub model that is not in the local cache.
    threads : int, optional
        Torch intra-op threads; default: the cores available.
    device : str
        ``cpu`` by default.
    """

    def __init__(self, model: str, *, allow_download: bool = False, threads: int | None = None,
                 device: str = "cpu") -> None:
        self.model = model
        self.allow_download = allow_download
        self.threads = threads
        self.device = device
        self._st = None
        self._folder = ""
        self.name = model

    @property
    def model_key(self) -> str:
        self._model()
        return f"sbert:{self.name}@{_folder_fingerprint(Path(self._folder))}"

    def load(self) -> SentenceTransformerEmbedder:
        """Load the model now; raises :class:`ModelNotFoundError` or :class:`EmbeddingError`."""
        self._model()
        return self

    def to(self, device: str) -> SentenceTransformerEmbedder:
        """Move the model (loaded or not yet) to ``device``."""
        self.device = device
        if self._st is not None:
            self._st = self._st.to(device)
        return self

    def _model(self):
        if self._st is not None:
            return self._st
        local = resolve_local_model(self.model)
        if local is None and not self.allow_download:
            raise ModelNotFoundError(
                f"embedding model {self.model!r} is not a local folder and not in the local "
                f"Hugging Face cache; pass a local model folder, or allow the download with "
                f"--set embedding.allow_download=true (needs network)"
            )
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self.threads or available_cores())
            target = str(local) if local is not None else self.model
            st = SentenceTransformer(target, device=self.device, local_files_only=local is not None)
        except ModelNotFoundError:
            raise
        except Exception as exc:  # noqa: BLE001 - library errors become one readable line
            raise EmbeddingError(f"embedding model {self.model!r} could not be loaded: {exc}") from exc
        self._folder = str(local) if local is not None else ""
        self._st = st
        return st

    def _encode(self, texts: list[str]) -> np.ndarray:
        st = self._model()
        return st.encode(texts, batch_size=len(texts), convert_to_numpy=True,
                         show_progress_bar=False, normalize_embeddings=False)

    @property
    def dimension(self) -> int:
        st = self._model()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())


def _folder_fingerprint(folder: Path) -> str:
    """Hash of the weight files' names and sizes: changes when the model changes."""
    import hashlib

    if not folder.is_dir():
        return "remote"
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in {".safetensors", ".bin", ".json", ".txt", ".model"}:
            h.update(f"{p.relative_to(folder)}:{p.stat().st_size}".encode())
    return h.hexdigest()[:16]
