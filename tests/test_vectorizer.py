"""Tests for toolkit.topics.vectorizer: per-language tokens on real text."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pytest
import stopwordsiso
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import ParameterError
from toolkit.topics.vectorizer import (
    MultilingualTokenizer,
    _jieba,
    normalize_lang,
    whitespace_vectorizer,
)

SIB = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200"
SIB_LANGS = {"rus_Cyrl": "ru", "deu_Latn": "de", "zho_Hans": "zh", "eng_Latn": "en"}
URL_DEBRIS = {"http", "https", "www", "com", "org", "html", "htm", "php"}


def sib_texts(folder: str, n: int = 120) -> list[str]:
    with open(SIB / folder / "train.tsv", newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [row["text"] for _, row in zip(range(n), rows)]


@pytest.fixture(scope="module")
def tok() -> MultilingualTokenizer:
    return MultilingualTokenizer()


@pytest.fixture(scope="module")
def sib_tokens(tok: MultilingualTokenizer) -> dict[str, tuple[list[str], list[list[str]]]]:
    out = {}
    for folder, lang in SIB_LANGS.items():
        texts = sib_texts(folder)
        out[lang] = (texts, tok.tokenize_many(texts, [lang] * len(texts)))
    return out


# ---------------------------------------------------------------------- lemmas
def test_russian_inflections_collapse_to_one_lemma(tok: MultilingualTokenizer) -> None:
    text = "Медицинского туризма, медицинская помощь, медицинскому центру, медицинский туризм."
    tokens = tok.tokenize(text, "ru")
    assert tokens.count("медицинский") == 4
    assert tokens.count("туризм") == 2
    assert "медицинского" not in tokens


def test_german_plural_collapses_and_is_lowercased(tok: MultilingualTokenizer) -> None:
    tokens = tok.tokenize("Die Krankenhäuser und das Krankenhaus in den Krankenhäusern.", "de")
    assert tokens == ["krankenhaus", "krankenhaus", "krankenhaus"]


def test_english_lemmas(tok: MultilingualTokenizer) -> None:
    assert tok.tokenize("Hospitals treated the patients", "en") == ["hospital", "treat", "patient"]


def test_lemma_that_is_a_stopword_is_dropped(tok: MultilingualTokenizer) -> None:
    # "годы" is not in the Russian stopword list, but its lemma "год" is.
    assert "годы" not in stopwordsiso.stopwords("ru")
    assert tok.tokenize("Годы лечения", "ru") == ["лечение"]


def test_without_lemmas_or_stopwords_tokens_are_only_lowercased() -> None:
    plain = MultilingualTokenizer(stopwords=False, lemmatize=False)
    assert plain.tokenize("Die Krankenhäuser und Kliniken", "de") == [
        "die", "krankenhäuser", "und", "kliniken",
    ]


def test_unsupported_lemma_language_still_tokenises(tok: MultilingualTokenizer) -> None:
    # simplemma has no Vietnamese: words are kept lowercased, not lemmatised, no error.
    assert tok.tokenize("Bệnh viện Hà Nội", "vi") == ["bệnh", "viện", "hà", "nội"]


# ---------------------------------------------------------------------- Chinese
def test_jieba_loads_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    # First jieba user in this file, so clearing the cache costs no extra load.
    _jieba.cache_clear()
    _jieba()
    captured = capfd.readouterr()
    assert "Loading model" not in captured.err and "Prefix dict" not in captured.err


def test_chinese_sentences_give_real_words(tok: MultilingualTokenizer) -> None:
    tokens = tok.tokenize("中医药文化在德国越来越受欢迎，许多医院开设了针灸科。", "zh")
    assert {"中医药", "文化", "德国", "医院"} <= set(tokens)
    assert all(2 <= len(t) <= 6 for t in tokens)
    assert "，" not in "".join(tokens) and "了" not in tokens


def test_sib_chinese_has_no_sentence_long_tokens(sib_tokens) -> None:
    texts, tokens = sib_tokens["zh"]
    flat = [t for seg in tokens for t in seg if "\u4e00" <= t[0] <= "\u9fff"]
    assert len(flat) > 5 * len(texts)  # words, not one token per sentence
    assert max(len(t) for t in flat) <= 6
    assert min(len(t) for t in flat) >= 2
    assert "土耳其" in tokens[0] and "地中海" in tokens[0]


def test_max_cjk_chars_bounds_chinese_tokens() -> None:
    short = MultilingualTokenizer(max_cjk_chars=2)
    tokens = short.tokenize("中华人民共和国的中医药文化与针灸科", "zh")
    assert tokens and all(len(t) == 2 for t in tokens)


def test_chinese_numerals_and_single_characters_dropped(tok: MultilingualTokenizer) -> None:
    tokens = tok.tokenize("三十五 人 去 医院", "zh")
    assert tokens == ["医院"]


def test_chinese_inside_other_language_uses_jieba(tok: MultilingualTokenizer) -> None:
    assert tok.tokenize("Die Lehre 中医药文化 in Berlin", "de") == [
        "lehre", "中医药", "文化", "berlin",
    ]


# ---------------------------------------------------------------------- other scripts
def test_japanese_fallback(tok: MultilingualTokenizer) -> None:
    tokens = tok.tokenize("医療ツーリズムが日本で人気です", "ja")
    assert "ツーリズム" in tokens and "医療" in tokens and "日本" in tokens
    assert all(2 <= len(t) <= 6 for t in tokens)
    assert "です" not in tokens and "が" not in tokens
    assert "インターネット" in tok.tokenize("インターネット医療", "ja")  # 7 katakana, kept


def test_korean_words_by_spaces(tok: MultilingualTokenizer) -> None:
    assert tok.tokenize("의료 관광 한국", "ko") == ["의료", "관광", "한국"]


def test_unknown_language_falls_back_by_script(tok: MultilingualTokenizer) -> None:
    assert tok.tokenize("Die Ärzte und die Kliniken", None) == ["ärzte", "kliniken"]
    assert tok.tokenize("中医药文化 и больница", "und") == ["中医药", "文化", "больница"]


# ---------------------------------------------------------------------- filtering
@pytest.mark.parametrize("lang", ["ru", "de", "zh", "en"])
def test_sib_tokens_are_clean(sib_tokens, lang: str) -> None:
    _, tokens = sib_tokens[lang]
    flat = [t for seg in tokens for t in seg]
    assert flat
    stops = set(stopwordsiso.stopwords(lang)) | set(stopwordsiso.stopwords("en"))
    assert not [t for t in flat if t in stops]
    assert not [t for t in flat if any(ch.isdigit() for ch in t)]
    assert not [t for t in flat if len(t) < 2]
    assert not [t for t in flat if t in URL_DEBRIS]
    assert not [t for t in flat if any(ch.isspace() for ch in t)]
    if lang != "zh":
        assert all(t == t.lower() for t in flat)


def test_urls_numbers_and_punctuation_dropped(tok: MultilingualTokenizer) -> None:
    text = (
        "Siehe https://www.charite.de/klinik/index.html oder www.example.com, "
        "Mail an info@klinik.de, Seite klinikum.org — 2024 gab es 3,5 Mio. Covid19 Fälle!!! "
        "... ––– x"
    )
    tokens = tok.tokenize(text, "de")
    assert tokens == ["sehen", "mail", "seite", "mio", "fall"]


def test_url_next_to_chinese_text_keeps_the_chinese(tok: MultilingualTokenizer) -> None:
    tokens = tok.tokenize("访问https://www.tcm.cn/a?b=1获取中医信息，邮件info@tcm.cn咨询医院", "zh")
    assert {"获取", "中医", "信息", "咨询", "医院"} <= set(tokens)
    assert not {"https", "www", "tcm", "cn", "info"} & set(tokens)


def test_extra_stopwords_match_word_and_lemma() -> None:
    custom = MultilingualTokenizer(extra_stopwords=["Krankenhaus", "KLINIK"])
    assert custom.tokenize("Krankenhäuser, Klinik und Ärzte", "de") == ["arzt"]


def test_min_chars() -> None:
    assert MultilingualTokenizer(min_chars=5).tokenize("Arzt Ärztin Klinik", "de") == [
        "ärztin", "klinik",
    ]


@pytest.mark.parametrize("text", [None, "", float("nan"), 42, "   ", "!!!", "\x00\ud800"])
def test_non_text_gives_no_tokens(tok: MultilingualTokenizer, text) -> None:
    assert tok.tokenize(text, "de") == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=80),
    lang=st.sampled_from([None, "", "und", "ru", "de", "zh", "en", "ja", "ko", "zh-Hant",
                          "xx-YY", "wuu", "rus_Cyrl", "123", "ünï"]),
)
def test_never_raises_on_arbitrary_unicode(text: str, lang: str | None) -> None:
    tokens = MultilingualTokenizer().tokenize(text, lang)
    for token in tokens:
        assert len(token) >= 2
        assert not any(ch.isspace() for ch in token)
        assert not any(ch.isdigit() for ch in token)


def test_tokenize_many_is_deterministic(tok: MultilingualTokenizer) -> None:
    texts = sib_texts("zho_Hans", 20) + sib_texts("rus_Cyrl", 20)
    langs = ["zh"] * 20 + ["ru"] * 20
    first = tok.tokenize_many(texts, langs)
    assert first == MultilingualTokenizer().tokenize_many(texts, langs)
    assert first == [tok.tokenize(t, lang) for t, lang in zip(texts, langs)]


def test_tokenize_many_length_mismatch(tok: MultilingualTokenizer) -> None:
    with pytest.raises(ParameterError, match="^langs: got 1 languages for 2 rows"):
        tok.tokenize_many(["a", "b"], ["de"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_chars": 0}, "^min_chars: must be an integer >= 1, got 0"),
        ({"min_chars": 2.5}, "^min_chars: must be an integer >= 1, got 2.5"),
        ({"max_cjk_chars": 1}, "^max_cjk_chars: must be an integer >= 2, got 1"),
        ({"min_chars": 5, "max_cjk_chars": 3}, r"^max_cjk_chars: must be >= min_chars \(5\), got 3"),
        ({"extra_stopwords": "und"}, "^extra_stopwords: must be a list of strings"),
        ({"extra_stopwords": ["und", 3]}, "^extra_stopwords: must be a list of strings"),
        ({"extra_stopwords": None}, "^extra_stopwords: must be a list of strings, got None"),
    ],
)
def test_invalid_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        MultilingualTokenizer(**kwargs)


@pytest.mark.parametrize(
    ("tag", "code"),
    [("ru", "ru"), ("de-AT", "de"), ("zh_Hans", "zh"), ("zho_Hans", "zh"), ("wuu", "zh"),
     ("RUS", "ru"), ("und", None), (None, None), ("", None), ("ja", "ja")],
)
def test_normalize_lang(tag: str | None, code: str | None) -> None:
    assert normalize_lang(tag) == code


# ---------------------------------------------------------------------- vectorizer
def test_whitespace_vectorizer_keeps_tokens_as_given() -> None:
    vec = whitespace_vectorizer()
    docs = ["Krankenhaus 中医 e-health x", "krankenhaus 中医"]
    counts = vec.fit_transform(docs)
    names = list(vec.get_feature_names_out())
    assert names == ["Krankenhaus", "e-health", "krankenhaus", "x", "中医"]
    assert counts[:, names.index("中医")].sum() == 2


def test_whitespace_vectorizer_ngrams_min_df_and_pickle() -> None:
    vec = whitespace_vectorizer(min_df=2, ngram_range=(1, 2))
    vec.fit(["medical tourism grows", "medical tourism", "tourism"])
    assert list(vec.get_feature_names_out()) == ["medical", "medical tourism", "tourism"]
    clone = pickle.loads(pickle.dumps(vec))
    assert (clone.transform(["medical tourism"]).toarray() == [[1, 1, 1]]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ngram_range": (2, 1)}, r"^ngram_range: must be two integers .* got \(2, 1\)"),
        ({"ngram_range": (0, 1)}, "^ngram_range: must be two integers"),
        ({"ngram_range": 1}, "^ngram_range: must be two integers"),
        ({"min_df": 0}, "^min_df: must be a positive int"),
        ({"min_df": "2"}, "^min_df: must be a positive int"),
    ],
)
def test_whitespace_vectorizer_invalid(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        whitespace_vectorizer(**kwargs)
