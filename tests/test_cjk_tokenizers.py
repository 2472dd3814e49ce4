"""Japanese and Korean topic words from morphological analysers; Traditional Chinese via OpenCC."""

import csv
import logging
from pathlib import Path

import pytest

from toolkit.topics import analysers
from toolkit.topics.vectorizer import MultilingualTokenizer

DATA = Path(__file__).resolve().parent / "data"
PARTICLES_JA = {"が", "を", "は", "に", "で", "の", "と", "も", "へ", "から", "まで", "より"}
PARTICLES_KO = {"은", "는", "이", "가", "을", "를", "에", "의", "도", "로", "와", "과", "에서"}


def _tsv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


JA = [r["text"] for r in _tsv(DATA / "ja_sib_like.tsv")]
KO = [r["text"] for r in _tsv(DATA / "sib200" / "kor_Hang.tsv")]


@pytest.fixture(scope="module")
def tok():
    return MultilingualTokenizer()


def test_japanese_words_are_dictionary_content_words(tok):
    from sudachipy import Dictionary, SplitMode

    sudachi = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    words = {w for text in JA for w in tok.tokenize(text, "ja")}
    assert {"外国人", "医療費", "受け入れる", "インターネット", "望遠鏡", "人工知能", "美しい"} <= words
    assert not words & PARTICLES_JA
    for word in words:
        morphemes = sudachi.tokenize(word)
        assert len(morphemes) == 1, word  # one dictionary word, not a fragment or bigram
        m = morphemes[0]
        assert not m.is_oov(), word
        assert m.part_of_speech()[0] in {"名詞", "動詞", "形容詞", "形状詞"}, word


def test_japanese_fallback_bigrams_are_gone(tok):
    # the fallback made 医療, 療費 and 外国, 国人 out of these
    assert tok.tokenize("外国人患者の医療費が高い。", "ja") == ["外国人", "患者", "医療費", "高い"]


def test_korean_words_are_dictionary_content_words(tok):
    words = [w for text in KO for w in tok.tokenize(text, "ko")]
    vocabulary = set(words)
    assert len(words) > 1000
    assert not vocabulary & PARTICLES_KO
    # no word is a space-separated word that still carries its particle (터키는, 병원은)
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    with_particle = set()
    for text in KO:
        for run in text.split():
            if any(t.tag.startswith("J") for t in kiwi.tokenize(run)):
                with_particle.add(run.strip(".,!?\"'()"))
    assert len(with_particle) > 500
    # Kiwi reads a few unknown foreign names whole (피콜로가 as a name): under 1% of the words
    left = vocabulary & with_particle
    assert len(left) <= 0.01 * len(vocabulary), sorted(left)
    spaced = {run for text in KO for run in text.split()}
    assert "터키" in vocabulary and "바다" in vocabulary
    assert "터키는" in spaced and "터키는" not in vocabulary
    assert any(w.endswith("다") for w in words)  # verbs and adjectives as lemmas


def test_korean_topic_words_have_no_particles():
    from toolkit import TopicBridge

    rows = _tsv(DATA / "sib200" / "kor_Hang.tsv")
    model = TopicBridge(seed=1, corpus__unit="document", embedding__model="hashing", clustering__method="kmeans",
                        clustering__n_clusters=4, topics__outliers="none", output__map=False,
                        cache__enabled=False, umap__n_neighbors=10)
    model.fit([r["text"] for r in rows], langs=["ko"] * len(rows))
    words = [w for kw in model.result_.keywords.values() for w, _ in kw]
    assert len(words) >= 20
    assert not set(words) & PARTICLES_KO
    assert not any(w[-1] in "은는을를" and len(w) > 2 for w in words), words


def test_traditional_chinese_is_segmented_like_simplified_and_stays_traditional(tok):
    trad = tok.tokenize("醫療旅遊業發展迅速，醫院與診所提供國際服務。", "zh")
    simp = tok.tokenize("医疗旅游业发展迅速，医院与诊所提供国际服务。", "zh")
    assert trad == ["醫療", "旅遊業", "發展", "迅速", "醫院", "診所", "提供", "國際", "服務"]
    assert len(trad) == len(simp) and [len(w) for w in trad] == [len(w) for w in simp]


def test_fallback_without_the_analysers_warns_once(monkeypatch, caplog):
    from toolkit.topics import vectorizer

    monkeypatch.setattr(vectorizer, "japanese_analyser", lambda: None)
    monkeypatch.setattr(vectorizer, "korean_analyser", lambda: None)
    monkeypatch.setattr(vectorizer, "traditional_to_simplified", lambda: None)
    vectorizer._warn_fallback.cache_clear()
    tok = MultilingualTokenizer()
    with caplog.at_level(logging.WARNING, logger="toolkit.topics.vectorizer"):
        ja = tok.tokenize("インターネットの医療", "ja")
        ko = tok.tokenize("서울의 병원은", "ko")
        tok.tokenize("病院に行く", "ja")
    assert ja == ["インターネット", "医療"] and ko == ["서울의", "병원은"]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert all('pip install "topicbridge[cjk]"' in m for m in messages)
    vectorizer._warn_fallback.cache_clear()


def test_loaders_return_none_without_their_package(monkeypatch):
    import builtins

    real = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name.split(".")[0] in {"sudachipy", "kiwipiepy", "opencc"}:
            raise ImportError(name)
        return real(name, *args, **kwargs)

    for loader in (analysers.japanese_analyser, analysers.korean_analyser, analysers.traditional_to_simplified):
        loader.cache_clear()
    monkeypatch.setattr(builtins, "__import__", blocked)
    try:
        assert analysers.japanese_analyser() is None
        assert analysers.korean_analyser() is None
        assert analysers.traditional_to_simplified() is None
    finally:
        monkeypatch.setattr(builtins, "__import__", real)
        for loader in (analysers.japanese_analyser, analysers.korean_analyser, analysers.traditional_to_simplified):
            loader.cache_clear()
