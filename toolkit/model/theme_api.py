"""The named-theme methods of :class:`~toolkit.model.TopicBridge` (a mixin, to keep bridge.py small).

``theme_info()`` is the theme counterpart of ``topic_info()``; ``theme_prevalence(by=...)``
gives the shares with their intervals (what themes.csv holds); ``assign_themes(docs)`` gives
new documents' units their themes against the fitted ones. Validation against a human coder
works on run directories: :func:`toolkit.validation.sample_for_coding` and
:func:`toolkit.validation.score_coding`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from toolkit.errors import ParameterError, TopicModelError

__all__ = ["ThemeMethods"]

_SCOPES = {None: None, "lang": "lang", "language": "lang", "doc": "doc", "document": "doc", "month": "month"}


class ThemeMethods:
    """Methods on the unit themes of a fitted model (``result_.unit_themes``)."""

    def _unit_themes(self) -> Any:
        self._check_fitted()  # type: ignore[attr-defined]
        units = self.result_.unit_themes  # type: ignore[attr-defined]
        if units is None:
            raise TopicModelError("this model has no named themes: set themes.names or themes.items and fit again")
        return units

    def theme_info(self) -> Any:
        """One row per theme (then ``none``): ``theme, units, share, low, high, keyword_units,
        embedding_units, strength, topics`` (the topics most of whose units carry it)."""
        import pandas as pd

        from toolkit.model.themes import theme_tables

        units = self._unit_themes()
        rows, info = theme_tables(units, self.corpus_, self.config_)  # type: ignore[attr-defined]
        overall = {r["theme"]: r for r in rows if r["scope"] == "all"}
        per = {e["name"]: e for e in info["themes"]}
        themes = self.result_.themes  # type: ignore[attr-defined]
        out = []
        for name in [*units.names, "none"]:
            r, e = overall[name], per.get(name, {})
            out.append({"theme": name, "units": r["units"], "share": r["share"], "low": r["low"], "high": r["high"],
                        "keyword_units": e.get("keyword_units"), "embedding_units": e.get("embedding_units"),
                        "strength": e.get("strength"),
                        "topics": [t for t, th in sorted(themes.items()) if th == name and t >= 0]})
        return pd.DataFrame(out)

    def theme_prevalence(self, by: str | None = None) -> Any:
        """Each theme's share of units with its bootstrap interval, overall (``by=None``) or per
        ``lang``, ``doc`` or ``month`` (the rows of themes.csv for that scope)."""
        import pandas as pd

        from toolkit.model.themes import theme_tables

        if by not in _SCOPES:
            raise ParameterError("by", f"must be None, 'lang', 'doc' or 'month', got {by!r}")
        units = self._unit_themes()
        rows, _ = theme_tables(units, self.corpus_, self.config_)  # type: ignore[attr-defined]
        scope = _SCOPES[by] or "all"
        return pd.DataFrame([r for r in rows if r["scope"] == scope],
                            columns=["scope", "group", "theme", "units", "total", "share", "low", "high"])

    def assign_themes(self, docs: Any, langs: Sequence[Any] | None = None, ids: Sequence[Any] | None = None,
                      dates: Sequence[Any] | None = None) -> Any:
        """New documents' units with their topic and theme: a DataFrame ``id, doc_id, lang,
        topic, theme, theme_source, theme_strength, text`` (``theme`` empty: no theme).

        The units are scored against the fitted themes (same centres, spread and bars, the
        config's keywords), so a unit gets the theme it would have had in the training corpus."""
        import pandas as pd

        from toolkit.corpus import prepare_documents
        from toolkit.model.fitting import embed_corpus, no_progress
        from toolkit.model.inputs import documents_from
        from toolkit.model.themes import assign_new_units

        units = self._unit_themes()
        config = self.config_  # type: ignore[attr-defined]
        corpus = prepare_documents(documents_from(docs, lang=langs, id=ids, date=dates), config.corpus)
        segs = corpus.segments
        if not segs:
            return pd.DataFrame(columns=["id", "doc_id", "lang", "topic", "theme", "theme_source", "theme_strength",
                                         "text"])
        vectors, _ = embed_corpus(corpus.texts, self.embedder_, config, no_progress)  # type: ignore[attr-defined]
        aligned = self.aligner_.transform(vectors, corpus.langs)  # type: ignore[attr-defined]
        topics, _, _ = self.index_.assign(aligned)  # type: ignore[attr-defined]
        new = assign_new_units(units, config, corpus, aligned, topics)
        strength = new.strength
        return pd.DataFrame({
            "id": [s.id for s in segs], "doc_id": [s.doc_id for s in segs], "lang": corpus.langs,
            "topic": np.asarray(topics).astype(int), "theme": [t or "" for t in new.labels],
            "theme_source": new.source, "theme_strength": strength, "text": [s.text for s in segs],
        })
