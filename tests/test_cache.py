"""Tests of the on-disk embedding cache and the generic array cache."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit.cache.store as cache_store
import toolkit.files as files
from toolkit.cache import (
    ArrayCache,
    EmbeddingCache,
    array_key,
    default_cache_dir,
    text_hash,
)
from toolkit.cache.admin import cache_info, clear_cache
from toolkit.errors import CacheError, EmbeddingError

DIM = 8
MODEL = "fake-embedder@1"


def fake_embed(batch: list[str]) -> np.ndarray:
    """Deterministic vectors derived from the text bytes."""
    rows = [
        np.frombuffer(hashlib.sha256(t.encode("utf-8")).digest()[:DIM], dtype=np.uint8)
        for t in batch
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(batch), DIM) / 255.0


class Recorder:
    """A compute function that remembers what it was asked."""

    def __init__(self, fn=fake_embed):
        self.fn = fn
        self.calls: list[list[str]] = []

    def __call__(self, batch: list[str]) -> np.ndarray:
        self.calls.append(list(batch))
        return self.fn(batch)

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


def expected(texts: list[str]) -> np.ndarray:
    return fake_embed(texts).astype(np.float32)


def model_files(cache: EmbeddingCache, suffix: str = "") -> list[Path]:
    folder = cache.model_folder(MODEL)
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(suffix))


def make_old(path: Path) -> None:
    old = time.time() - cache_store.STALE_SECONDS - 10
    os.utime(path, (old, old))


TEXTS = ["Медицинский туризм", "Traditionelle Medizin", "中医药文化", "", "🙂 emoji", "a"]


# -- default location --------------------------------------------------------------------


def test_default_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("TOPICBRIDGE_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.setenv("TOPICBRIDGE_CACHE", "")
    assert default_cache_dir() == tmp_path / "xdg" / "topicbridge"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "topicbridge"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("TOPICBRIDGE_CACHE", "~/c")
    assert default_cache_dir() == tmp_path / "home" / "c"


# -- EmbeddingCache: behaviour ------------------------------------------------------------


def test_first_call_computes_all_second_call_hits_all(tmp_path):
    cache = EmbeddingCache(tmp_path)
    rec = Recorder()
    X, stats = cache.get_or_compute(MODEL, TEXTS, rec)
    assert stats == {"hits": 0, "misses": len(TEXTS), "computed": len(TEXTS)}
    assert X.dtype == np.float32 and X.shape == (len(TEXTS), DIM)
    np.testing.assert_array_equal(X, expected(TEXTS))

    rec2 = Recorder()
    Y, stats = cache.get_or_compute(MODEL, TEXTS, rec2)
    assert stats == {"hits": len(TEXTS), "misses": 0, "computed": 0}
    assert rec2.calls == []
    np.testing.assert_array_equal(Y, X)
    assert not isinstance(Y, np.memmap) and Y.flags.writeable


def test_order_duplicates_unicode_and_only_misses_computed(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute(MODEL, ["a", "中医药文化"], fake_embed)
    nfc, nfd = "caf\u00e9", "cafe\u0301"  # distinct byte strings, distinct keys
    texts = ["x", "a", "x", nfc, "中医药文化", nfd, "a", "x", "", ""]
    rec = Recorder()
    X, stats = cache.get_or_compute(MODEL, texts, rec)
    np.testing.assert_array_equal(X, expected(texts))
    assert rec.texts == ["x", nfc, nfd, ""]  # each missing text once, first-seen order
    assert stats == {"hits": 3, "misses": 7, "computed": 4}
    assert stats["hits"] + stats["misses"] == len(texts)


def test_misses_are_computed_in_batches_one_shard_each(tmp_path):
    cache = EmbeddingCache(tmp_path, shard_rows=4)
    texts = [f"text {i}" for i in range(10)]
    rec = Recorder()
    seen: list[int] = []
    X, _ = cache.get_or_compute(MODEL, texts + texts[:3], rec, progress=seen.append)
    assert [len(c) for c in rec.calls] == [4, 4, 2]
    assert len(model_files(cache, ".npy")) == 3 and len(model_files(cache, ".json")) == 3
    # positions newly ready per stored batch (duplicates count too); no hits, no 0 call
    assert seen == [7, 4, 2] and sum(seen) == 13
    np.testing.assert_array_equal(X, expected(texts + texts[:3]))

    seen.clear()
    cache.get_or_compute(MODEL, texts[5:] + ["new"], Recorder(), progress=seen.append)
    assert seen == [5, 1]


def test_shard_index_maps_text_hashes(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute(MODEL, ["b", "a"], fake_embed)
    (index_path,) = model_files(cache, ".json")
    index = json.loads(index_path.read_text())
    assert index["texts"] == [text_hash("b"), text_hash("a")]
    assert index["shape"] == [2, DIM] and index["dtype"] == "float32"
    assert index["model_key"] == MODEL and index["data"] == index_path.stem + ".npy"
    assert text_hash("a") == hashlib.sha256(b"a").hexdigest()


def test_models_do_not_mix(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute("model-a@1", ["t"], fake_embed)
    rec = Recorder(lambda b: np.ones((len(b), 3)))
    X, stats = cache.get_or_compute("model b/v2", ["t"], rec)
    assert stats["hits"] == 0 and X.shape == (1, 3)
    assert cache.model_folder("model-a@1") != cache.model_folder("model b/v2")


def test_empty_input(tmp_path):
    cache = EmbeddingCache(tmp_path)
    X, stats = cache.get_or_compute(MODEL, [], Recorder())
    assert X.shape == (0, 0) and stats == {"hits": 0, "misses": 0, "computed": 0}
    cache.get_or_compute(MODEL, ["a"], fake_embed)
    X, _ = cache.get_or_compute(MODEL, [], Recorder())
    assert X.shape == (0, DIM)
    assert not (tmp_path / "nothing").exists()


def test_reads_are_memory_mapped(tmp_path, monkeypatch):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute(MODEL, TEXTS, fake_embed)
    calls = []
    real_load = np.load

    def spy(*args, **kwargs):
        out = real_load(*args, **kwargs)
        calls.append((kwargs.get("mmap_mode"), type(out)))
        return out

    monkeypatch.setattr(np, "load", spy)
    cache.get_or_compute(MODEL, TEXTS, Recorder())
    assert calls and all(mode == "r" and kind is np.memmap for mode, kind in calls)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.lists(st.text(max_size=6), max_size=12),
    second=st.lists(st.text(max_size=6), max_size=12),
)
def test_property_matches_direct_computation(tmp_path_factory, first, second):
    cache = EmbeddingCache(tmp_path_factory.mktemp("prop"), shard_rows=3)
    cache.get_or_compute(MODEL, first, fake_embed)
    rec = Recorder()
    X, stats = cache.get_or_compute(MODEL, second, rec)
    if second:
        np.testing.assert_array_equal(X, expected(second))
    cached = set(first)
    assert stats["hits"] == sum(t in cached for t in second)
    assert rec.texts == list(dict.fromkeys(t for t in second if t not in cached))


# -- EmbeddingCache: errors ---------------------------------------------------------------


def test_compute_wrong_shape_is_an_embedding_error(tmp_path):
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(EmbeddingError, match=r"returned shape \(1, 8\) for 2 texts"):
        cache.get_or_compute(MODEL, ["a", "b"], lambda b: fake_embed(b[:1]))
    with pytest.raises(EmbeddingError, match="returned shape"):
        cache.get_or_compute(MODEL, ["a"], lambda b: np.zeros(8))
    with pytest.raises(EmbeddingError, match="not a numeric array"):
        cache.get_or_compute(MODEL, ["a"], lambda b: [["x"] * 8])
    assert model_files(cache, ".npy") == []


def test_non_finite_vectors_are_not_cached(tmp_path):
    cache = EmbeddingCache(tmp_path)

    def nan_embed(batch):
        out = fake_embed(batch)
        out[0, 0] = np.nan
        return out

    with pytest.raises(EmbeddingError, match="NaN or infinite values for 1 of 2 texts"):
        cache.get_or_compute(MODEL, ["a", "b"], nan_embed)
    assert model_files(cache, ".npy") == []


def test_vector_size_change_under_one_key(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute(MODEL, ["a"], fake_embed)
    with pytest.raises(CacheError, match=r"returned 3-d vectors but the cache holds 8-d"):
        cache.get_or_compute(MODEL, ["a", "b"], lambda b: np.zeros((len(b), 3)))
    # a foreign shard of another size written under the same key is refused, not mixed
    other = EmbeddingCache(tmp_path)
    folder = cache.model_folder(MODEL)
    other._write_shard(folder, MODEL, [text_hash("z")], np.zeros((1, 3), np.float32))
    with pytest.raises(CacheError, match=r"mixes vector sizes \[3, 8\]"):
        cache.get_or_compute(MODEL, ["a"], fake_embed)


def test_bad_arguments(tmp_path):
    with pytest.raises(CacheError, match="shard_rows must be a positive integer, got 0"):
        EmbeddingCache(tmp_path, shard_rows=0)
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(CacheError, match="model_key must be a non-empty string"):
        cache.get_or_compute(" ", ["a"], fake_embed)
    with pytest.raises(TypeError, match=r"texts\[1\] is float, expected str"):
        cache.get_or_compute(MODEL, ["a", float("nan")], fake_embed)


# -- EmbeddingCache: corruption recovery --------------------------------------------------


def _prime(tmp_path, texts=TEXTS):
    cache = EmbeddingCache(tmp_path, shard_rows=3)
    cache.get_or_compute(MODEL, texts, fake_embed)
    return cache


def _recovers(cache, caplog, texts=TEXTS, *, warned=True):
    rec = Recorder()
    with caplog.at_level(logging.WARNING, logger="toolkit.cache.embeddings"):
        X, stats = cache.get_or_compute(MODEL, texts, rec)
    np.testing.assert_array_equal(X, expected(texts))
    assert ("discarding corrupt" in caplog.text) is warned
    # everything is whole again: the next call computes nothing and warns nothing
    caplog.clear()
    Y, again = cache.get_or_compute(MODEL, texts, Recorder())
    np.testing.assert_array_equal(Y, X)
    assert again["hits"] == len(texts) and "discarding" not in caplog.text
    return rec, stats


def test_truncated_shard_is_recomputed(tmp_path, caplog):
    cache = _prime(tmp_path)
    first = model_files(cache, ".npy")[0]
    first.write_bytes(first.read_bytes()[:-5])
    rec, stats = _recovers(cache, caplog)
    assert stats["computed"] == 3 and len(rec.texts) == 3
    assert not first.exists() and not first.with_suffix(".json").exists()


def test_flipped_data_bytes_fail_the_checksum(tmp_path, caplog):
    cache = _prime(tmp_path)
    shard = model_files(cache, ".npy")[1]
    raw = bytearray(shard.read_bytes())
    raw[-3] ^= 0xFF
    shard.write_bytes(bytes(raw))
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logging.getLogger("toolkit.cache.embeddings").addHandler(handler)
    try:
        _, stats = _recovers(cache, caplog)
    finally:
        logging.getLogger("toolkit.cache.embeddings").removeHandler(handler)
    assert stats["computed"] == 3
    assert any("fails its checksum" in m for m in messages)


def test_flipped_header_bytes(tmp_path, caplog):
    cache = _prime(tmp_path)
    shard = model_files(cache, ".npy")[0]
    raw = bytearray(shard.read_bytes())
    raw[:6] = b"XXXXXX"
    shard.write_bytes(bytes(raw))
    _, stats = _recovers(cache, caplog)
    assert stats["computed"] == 3


def test_garbage_index_json(tmp_path, caplog):
    cache = _prime(tmp_path)
    index = model_files(cache, ".json")[0]
    index.write_text('{"format": 1, "texts": [')
    _, stats = _recovers(cache, caplog)
    assert stats["computed"] == 3 and not index.exists()


@pytest.mark.parametrize(
    "edit",
    [
        lambda e: e.update(shape=[e["shape"][0] + 1, e["shape"][1]]),
        lambda e: e["texts"].__setitem__(0, "f" * 64),  # hash list no longer matches its digest
        lambda e: e.update(sha256="0" * 64),
        lambda e: e.pop("texts"),
    ],
    ids=["shape", "hash", "checksum", "missing-field"],
)
def test_index_that_does_not_match_its_shard(tmp_path, caplog, edit):
    cache = _prime(tmp_path)
    index = model_files(cache, ".json")[0]
    entry = json.loads(index.read_text())
    edit(entry)
    index.write_text(json.dumps(entry))
    _, stats = _recovers(cache, caplog)
    assert stats["computed"] == 3


def test_non_object_json(tmp_path, caplog):
    cache = _prime(tmp_path)
    model_files(cache, ".json")[0].write_text("[1, 2]")
    _recovers(cache, caplog)


def test_deleted_index_makes_rows_misses_and_orphan_is_collected(tmp_path, caplog):
    cache = _prime(tmp_path)
    index = model_files(cache, ".json")[0]
    orphan = index.with_suffix(".npy")
    index.unlink()
    rec, stats = _recovers(cache, caplog, warned=False)  # a missing index is not corruption
    assert stats["computed"] == 3
    assert orphan.exists()  # might belong to a writer that is still busy: kept while fresh
    make_old(orphan)
    cache.get_or_compute(MODEL, ["a"], fake_embed)
    assert not orphan.exists()


def test_index_whose_data_file_is_gone(tmp_path, caplog):
    cache = _prime(tmp_path)
    shard = model_files(cache, ".npy")[0]
    shard.unlink()
    rec = Recorder()
    with caplog.at_level(logging.WARNING):
        X, stats = cache.get_or_compute(MODEL, TEXTS, rec)
    assert "its data file is missing" in caplog.text
    assert stats["computed"] == 3 and not shard.with_suffix(".json").exists()
    np.testing.assert_array_equal(X, expected(TEXTS))


def test_rows_found_in_a_second_shard_after_corruption(tmp_path, caplog):
    cache = EmbeddingCache(tmp_path)
    cache.get_or_compute(MODEL, ["a", "b"], fake_embed)
    first = model_files(cache, ".npy")[0]
    # a concurrent run stored "a" again in a shard of its own
    cache._write_shard(cache.model_folder(MODEL), MODEL, [text_hash("a")], expected(["a"]))
    make_old(first)  # make sure the first shard sorts first
    entry = json.loads(first.with_suffix(".json").read_text())
    entry["created"] = 0
    first.with_suffix(".json").write_text(json.dumps(entry))
    first.write_bytes(first.read_bytes()[:-1])
    rec = Recorder()
    with caplog.at_level(logging.WARNING):
        X, stats = cache.get_or_compute(MODEL, ["a", "b"], rec)
    assert rec.texts == ["b"] and stats["hits"] == 1
    np.testing.assert_array_equal(X, expected(["a", "b"]))


# -- atomicity and concurrency ------------------------------------------------------------


def _crash_on_replace(monkeypatch, fail_on: int = 1):
    count = {"n": 0}
    real = files.replace

    def replace(src, dst):
        if Path(dst).name == "CACHEDIR.TAG":
            return real(src, dst)
        count["n"] += 1
        if count["n"] == fail_on:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(files, "replace", replace)


@pytest.mark.parametrize("fail_on", [1, 2], ids=["before-data-rename", "before-index-rename"])
def test_failure_between_temp_write_and_rename_leaves_nothing(tmp_path, monkeypatch, fail_on):
    cache = EmbeddingCache(tmp_path)
    _crash_on_replace(monkeypatch, fail_on)
    with pytest.raises(CacheError, match="No space left on device.*cache.dir.*TOPICBRIDGE_CACHE"):
        cache.get_or_compute(MODEL, TEXTS, fake_embed)
    monkeypatch.undo()
    leftovers = [p.name for p in cache.model_folder(MODEL).iterdir()]
    assert leftovers == []  # no shard, no index, no temporary file
    rec = Recorder()
    cache.get_or_compute(MODEL, TEXTS, rec)
    assert rec.texts == TEXTS


def test_killed_writer_leftovers_are_ignored_then_collected(tmp_path):
    cache = _prime(tmp_path)
    folder = cache.model_folder(MODEL)
    tmp = folder / ".tmp-0123-shard-x.npy"
    tmp.write_bytes(b"half a shard")
    orphan = folder / f"shard-{'a' * 32}.npy"
    np.save(orphan, np.zeros((2, DIM), np.float32))
    X, stats = cache.get_or_compute(MODEL, TEXTS, Recorder())
    assert stats["hits"] == len(TEXTS) and tmp.exists() and orphan.exists()
    make_old(tmp)
    make_old(orphan)
    cache.get_or_compute(MODEL, TEXTS, Recorder())
    assert not tmp.exists() and not orphan.exists()
    assert cache_info(tmp_path)["embeddings"][MODEL]["entries"] == len(TEXTS)


def _worker(root: str, start: int, barrier) -> None:
    cache = EmbeddingCache(root, shard_rows=7)
    barrier.wait()
    texts = [f"segment {i}" for i in range(start, start + 120)]
    cache.get_or_compute(MODEL, texts, fake_embed)


def test_concurrent_writers_to_one_model_folder(tmp_path, caplog):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), s, barrier)) for s in (0, 60)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    texts = [f"segment {i}" for i in range(180)]
    rec = Recorder()
    with caplog.at_level(logging.WARNING):
        X, stats = EmbeddingCache(tmp_path).get_or_compute(MODEL, texts, rec)
    assert rec.calls == [] and stats["hits"] == 180 and "corrupt" not in caplog.text
    np.testing.assert_array_equal(X, expected(texts))
    assert not [p for p in EmbeddingCache(tmp_path).model_folder(MODEL).iterdir()
                if p.name.startswith(".tmp-")]


# -- unwritable location ------------------------------------------------------------------


def test_unwritable_location_names_path_and_setting(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    root = blocker / "cache"
    message = r"cannot write to the cache at .*a-file/cache.*`cache\.dir`.*TOPICBRIDGE_CACHE"
    with pytest.raises(CacheError, match=message):
        EmbeddingCache(root).get_or_compute(MODEL, ["a"], fake_embed)
    message = r"cannot write to the cache at .*a-file/cache/arrays/umap.*cache\.dir"
    with pytest.raises(CacheError, match=message):
        ArrayCache(root, "umap").put("k", np.zeros(3))
    # reading an unwritable, empty location is fine
    assert ArrayCache(root, "umap").get("k") is None


def test_unwritable_checked_before_computing(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("")
    rec = Recorder()
    with pytest.raises(CacheError, match="cannot write to the cache"):
        EmbeddingCache(blocker).get_or_compute(MODEL, ["a"], rec)
    assert rec.calls == []


def test_read_only_folder(tmp_path, monkeypatch):
    # chmod cannot make a folder read-only for root (CI runs as root), so the file system's
    # answer is simulated: creating any file in the cache folder is refused.
    root = tmp_path / "ro"
    real_touch = Path.touch

    def refuse(self, *a, **kw):
        if root in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_touch(self, *a, **kw)

    monkeypatch.setattr(Path, "touch", refuse)
    rec = Recorder()
    with pytest.raises(CacheError, match=r"cannot write to the cache at .*ro.*Permission denied.*cache\.dir"):
        EmbeddingCache(root).get_or_compute(MODEL, ["a"], rec)
    assert rec.calls == []


# -- ArrayCache ---------------------------------------------------------------------------


def test_array_key_is_stable_and_order_free():
    a = array_key(model="use", n_neighbors=15, params={"b": 1, "a": [1, 2]})
    assert a == array_key(params={"a": [1, 2], "b": 1}, n_neighbors=15, model="use")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != array_key(model="use", n_neighbors=16, params={"b": 1, "a": [1, 2]})
    assert array_key(x=1) != array_key(x="1")
    assert array_key(t="中医") == array_key(t="中医")
    with pytest.raises(CacheError, match="JSON-serialisable.*'arr'"):
        array_key(arr=np.zeros(2))
    with pytest.raises(CacheError, match="JSON-serialisable"):
        array_key(x=float("nan"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_array_roundtrip_memory_mapped(tmp_path, dtype):
    cache = ArrayCache(tmp_path, "umap")
    key = array_key(n=5)
    assert cache.get(key) is None
    value = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    cache.put(key, value)
    got = ArrayCache(tmp_path, "umap").get(key)
    assert isinstance(got, np.memmap) and not got.flags.writeable
    assert got.dtype == value.dtype
    np.testing.assert_array_equal(got, value)
    assert ArrayCache(tmp_path, "other").get(key) is None


def test_array_overwrite_replaces_old_data(tmp_path):
    cache = ArrayCache(tmp_path, "umap")
    cache.put("k", np.zeros(4))
    cache.put("k", np.ones((2, 2)))
    np.testing.assert_array_equal(cache.get("k"), np.ones((2, 2)))
    assert len(list(cache.folder.glob("*.npy"))) == 1


def test_array_bad_names_and_dtypes(tmp_path):
    with pytest.raises(CacheError, match=r"invalid cache namespace '\.\./x'"):
        ArrayCache(tmp_path, "../x")
    cache = ArrayCache(tmp_path, "umap")
    with pytest.raises(CacheError, match=r"invalid cache key 'a/b'.*array_key"):
        cache.get("a/b")
    with pytest.raises(CacheError, match="dtype object is not numeric"):
        cache.put("k", np.array([{}, None], dtype=object))
    with pytest.raises(CacheError, match="dtype <U1 is not numeric"):
        cache.put("k", np.array(["a"]))


def _array_files(cache: ArrayCache, key: str) -> tuple[Path, Path]:
    entry = cache.folder / f"{key}.json"
    return entry, cache.folder / json.loads(entry.read_text())["data"]


def _corrupt(kind: str, entry: Path, data: Path) -> None:
    if kind == "truncate":
        data.write_bytes(data.read_bytes()[:-4])
    elif kind == "flip":
        raw = bytearray(data.read_bytes())
        raw[-1] ^= 0x01
        data.write_bytes(bytes(raw))
    elif kind == "garbage-json":
        entry.write_bytes(b"\xff\xfe not json")
    elif kind == "wrong-shape":
        e = json.loads(entry.read_text())
        e["shape"] = [5]
        entry.write_text(json.dumps(e))
    elif kind == "missing-field":
        e = json.loads(entry.read_text())
        del e["sha256"]
        entry.write_text(json.dumps(e))
    elif kind == "foreign-data-name":
        e = json.loads(entry.read_text())
        e["data"] = "../../evil.npy"
        entry.write_text(json.dumps(e))


@pytest.mark.parametrize(
    "kind",
    ["truncate", "flip", "garbage-json", "wrong-shape", "missing-field", "foreign-data-name"],
)
def test_array_corruption_is_discarded(tmp_path, caplog, kind):
    cache = ArrayCache(tmp_path, "umap")
    cache.put("k", np.arange(6, dtype=np.float32))
    entry, data = _array_files(cache, "k")
    _corrupt(kind, entry, data)
    with caplog.at_level(logging.WARNING, logger="toolkit.cache.store"):
        assert cache.get("k") is None
    assert "discarding corrupt cache entry k" in caplog.text
    assert not entry.exists()
    cache.put("k", np.arange(6, dtype=np.float32))  # recomputed and stored again
    np.testing.assert_array_equal(cache.get("k"), np.arange(6))


def test_array_deleted_entry_or_data(tmp_path):
    cache = ArrayCache(tmp_path, "umap")
    cache.put("k", np.arange(3))
    entry, data = _array_files(cache, "k")
    data.unlink()
    assert cache.get("k") is None  # missing, not corrupt (a concurrent clear looks the same)
    cache.put("k", np.arange(3))
    entry, data = _array_files(cache, "k")
    entry.unlink()
    assert cache.get("k") is None
    assert data.exists()
    make_old(data)
    cache.put("other", np.arange(2))  # collects the orphan
    assert not data.exists()


@pytest.mark.parametrize("fail_on", [1, 2])
def test_array_put_failure_leaves_nothing_visible(tmp_path, monkeypatch, fail_on):
    cache = ArrayCache(tmp_path, "umap")
    _crash_on_replace(monkeypatch, fail_on)
    with pytest.raises(CacheError, match="No space left.*TOPICBRIDGE_CACHE"):
        cache.put("k", np.arange(3))
    monkeypatch.undo()
    assert cache.get("k") is None
    assert not [p for p in cache.folder.iterdir() if p.name.startswith(".tmp-")]


# -- info and clear -----------------------------------------------------------------------


def test_info_and_clear(tmp_path):
    root = tmp_path / "cache"
    assert cache_info(root) == {
        "root": str(root), "entries": 0, "bytes": 0, "embeddings": {}, "arrays": {},
    }
    emb = EmbeddingCache(root, shard_rows=2)
    emb.get_or_compute(MODEL, TEXTS, fake_embed)
    emb.get_or_compute("other@2", ["a", "b"], fake_embed)
    ArrayCache(root, "umap").put("k1", np.zeros((4, 2)))
    ArrayCache(root, "umap").put("k2", np.zeros((4, 2)))
    foreign = root / "keep-me.txt"
    foreign.write_text("user file")

    info = cache_info(root)
    assert info["embeddings"][MODEL]["entries"] == len(TEXTS)
    assert info["embeddings"][MODEL]["shards"] == 3 and info["embeddings"][MODEL]["dim"] == DIM
    assert info["embeddings"]["other@2"]["entries"] == 2
    assert info["arrays"] == {"umap": {"entries": 2, "bytes": info["arrays"]["umap"]["bytes"]}}
    assert info["entries"] == len(TEXTS) + 2 + 2
    on_disk = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and p != foreign)
    assert info["bytes"] == on_disk

    freed = clear_cache(root, model_key="other@2")
    assert freed == info["embeddings"]["other@2"]["bytes"]
    assert "other@2" not in cache_info(root)["embeddings"]
    assert clear_cache(root, namespace="umap") == info["arrays"]["umap"]["bytes"]
    assert cache_info(root)["arrays"] == {}

    remaining = cache_info(root)["bytes"]
    assert clear_cache(root) == remaining > 0
    assert cache_info(root)["entries"] == 0 and cache_info(root)["bytes"] == 0
    assert foreign.read_text() == "user file"  # only the cache's own files are touched
    assert clear_cache(root) == 0
    assert clear_cache(tmp_path / "never-created") == 0


def test_info_and_clear_on_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    message = r"cache location .*file is a file, not a folder.*cache\.dir"
    with pytest.raises(CacheError, match=message):
        cache_info(f)
    with pytest.raises(CacheError, match="is a file, not a folder"):
        clear_cache(f)


def test_cachedir_tag_written(tmp_path):
    ArrayCache(tmp_path, "umap").put("k", np.zeros(1))
    assert (tmp_path / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55"
    )
