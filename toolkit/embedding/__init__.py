"""Sentence embedders behind one interface, and the embedding cache."""

from toolkit.embedding.base import Embedder, available_cores
from toolkit.embedding.registry import BUILTIN_MODELS, get_embedder

__all__ = ["Embedder", "available_cores", "get_embedder", "BUILTIN_MODELS"]
