"""Tests for toolkit.corpus.clean: one or more real-world examples per rule."""

from __future__ import annotations

import pytest

from toolkit.corpus.clean import RULE_NAMES, RULES, clean_text


def test_rule_names_are_unique_and_known():
    assert len(RULE_NAMES) == len(set(RULE_NAMES))
    assert {r.name for r in RULES} <= set(RULE_NAMES)
    for expected in ("url", "email", "photo_credit", "platform_disclaimer", "widget",
                     "navigation", "source_attribution", "non_text"):
        assert expected in RULE_NAMES


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mehr dazu unter https://www.example.de/gesundheit?id=5 im Netz.",
         "Mehr dazu unter im Netz."),
        ("Подробнее на сайте www.minzdrav.gov.ru.", "Подробнее на сайте ."),
        ("详情请见http://www.nhc.gov.cn/index.html。", "详情请见 。"),
    ],
)
def test_urls_are_removed_inside_lines(text, expected):
    cleaned, removed = clean_text(text)
    assert cleaned == expected
    assert removed["url"] == 1


def test_line_that_is_only_a_url_disappears():
    cleaned, removed = clean_text("Erster Satz.\nhttps://example.org/a/b\nZweiter Satz.")
    assert cleaned == "Erster Satz.\nZweiter Satz."
    assert removed == {"url": 1}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Fragen an presse@klinikum-example.de richten.", "Fragen an richten."),
        ("Пишите: info@clinic.ru и ждите ответа.", "Пишите: и ждите ответа."),
    ],
)
def test_emails_are_removed(text, expected):
    cleaned, removed = clean_text(text)
    assert cleaned == expected
    assert removed["email"] == 1


@pytest.mark.parametrize(
    "line",
    [
        "Foto: dpa",
        "Фото: Иван Иванов / РИА Новости",
        "图片来源：网络",
        "（图片来源于网络）",
        "(Photo: Reuters)",
        "Bild: picture alliance",
    ],
)
def test_photo_credit_lines_are_dropped(line):
    cleaned, removed = clean_text(f"Ein ganz normaler Satz.\n{line}\nNoch ein Satz.")
    assert cleaned == "Ein ganz normaler Satz.\nNoch ein Satz."
    assert removed["photo_credit"] == 1


@pytest.mark.parametrize(
    "line",
    [
        "Konferenzübersicht. Foto: La Viet",
        "Konferenzteilnehmer machen ein Erinnerungsfoto. Foto: La Viet",
        "Главный врач больницы. Фото: пресс-служба Минздрава",
        "Der Minister im Krankenhaus | Foto: dpa",
    ],
)
def test_short_caption_goes_with_its_credit(line):
    cleaned, removed = clean_text(line)
    assert cleaned == ""
    assert removed["photo_credit"] == 1


def test_long_caption_keeps_the_sentence_and_drops_the_credit():
    line = ("Herr Nguyen The Toan, Direktor des Gesundheitsamtes der Provinz Lang Son und "
            "Leiter der Delegation, sprach auf der Konferenz. Foto: La Viet")
    cleaned, removed = clean_text(line)
    assert cleaned == line.removesuffix(" Foto: La Viet")
    assert removed["photo_credit"] == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "Das sieht man auf dem Bild: eine Klinik am Rhein.",
        "Das Foto zeigt den Minister bei seinem Besuch.",
        "На фото: главный врач больницы и министр здравоохранения края обсуждают планы.",
    ],
)
def test_sentences_mentioning_photos_are_kept(sentence):
    cleaned, removed = clean_text(sentence)
    assert cleaned == sentence
    assert not removed


def test_netease_disclaimer_and_everything_after_it_go():
    text = (
        "省医促会积极动员组织医疗机构召开援建商讨会。\n\n"
        "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，"
        "本平台仅提供信息存储服务。\n\n"
        "Notice: The content above (including the pictures and videos if any) is uploaded "
        "and posted by a user of NetEase Hao, which is a social media platform and only "
        "provides information storage services.\n\n陕西社会组织\n4041文章数 553关注度"
    )
    cleaned, removed = clean_text(text)
    assert cleaned == "省医促会积极动员组织医疗机构召开援建商讨会。"
    assert removed["platform_disclaimer"] == 4


def test_english_netease_notice_alone_is_removed():
    text = ("Text body stays here.\nNotice: The content above (including the pictures and "
            "videos if any) is uploaded and posted by a user of NetEase Hao, which is a "
            "social media platform and only provides information storage services.")
    cleaned, removed = clean_text(text)
    assert cleaned == "Text body stays here."
    assert removed["platform_disclaimer"] == 1


@pytest.mark.parametrize(
    "widget",
    ["分享至", "申请入驻", "Kommentar (0)", "Kommentare (12)", "Комментарии (3)", "Поделиться",
     "Поиск", "Share", "Weiterlesen", "往期回顾 全部", "无障碍浏览 进入关怀版",
     "4041文章数 553关注度"],
)
def test_widget_lines_are_dropped(widget):
    cleaned, removed = clean_text(f"Der Artikel beginnt hier.\n\n{widget}\n\nUnd geht weiter.")
    assert cleaned == "Der Artikel beginnt hier.\n\nUnd geht weiter."
    assert removed["widget"] == 1


