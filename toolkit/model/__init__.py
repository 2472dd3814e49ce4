"""The fitted topic model: :class:`TopicBridge` (fit, transform, curate, save, load, report).

Modules: ``bridge`` (the estimator), ``fitting`` (the fit pipeline ``run_experiment`` shares),
``assign`` (new units by nearest training units), ``curate`` and ``describe`` (merging,
renaming, reducing, and describing the result), ``inputs`` (documents from Python),
``store`` and ``persist`` (the model folder: JSON plus arrays, checksummed, no pickle),
``rundir`` and ``manifest`` (a model as a run directory).
"""

from toolkit.model.bridge import TopicBridge

__all__ = ["TopicBridge"]
