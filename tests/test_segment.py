"""Tests for toolkit.corpus.segment: paragraphs, sentences, windows, merging, no loss."""

from __future__ import annotations

import re

import pytest

from toolkit.corpus.segment import UNITS, segment_text, split_paragraphs, split_sentences
from toolkit.errors import ConfigError


def _chars(texts: list[str] | str) -> str:
    joined = "".join(texts) if isinstance(texts, list) else texts
    return re.sub(r"\s+", "", joined)


# -- paragraphs --------------------------------------------------------------------------

def test_blank_lines_separate_paragraphs():
    assert split_paragraphs("Eins ist hier.\n\nZwei ist da.\n \n\nDrei.") == [
        "Eins ist hier.", "Zwei ist da.", "Drei."]


def test_single_line_breaks_separate_paragraphs_of_news_pages():
    text = "Konferenz in Lang Son.\nDie Delegationen nahmen teil.\nMai Thu"
    assert split_paragraphs(text) == ["Konferenz in Lang Son.", "Die Delegationen nahmen teil.",
                                      "Mai Thu"]


def test_hard_wrapped_lines_are_joined():
    text = "Die Konferenz fand in der Provinz\nstatt und dauerte zwei Tage.\nNeuer Absatz."
    assert split_paragraphs(text) == [
        "Die Konferenz fand in der Provinz statt und dauerte zwei Tage.", "Neuer Absatz."]


def test_paragraphs_of_empty_text():
    assert split_paragraphs("") == []
    assert split_paragraphs("\n\n \n") == []


# -- sentences ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Президент В. В. Путин прибыл в Пекин. Встреча прошла успешно.", "ru",
         ["Президент В. В. Путин прибыл в Пекин.", "Встреча прошла успешно."]),
        ("Это важно, т. е. необходимо. В 2021 г. клиника открылась.", "ru",
         ["Это важно, т. е. необходимо.", "В 2021 г. клиника открылась."]),
        ("Более 306 тыс. граждан Китая прошли лечение. Это рекорд.", "ru",
         ["Более 306 тыс. граждан Китая прошли лечение.", "Это рекорд."]),
        ("«Мы готовы!» — сказал он. Потом ушёл.", "ru",
         ["«Мы готовы!» — сказал он.", "Потом ушёл."]),
        ("Das gilt z. B. für Kliniken. Die Nr. 5 ist neu. Dr. Müller kam.", "de",
         ["Das gilt z. B. für Kliniken.", "Die Nr. 5 ist neu.", "Dr. Müller kam."]),
        ("Äpfel, Birnen usw. sind gesund. Obst usw. Danach Gemüse.", "de",
         ["Äpfel, Birnen usw. sind gesund.", "Obst usw.", "Danach Gemüse."]),
        ("Zum 75. Jahrestag kamen viele. Im Jahr 2025. Danach nicht.", "de",
         ["Zum 75. Jahrestag kamen viele.", "Im Jahr 2025.", "Danach nicht."]),
        ("Sie fragte: „Kommst du?“ Er sagte nein.", "de",
         ["Sie fragte: „Kommst du?“", "Er sagte nein."]),
        ("He met Mr. Smith at 5 p.m. on Monday. U.S. policy changed.", "en",
         ["He met Mr. Smith at 5 p.m. on Monday.", "U.S. policy changed."]),
    ],
)
def test_abbreviations_initials_and_quotes(text, lang, expected):
    assert split_sentences(text, lang) == expected


def test_decimal_numbers_do_not_split():
    assert split_sentences("Der Wert stieg auf 3.5 Prozent. Er lag bei 1,6 Mio. Euro.", "de") == [
        "Der Wert stieg auf 3.5 Prozent.", "Er lag bei 1,6 Mio. Euro."]


def test_ellipsis_splits_only_before_a_new_sentence():
    assert split_sentences("Он сказал... И ушёл. Она подумала… и осталась.", "ru") == [
        "Он сказал...", "И ушёл.", "Она подумала… и осталась."]


def test_ordinal_rule_applies_only_to_languages_with_ordinal_dots():
    assert split_sentences("Es kamen 120. Danach keiner.", "en") == ["Es kamen 120.", "Danach keiner."]
    assert split_sentences("Am 3. Oktober feiern wir.", "de") == ["Am 3. Oktober feiern wir."]


def test_chinese_end_marks_and_closing_quotes():
    text = "今天天气很好。我们去公园吧！你去吗？他说：“好的。”然后走了；大家很高兴。"
    assert split_sentences(text, "zh") == [
        "今天天气很好。", "我们去公园吧！", "你去吗？", "他说：“好的。”", "然后走了；", "大家很高兴。"]


