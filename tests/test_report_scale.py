"""A 100,000-unit report stays one file of at most 10 MB, its map a 50,000-point sample.

The units cycle the 3,012 vendored SIB-200 sentences (ru, de, zh), so the hover text
compresses like real text rather than like a handful of repeated sentences.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.report import write_report
from toolkit.report.figures import MAP_MAX_POINTS
from toolkit.report.packing import unpack_block
from toolkit.report.synthetic import write_synthetic_run

SIB = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200" / "ru_de_zh.jsonl"


@pytest.mark.slow
def test_100k_unit_report_is_at_most_10_mb(tmp_path):
    rows = [json.loads(line) for line in SIB.read_text("utf-8").splitlines()]
    texts = [(r["lang"], r["text"], r["label"]) for r in rows]
    cycled = [texts[i % len(texts)] for i in range(100_000)]
    run = write_synthetic_run(tmp_path / "run", texts=cycled, n_topics=42, segments_per_doc=1, malicious=False, seed=0)
    write_report(run)
    page = (run / "report.html").read_text("utf-8")
    assert len(page.encode("utf-8")) <= 10_000_000
    payload = json.loads(unpack_block(page, "report-figures"))
    points = next(f["points"] for f in payload["figures"] if f["key"] == "map")
    assert len(points["x"]) == len(points["h"]) == MAP_MAX_POINTS
    keys = {f["key"] for f in payload["figures"]}
    assert {"map", "sizes", "languages", "similarity", "hierarchy", "distance", "labels"} <= keys