def test_widget_words_inside_sentences_are_kept():
    text = "Ein Kommentar (0 Sterne) zum Thema: Share Deals sind im Gesundheitswesen selten."
    assert clean_text(text) == (text, {})


@pytest.mark.parametrize(
    "crumbs",
    ["网易首页 > 网易号 > 正文 申请入驻", "Startseite › Gesundheit › Medizin",
     "Главная » Новости » Здоровье"],
)
def test_navigation_crumbs_are_dropped(crumbs):
    cleaned, removed = clean_text(f"{crumbs}\n\nText des Artikels.")
    assert cleaned == "Text des Artikels."
    assert removed["navigation"] == 1


def test_comparisons_are_not_navigation():
    text = "Die Zahl der Patienten > 500, der Ärzte > 20 und der Betten > 100 stieg."
    assert clean_text(text)[0] == text


@pytest.mark.parametrize(
    "line",
    [
        "Quelle: https://songv.langson.gov.vn/tin-tuc-su-kien/tin-hoat-dong/tang-cuong-giao-"
        "luu-y-te-viet-nam-trung-quoc.html",
        "来源：秦科技",
        "来源:秦科技",
        "Источник: ТАСС",
        "编辑：张楚懿",
        "校稿:王迩敏",
        "Source: Reuters",
        "Autor: Max Mustermann",
    ],
)
def test_source_attribution_lines_are_dropped(line):
    cleaned, removed = clean_text(f"Erster Absatz des Artikels.\n\n{line}")
    assert cleaned == "Erster Absatz des Artikels."
    assert removed["source_attribution"] == 1


def test_sentences_starting_with_source_word_are_kept():
    text = ("Источник в министерстве сообщил, что финансирование больниц увеличат.\n"
            "Quelle der Daten ist das Statistische Bundesamt.")
    assert clean_text(text) == (text, {})


def test_contact_lines_are_dropped():
    cleaned, removed = clean_text("陕西社会组织\n\n电话:029-85202629\n\nTel.: +49 (30) 123 456")
    assert cleaned == "陕西社会组织"
    assert removed["contact"] == 2


@pytest.mark.parametrize("line", ["0", "2013-2023", "***", "— — —", "12.05.2024", "👍👍"])
def test_digit_and_punctuation_lines_are_dropped(line):
    cleaned, removed = clean_text(f"Satz eins ist hier.\n{line}\nSatz zwei ist hier.")
    assert cleaned == "Satz eins ist hier.\nSatz zwei ist hier."
    assert removed["non_text"] == 1


def test_whitespace_is_collapsed_within_lines_and_paragraph_breaks_kept():
    text = "  Erste\tZeile   hier \u00a0 mit Leerraum.\r\nZweite Zeile.\n\n\n\n  \nNeuer Absatz.  "
    cleaned, removed = clean_text(text)
    assert cleaned == "Erste Zeile hier mit Leerraum.\nZweite Zeile.\n\nNeuer Absatz."
    assert not removed


def test_control_and_invisible_characters_are_removed():
    cleaned, removed = clean_text("Ge\u200bsund\x00heit\ufeff ist wichtig.")
    assert cleaned == "Gesundheit ist wichtig."
    assert removed["control_characters"] == 3


def test_empty_and_blank_text():
    assert clean_text("") == ("", {})
    assert clean_text(" \n\n \t ") == ("", {})


def test_decomposed_unicode_is_composed():
    assert clean_text("Krankenha\u0308user sind voll.")[0] == "Krankenhäuser sind voll."


def test_ordinary_news_sentences_survive_untouched():
    text = (
        "Москва. 2 сентября. INTERFAX.RU - Россия и Китай будут углублять сотрудничество.\n\n"
        "Die Konferenz ist das Ergebnis der Konkretisierung des Plans (China).\n\n"
        "2023年是我国提出共建“一带一路”倡议十周年。\n\n"
        "Mai Thu"
    )
    assert clean_text(text) == (text, {})


def test_other_platform_disclaimers_end_the_article():
    text = ("这是正文的第一句话。\n这是正文的第二句话。\n"
            "声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。\n阅读 (123)")
    cleaned, removed = clean_text(text)
    assert cleaned == "这是正文的第一句话。\n这是正文的第二句话。"
    assert removed["platform_disclaimer"] == 2


def test_disclaimer_at_the_top_removes_only_itself():
    text = ("特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。\n"
            "第一句正文。\n第二句正文。\n第三句正文。")
    cleaned, removed = clean_text(text)
    assert cleaned == "第一句正文。\n第二句正文。\n第三句正文。"
    assert removed["platform_disclaimer"] == 1
