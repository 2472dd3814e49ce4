"""Tests for toolkit.corpus.langid on real sentences in many languages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from toolkit.corpus.langid import LanguageIdentifier, normalize_language_code, supported_languages
from toolkit.errors import ConfigError

SIB = Path(__file__).resolve().parents[1] / "experiments" / "data" / "sib200"


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Начальник Бюро здравоохранения города Фуюань отметил географическую близость "
         "краевого центра.", "ru"),
        ("Глава Минздрава РФ в Пекине провел встречу с председателем Госкомиссии КНР.", "ru"),
        ("Die Parteien einigten sich auf zahlreiche wichtige Kooperationsrichtungen für den "
         "Zeitraum 2025-2026.", "de"),
        ("Auf der Konferenz unterzeichneten die Parteien das Protokoll.", "de"),
        ("省医促会坚持探索中西医共同发展路径,为传播中医药文化、服务人类健康事业提供可行性方案。", "zh"),
        ("The hospital opened a new wing for patients from across the border.", "en"),
        ("L'hôpital a ouvert une nouvelle aile pour les patients étrangers.", "fr"),
        ("El hospital abrió una nueva ala para los pacientes extranjeros.", "es"),
        ("Лікарня відкрила нове крило для пацієнтів з-за кордону.", "uk"),
        ("Szpital otworzył nowe skrzydło dla pacjentów z zagranicy.", "pl"),
        ("Hastane, yurt dışından gelen hastalar için yeni bir bölüm açtı.", "tr"),
        ("افتتح المستشفى جناحا جديدا للمرضى القادمين من الخارج.", "ar"),
        ("病院は海外からの患者のために新しい病棟を開設した。", "ja"),
        ("병원은 해외 환자를 위한 새 병동을 열었다.", "ko"),
        ("Το νοσοκομείο άνοιξε μια νέα πτέρυγα για ασθενείς από το εξωτερικό.", "el"),
        ("Bệnh viện đã mở một khu mới cho bệnh nhân nước ngoài.", "vi"),
    ],
)
def test_real_sentences(ident, text, lang):
    assert ident.detect(text) == lang
    found, confidence = ident.detect_with_confidence(text)
    assert found == lang
    assert 0.5 < confidence <= 1.0


def test_short_chinese_phrase_maps_wu_to_chinese(ident):
    # py3langid alone calls this 'wuu' (Wu Chinese).
    assert ident.detect("中医药文化") == "zh"


def test_chinese_with_latin_names_stays_chinese(ident):
    text = "马鲁基多尔 (Maroochydore) 随后在预决赛中击败了卡布尔彻 (Caboolture)。"
    assert ident.detect(text) == "zh"


def test_latin_text_is_never_a_cjk_language(ident):
    for text in ("The Report", "The Cook", "In 1994,", "The East"):
        assert ident.detect(text) not in {"zh", "ja", "ko"}


def test_a_few_chinese_characters_in_german_do_not_make_it_chinese(ident):
    assert ident.detect("Das Restaurant 北京饭店 liegt mitten in Berlin am Fluss.") == "de"


@pytest.mark.parametrize("text", ["", "   ", "1994", "2013-2023", "!!! ???", "👍👍", "029-85202629"])
def test_text_without_letters_has_no_language(ident, text):
    assert ident.detect(text) is None
    assert ident.detect_with_confidence(text) == (None, 0.0)


def test_detect_many_matches_detect(ident):
    texts = ["Das ist ein deutscher Satz.", "Это русское предложение.", "", "这是中文句子。"]
    assert ident.detect_many(texts) == ["de", "ru", None, "zh"]
    assert ident.detect_many(iter(texts)) == ["de", "ru", None, "zh"]


def test_candidates_restrict_the_answers():
    restricted = LanguageIdentifier(["ru", "de", "zh"])
    # Two Russian words alone are often taken for Bulgarian or Serbian.
    assert restricted.detect("Встреча состоялась") == "ru"
    assert restricted.detect("中医药文化") == "zh"
    assert restricted.detect("Kooperation") in {"ru", "de", "zh"}


def test_candidates_accept_variants_and_regions():
    restricted = LanguageIdentifier(["zh-CN", "DE", "rus"])
    assert restricted.detect("Die Konferenz fand in Lang Son statt.") == "de"
    assert restricted.detect("Встреча состоялась в Пекине.") == "ru"


def test_short_russian_is_unsure_without_candidates(ident):
    lang, confidence = ident.detect_with_confidence("Встреча")
    assert confidence < 0.9 or lang == "ru"


@pytest.mark.parametrize(
    "candidates, message",
    [
        (["ru", "xx"], r"unsupported language code 'xx' in the language candidates"),
        (["klingon"], r"unsupported language code 'klingon'"),
        ([], r"the language candidates are empty"),
        ("ru,de", r"must be a list of codes such as \['ru', 'de'\], got the string 'ru,de'"),
    ],
)
def test_bad_candidates_raise_config_error(candidates, message):
    with pytest.raises(ConfigError, match=message):
        LanguageIdentifier(candidates).detect("Ein Satz.")


def test_bad_candidates_are_reported_even_for_text_without_letters():
    with pytest.raises(ConfigError, match="unsupported language code 'xx'"):
        LanguageIdentifier(["xx"]).detect("123")


@pytest.mark.parametrize(
    "code, expected",
    [("de", "de"), ("DE", "de"), ("de-AT", "de"), ("zh_Hans", "zh"), ("wuu", "zh"),
     ("yue", "zh"), ("arz", "ar"), ("nn", "no"), ("rus", "ru"), ("zxx", None), ("", None),
     (None, None), ("ace", "ace")],
)
def test_normalize_language_code(code, expected):
    assert normalize_language_code(code) == expected


def test_supported_languages_are_normalized_codes():
    langs = supported_languages()
    assert {"ru", "de", "zh", "en", "ja", "ar"} <= set(langs)
    assert "wuu" not in langs and "zxx" not in langs
    assert langs == sorted(langs)


def test_repr():
    assert repr(LanguageIdentifier(["ru"])) == "LanguageIdentifier(candidates=['ru'])"


def _sib(folder: str) -> list[str]:
    texts: list[str] = []
    for split in ("dev", "test"):
        with open(SIB / folder / f"{split}.tsv", encoding="utf-8", newline="") as fh:
            texts.extend(row["text"] for row in csv.DictReader(fh, delimiter="\t"))
    return texts


@pytest.mark.skipif(not SIB.is_dir(), reason="SIB-200 data not present")
@pytest.mark.parametrize("folder, lang", [("rus_Cyrl", "ru"), ("deu_Latn", "de"),
                                          ("zho_Hans", "zh"), ("eng_Latn", "en")])
def test_sib200_sentences_are_at_least_99_percent_right(ident, folder, lang):
    texts = _sib(folder)
    answers = ident.detect_many(texts)
    accuracy = sum(a == lang for a in answers) / len(texts)
    assert accuracy >= 0.99, accuracy


def test_a_stray_kana_does_not_make_chinese_japanese(ident):
    assert ident.detect("他们在日本买了很多の产品，然后回到北京开了一家商店。") == "zh"
    assert ident.detect("東京で新しい病院が開かれました。") == "ja"


def test_cyrillic_text_is_never_a_latin_script_language():
    restricted = LanguageIdentifier(["ru", "de", "en", "fr"])
    assert restricted.detect("Да") == "ru"