@pytest.mark.parametrize("text,expected", [
    # seed 003: an opening quote after the full stop starts the next sentence
    ("与32个国家医疗专业机构建立合作关系。“一带一路”倡议提出以来，省医促会积极践行国际医学交流。",
     ["与32个国家医疗专业机构建立合作关系。", "“一带一路”倡议提出以来，省医促会积极践行国际医学交流。"]),
    ("他说：“我们明天出发。”然后就走了。", ["他说：“我们明天出发。”", "然后就走了。"]),
    ("真的吗？‘好’字怎么写？", ["真的吗？", "‘好’字怎么写？"]),
    ("会议结束了！《人民日报》报道了此事。", ["会议结束了！", "《人民日报》报道了此事。"]),
    ("真的吗？（笑）不是。", ["真的吗？", "（笑）不是。"]),
    ("他问：“你来吗？”（他笑了。）我们走吧。", ["他问：“你来吗？”", "（他笑了。）", "我们走吧。"]),
    ("他说:\"好的。\"我们走吧。\"走!\"他喊道。", ["他说:\"好的。\"", "我们走吧。", "\"走!\"", "他喊道。"]),
    ("会议很成功。【新闻】明天继续。", ["会议很成功。", "【新闻】明天继续。"]),
    # Japanese: 「」 and 『』 open and close the same way
    ("東京に行きました。「楽しかった！」と彼女は言った。", ["東京に行きました。", "「楽しかった！」", "と彼女は言った。"]),
    ("雨が降った。『源氏物語』は古典だ。", ["雨が降った。", "『源氏物語』は古典だ。"]),
    ("本当ですか？「はい。」", ["本当ですか？", "「はい。」"]),
])
def test_quotes_and_brackets_around_cjk_end_marks(text, expected):
    assert split_sentences(text) == expected


def test_seed_003_quoted_sentence_comes_out_whole(in_repo):
    from toolkit.corpus.load import read_documents

    doc = next(d for d in read_documents("seeds") if d.id.startswith("003_"))
    sentences = split_sentences(doc.text, "zh")
    start = [s for s in sentences if s.startswith("“一带一路”倡议提出以来")]
    assert len(start) == 1 and start[0].endswith("提供强有力国际技术与人才支撑。")
    assert any(s.endswith("与32个国家医疗专业机构建立合作关系。") for s in sentences)
    assert not any(s.endswith("。“") or s.startswith("一带一路”") for s in sentences)


def test_ascii_marks_after_chinese_characters_end_sentences():
    assert split_sentences("省医促会发挥国际交流优势!邀请专家来陕交流?好", "zh") == [
        "省医促会发挥国际交流优势!", "邀请专家来陕交流?", "好"]


def test_chinese_commas_do_not_split():
    text = "2023年5月,首届中国-中亚峰会在西安举行,省医促会发挥国际交流优势。"
    assert split_sentences(text, "zh") == [text]


def test_mixed_scripts():
    assert split_sentences("Mixed 中文句子。And English after. 然后中文！") == [
        "Mixed 中文句子。", "And English after.", "然后中文！"]


def test_caseless_scripts_split_after_marks():
    assert split_sentences("مرحبا بكم. هذا نص عربي.", "ar") == ["مرحبا بكم.", "هذا نص عربي."]


def test_lines_are_sentence_boundaries():
    text = "Мурашко заявил о сотрудничестве\n\nМосква. 2 сентября. INTERFAX.RU - Россия и Китай."
    assert split_sentences(text, "ru") == [
        "Мурашко заявил о сотрудничестве", "Москва.", "2 сентября.",
        "INTERFAX.RU - Россия и Китай."]


