"""The report's themes section, from a run's themes.csv, themes.json and (when scored) validation.json.

Prevalence per theme overall and per language with its interval, how each theme's units were
found (keywords, similarity) and how strongly, weak matches flagged, the most typical and the
borderline units per theme and language, and the agreement with a human coder when
``topicbridge themes score`` has been run. Runs written before units carried themes have no
themes.csv; the section is then ``None`` and the report falls back to topic themes.
"""

from __future__ import annotations

import csv
from typing import Any

from toolkit.report.data import ReportData
from toolkit.report.text import truncate
from toolkit.runs import VALIDATION_FILE, read_json

__all__ = ["theme_section", "WEAK_STRENGTH"]

#: A theme is flagged weak when none of its units has a keyword and its median unit stands less
#: than this above the units about other themes (in units of the corpus's spread of similarity
#: to the theme, its MAD): its units then look little different from the rest.
WEAK_STRENGTH = 1.0


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _cell(row: dict[str, str]) -> dict[str, Any]:
    share, low, high = (float(row[k]) for k in ("share", "low", "high"))
    return {"share": _pct(share), "interval": f"{_pct(low)}–{_pct(high)}", "units": int(row["units"]),
            "total": int(row["total"]), "value": share}


def theme_section(data: ReportData, text_limit: int = 300) -> dict[str, Any] | None:
    """Everything the themes section shows, or ``None`` for a run without unit themes."""
    root = data.run_dir
    if not (root / "themes.csv").is_file() or not (root / "themes.json").is_file():
        return None
    info = read_json(root / "themes.json", dict)
    with (root / "themes.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = [str(n) for n in info.get("names") or []]
    texts = data.texts_by_id()
    cells: dict[tuple[str, str, str], dict[str, Any]] = {
        (r["scope"], r["group"], r["theme"]): _cell(r) for r in rows}
    langs = [lang for lang in data.languages if ("lang", lang, "none") in cells]
    table = []
    for name in [*names, "none"]:
        table.append({"theme": name, "all": cells.get(("all", "", name)),
                      "langs": [cells.get(("lang", lang, name)) for lang in langs]})
    months = sorted({r["group"] for r in rows if r["scope"] == "month"})
    docs = any(r["scope"] == "doc" for r in rows)
    themes = []
    for entry in info.get("themes") or []:
        strength = entry.get("strength")
        weak = bool(entry.get("units")) and not entry.get("keyword_units") and (
            strength is None or strength < WEAK_STRENGTH)

        def examples(kind: str, entry: dict[str, Any] = entry) -> list[dict[str, Any]]:
            return [{"lang": lang, "units": [{"id": sid, "text": truncate(texts.get(sid, ""), text_limit)}
                                             for sid in ids if sid in texts]}
                    for lang, ids in sorted((entry.get(kind) or {}).items())]

        themes.append({
            "name": entry.get("name"), "units": entry.get("units", 0),
            "keyword_units": entry.get("keyword_units", 0), "embedding_units": entry.get("embedding_units", 0),
            "strength": "n/a" if strength is None else f"{strength:.2f}", "weak": weak,
            "typical": examples("typical"), "borderline": examples("borderline"),
        })
    validation = None
    if (root / VALIDATION_FILE).is_file():
        v = read_json(root / VALIDATION_FILE, dict)

        def fmt(x: Any) -> str:
            return "n/a" if x is None else f"{x:.2f}"

        validation = {
            "units": v.get("units"), "accuracy": fmt(v.get("accuracy")), "kappa": fmt(v.get("kappa")),
            "weighted": bool(v.get("weighted")),
            "rows": [{"theme": name, "precision": fmt(s.get("precision")), "recall": fmt(s.get("recall")),
                      "f1": fmt(s.get("f1")), "coded": s.get("coded", 0)}
                     for name, s in (v.get("per_theme") or {}).items()],
        }
    return {"names": names, "languages": langs, "table": table, "themes": themes, "validation": validation,
            "alpha": info.get("alpha"), "confidence": f"{100 * float(info.get('confidence', 0.95)):.0f}%",
            "bootstrap": info.get("bootstrap"), "months": len(months), "docs": docs}
