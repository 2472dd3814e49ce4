"""Errors that topicbridge raises on purpose.

Every error the toolkit raises for a user mistake or an unusable input derives from one
base class, so callers can catch them all at once and the CLI can print them as one line::

    ToolkitError
     +-- ConfigError          a config file, key or value is wrong
     +-- ParameterError       a library function or estimator got an argument it cannot use
                              (also a ValueError); ``param`` is the name as the library knows it
     +-- CorpusError          a corpus file is missing, unreadable or malformed
     +-- EmbeddingError       an embedder cannot be built or fails
     |    +-- ModelNotFoundError   the named model is neither installed nor a local folder
     +-- TopicModelError      a topic model cannot be fitted, used, saved or loaded
     +-- RunError             a run directory cannot be written or read
     +-- CacheError           the embedding cache cannot be used

Library code names its own parameters (``n_clusters: expected an integer >= 2, got 1``); the
code that builds a call from a config turns a :class:`ParameterError` into a
:class:`ConfigError` naming the key path (``clustering.n_clusters: ...``) with
:meth:`ParameterError.for_key`. Anything else that escapes is a bug and is shown with its
traceback.
"""

from __future__ import annotations

__all__ = [
    "ToolkitError",
    "ConfigError",
    "ParameterError",
    "CorpusError",
    "EmbeddingError",
    "ModelNotFoundError",
    "TopicModelError",
    "RunError",
    "CacheError",
    "Interrupted",
    "short_repr",
]


class ToolkitError(Exception):
    """Base class of every error topicbridge raises on purpose."""


class ConfigError(ToolkitError):
    """A config file, key or value is wrong."""


class ParameterError(ToolkitError, ValueError):
    """A library function or estimator was given an argument it cannot use.

    Parameters
    ----------
    param : str
        The parameter's name as the function or estimator knows it (``n_clusters``).
    problem : str
        What is wrong and what was given (``expected an integer >= 2, got 1``).
    """

    def __init__(self, param: str, problem: str) -> None:
        super().__init__(f"{param}: {problem}")
        self.param = param
        self.problem = problem

    def for_key(self, key: str) -> ConfigError:
        """The same problem as a :class:`ConfigError` naming the config key ``key``."""
        return ConfigError(f"{key}: {self.problem}")


class CorpusError(ToolkitError):
    """A corpus file is missing, unreadable or malformed."""


class EmbeddingError(ToolkitError):
    """An embedder cannot be built or fails."""


class ModelNotFoundError(EmbeddingError):
    """The named embedding model is neither installed nor a local folder."""


class TopicModelError(ToolkitError):
    """A topic model cannot be fitted (clustering or topic extraction cannot proceed), used
    (not fitted, unknown topic), saved or loaded (damaged, newer format, another embedder)."""


class RunError(ToolkitError):
    """A run directory cannot be written or read."""


class CacheError(ToolkitError):
    """The embedding cache cannot be used."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a long job that kept what it finished; the message says what and where."""


def short_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages that show a given value:
    a message never repeats a huge value (a million-element list, a 5 MB string)."""
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 20:
        return f"a {type(value).__name__} of {len(value):,} items"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 12]}... ({len(text):,} chars)"
