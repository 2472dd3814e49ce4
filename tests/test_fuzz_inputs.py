"""Property tests: random bytes and JSON to every corpus reader, random keys and values to --set.

Only two outcomes are allowed: it works, or a ToolkitError (one clear message). A fixed example
budget and derandomised examples keep CI time and results stable.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.config import ExperimentConfig, apply_overrides, config_from_dict
from toolkit.config_docs import iter_keys
from toolkit.corpus import read_documents
from toolkit.errors import ToolkitError

BUDGET = settings(max_examples=200, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
KEYS = [path for path, *_ in iter_keys()]


def read_only(path: Path, fmt: str = "auto") -> None:
    try:
        docs = read_documents(path, fmt)
    except ToolkitError:
        return
    assert docs and all(isinstance(d.text, str) for d in docs)


@BUDGET
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".jsonl", ".csv", ".tsv", ".txt"]))
def test_random_bytes_in_any_reader(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"c{suffix}"
        path.write_bytes(data)
        read_only(path)
        if suffix == ".txt":
            read_only(Path(tmp), "txt")  # the folder form


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
records = st.dictionaries(st.sampled_from(["id", "text", "lang", "date", "label", "group", "x"]), json_values,
                          max_size=6)


@BUDGET
@given(lines=st.lists(st.one_of(records, json_values), min_size=1, max_size=6))
def test_random_json_lines(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.jsonl"
        path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
        read_only(path)


@BUDGET
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=4), min_size=1, max_size=6))
def test_random_csv_cells(rows):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([["text", "id", "date", "lang"][:max(len(r) for r in rows)]] + rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        read_only(path)


values = st.one_of(st.text(max_size=30), st.integers().map(str), st.floats().map(repr),
                   st.sampled_from(["[1, 2]", "{a: 1}", "null", "true", "1e309", "-1", "&a [x]", "*a", "'"]))
key_paths = st.one_of(st.sampled_from(KEYS), st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", min_size=1,
                                                       max_size=25))


@BUDGET
@given(items=st.lists(st.tuples(key_paths, values), min_size=1, max_size=4))
def test_random_set_overrides(items):
    overrides = [f"{k}={v}" for k, v in items]
    try:
        config = config_from_dict(apply_overrides({"corpus": {"path": "x.jsonl"}}, overrides), "--set")
    except ToolkitError:
        return
    assert isinstance(config, ExperimentConfig)