def test_no_characters_are_lost_in_sentences():
    text = ("Президент В. В. Путин прибыл.  Das gilt z. B. hier!!! 他说：“好的。”然后走了……\n\n"
            "Wirklich?! (Ja.) „Nein.“ 3.14 usw. — Ende")
    assert _chars(split_sentences(text)) == _chars(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_sentences_of_blank_text(text):
    assert split_sentences(text) == []


# -- segment_text ------------------------------------------------------------------------

SENTENCES = ("Erster Satz ist hier. Zweiter Satz ist da. Dritter Satz kommt jetzt. "
             "Vierter Satz folgt dann. Fünfter Satz zum Schluss.")


def test_units_are_the_documented_ones():
    assert UNITS == ("document", "paragraph", "sentence", "window")


def test_document_unit_keeps_the_text():
    assert segment_text("  Ein Text.\n\nZwei Absätze.  ", "document") == ["Ein Text.\n\nZwei Absätze."]


def test_blank_text_gives_no_segments():
    for unit in UNITS:
        assert segment_text(" \n ", unit) == []


def test_short_sentences_merge_into_previous():
    assert segment_text("Das ist ein langer Satz hier. Ja. Und noch ein langer Satz.", "sentence") == [
        "Das ist ein langer Satz hier. Ja.", "Und noch ein langer Satz."]


def test_short_first_sentence_merges_into_next():
    assert segment_text("Ja. Das ist ein langer Satz hier.", "sentence") == [
        "Ja. Das ist ein langer Satz hier."]


def test_short_paragraph_heading_merges_into_next_paragraph():
    text = "Поиск\n\nМурашко заявил о сотрудничестве в сфере здравоохранения.\n\nМай Тху"
    assert segment_text(text, "sentence", "ru") == [
        "Поиск Мурашко заявил о сотрудничестве в сфере здравоохранения. Май Тху"]
    assert segment_text(text, "paragraph", "ru") == [
        "Поиск Мурашко заявил о сотрудничестве в сфере здравоохранения. Май Тху"]


def test_cjk_minimum_is_counted_in_characters():
    text = "共享传统医学发展成果\n\n好的。今天我们讨论中医药文化传播。"
    assert segment_text(text, "sentence", "zh") == [
        "共享传统医学发展成果", "好的。今天我们讨论中医药文化传播。"]
    assert segment_text(text, "sentence", "zh", min_chars_cjk=20) == [
        "共享传统医学发展成果 好的。今天我们讨论中医药文化传播。"]


def test_all_short_pieces_stay_together():
    assert segment_text("Ja. Nein. Gut.", "sentence") == ["Ja. Nein. Gut."]


def test_min_zero_disables_merging():
    assert segment_text("Ja. Nein. Gut.", "sentence", min_words=0) == ["Ja.", "Nein.", "Gut."]


def test_windows_overlap():
    assert segment_text(SENTENCES, "window", window_size=2, window_overlap=1) == [
        "Erster Satz ist hier. Zweiter Satz ist da.",
        "Zweiter Satz ist da. Dritter Satz kommt jetzt.",
        "Dritter Satz kommt jetzt. Vierter Satz folgt dann.",
        "Vierter Satz folgt dann. Fünfter Satz zum Schluss.",
    ]
    assert segment_text(SENTENCES, "window") == [
        "Erster Satz ist hier. Zweiter Satz ist da. Dritter Satz kommt jetzt.",
        "Dritter Satz kommt jetzt. Vierter Satz folgt dann. Fünfter Satz zum Schluss.",
    ]


def test_windows_without_overlap_partition_the_sentences():
    windows = segment_text(SENTENCES, "window", window_size=2, window_overlap=0)
    assert len(windows) == 3
    assert _chars(windows) == _chars(SENTENCES)


def test_short_text_is_one_window():
    assert segment_text("Erster Satz ist hier.", "window", window_size=3) == ["Erster Satz ist hier."]


def test_windows_cover_every_sentence():
    text = " ".join(f"Satz Nummer {i} steht hier." for i in range(10))
    windows = segment_text(text, "window", window_size=4, window_overlap=2)
    assert set(_chars(text).split(".")) <= set(_chars(windows).split("."))
    assert windows[-1].endswith("Satz Nummer 9 steht hier.")


@pytest.mark.parametrize("unit", ["paragraph", "sentence"])
def test_no_characters_are_lost_in_segments(unit):
    text = ("Поиск\n\nМосква. 2 сентября. Россия и Китай будут углублять сотрудничество.\n"
            "Да.\n\n陕西省国际医学交流促进会\n\n好。\n\nMai Thu")
    assert _chars(segment_text(text, unit)) == _chars(text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"unit": "sentences"}, r"unit must be one of document, paragraph, sentence, window; got 'sentences'"),
        ({"unit": "window", "window_size": 0}, r"window_size must be an integer >= 1, got 0"),
        ({"unit": "window", "window_overlap": -1}, r"window_overlap must be an integer >= 0, got -1"),
        ({"unit": "window", "window_size": 2, "window_overlap": 2},
         r"window_overlap must be smaller than window_size; got window_overlap=2, window_size=2"),
        ({"unit": "sentence", "min_words": 2.5}, r"min_words must be an integer >= 0, got 2.5"),
        ({"unit": "sentence", "min_chars_cjk": True}, r"min_chars_cjk must be an integer >= 0, got True"),
    ],
)
def test_invalid_parameters_raise_config_error(kwargs, message):
    unit = kwargs.pop("unit")
    with pytest.raises(ConfigError, match=message):
        segment_text("Ein Satz.", unit, **kwargs)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Siehe Art. 5 des Gesetzes. Die No. 3 folgt.", ["Siehe Art. 5 des Gesetzes.", "Die No. 3 folgt."]),
        ("I love art. It is great.", ["I love art.", "It is great."]),
        ("I said no. Then I left.", ["I said no.", "Then I left."]),
        ("Ich mache es so. Dann gehe ich.", ["Ich mache es so.", "Dann gehe ich."]),
        ("Es kostet 5 Mio. Euro und mehr. Prof. Dr. med. Weber stimmt zu.",
         ["Es kostet 5 Mio. Euro und mehr.", "Prof. Dr. med. Weber stimmt zu."]),
        ("Клиника на ул. Ленина, д. 5 открылась. См. рис. 3 ниже.",
         ["Клиника на ул. Ленина, д. 5 открылась.", "См. рис. 3 ниже."]),
    ],
)
def test_abbreviations_that_are_also_words(text, expected):
    assert split_sentences(text) == expected
