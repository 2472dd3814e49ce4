"""Remove web-page debris from news text, line by line, with a table of named rules.

Scraped news pages carry more than the article: photo credits, share buttons, navigation
crumbs, platform disclaimers, source lines. :func:`clean_text` applies a table of small
named rules (:data:`RULES`) and reports how many lines or items each one removed, so a run
can say what cleaning did. A rule is one entry in the table; adding one is one line.

Rules come in three kinds:

* ``drop_line``: the whole (stripped) line matches the pattern, so the line goes;
* ``remove``: every match inside a line is deleted (URLs, e-mail addresses);
* ``cut_after``: the line marks the end of the article (a platform disclaimer), so it and
  every line after it go (only the line itself when it stands in the first half of the
  page, where it cannot be the closing one).

Paragraph breaks (blank lines) survive as ``"\\n\\n"``; whitespace inside a line is
collapsed to single spaces. Rules match whole lines or clearly delimited items only, so an
ordinary sentence is never removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Rule", "RULES", "RULE_NAMES", "clean_text"]

@dataclass(frozen=True)
class Rule:
    """One named cleaning rule.

    Attributes
    ----------
    name : str
        The key under which removals are counted.
    kind : {"drop_line", "remove", "cut_after", "custom"}
        How the rule acts on a line (see the module docstring).
    pattern : re.Pattern or None
        The pattern for ``drop_line``, ``remove`` and ``cut_after`` rules.
    func : callable or None
        For ``custom`` rules: ``func(line) -> (new_line_or_None, n_removed)``.
    """

    name: str
    kind: Literal["drop_line", "remove", "cut_after", "custom"]
    pattern: re.Pattern[str] | None = None
    func: Callable[[str], tuple[str | None, int]] | None = None

    def apply(self, line: str) -> tuple[str | None, int]:
        """Apply the rule to one stripped line; return the new line (or None) and a count."""
        if self.kind == "custom":
            assert self.func is not None
            return self.func(line)
        assert self.pattern is not None
        if self.kind == "remove":
            new, n = self.pattern.subn(" ", line)
            return new, n
        if self.pattern.fullmatch(line):
            return None, 1
        return line, 0


def _drop(name: str, pattern: str) -> Rule:
    return Rule(name, "drop_line", re.compile(pattern, re.IGNORECASE))


def _remove(name: str, pattern: str) -> Rule:
    return Rule(name, "remove", re.compile(pattern, re.IGNORECASE))


def _cut_after(name: str, pattern: str) -> Rule:
    return Rule(name, "cut_after", re.compile(pattern, re.IGNORECASE))


# --- building blocks -----------------------------------------------------------------

_COLON = r"\s*[:：]\s*"
# Words that introduce a photo credit in several languages.
_PHOTO = (
    r"(?:Fotos?|Photos?|Bild(?:er)?|Image|Picture|Credit|Фото(?:графия)?|Фотографии|"
    r"Ảnh|Zdjęcie|Fot\.|Fuente de la imagen|图片来源|图片|图源|摄影|照片|写真)"
)
# Labels of a line that only says where the text came from or who edited it.
_SOURCE = (
    r"(?:本文来源|文章来源|稿件来源|Quelle|Quellen|Source|Sources|Источник|Источники|Fonte|Fuente|Źródło|Bron|"
    r"Kaynak|来源|來源|出处|信息来源|编辑|責任編輯|责任编辑|责编|校稿|校对|审核|审校|"
    r"终审|初审|复审|作者|记者|撰稿|撰文|文字|翻译|编译|Redaktion|Редактор|Редакция|"
    r"Автор|Autor|Autorin|Editor|Edited by|Reporter|Via)"
)
_CONTACT = (
    r"(?:电话|联系电话|传真|Tel\.?|Telefon|Telephone|Phone|Fax|Телефон|Тел\.)"
)
# Share/subscribe/comment widgets and other interface words that stand on a line alone.
_WIDGETS = (
    r"分享至|分享到|分享|申请入驻|举报|收藏|点赞|评论|阅读原文|返回搜狐，?查看更多|"
    r"往期回顾(?:\s*全部)?|专题推荐|无障碍浏览(?:\s*进入关怀版)?|进入关怀版|打开APP|"
    r"(?:Kommentare?|Comments?|Комментари[ийя]|评论)\s*\(\s*\d+\s*\)|Kommentare?|"
    r"Comments?|Комментарии|Поиск|Suche|Search|Teilen|Share(?: this)?|Поделиться|"
    r"Subscribe|Abonnieren|Подписаться|Drucken|Print|Печать|Anzeige|Advertisement|"
    r"Реклама|Werbung|Weiterlesen|Read more|Читать далее|Mehr zum Thema:?|"
    r"Lesen Sie auch:?|Читайте также:?|Смотрите также:?|Related:?|Top News|"
    r"\d+\s*文章数\s*\d+\s*关注度"
)

_URL = r"(?:https?://|ftp://|www\.)[^\s<>\"'“”«»（）()]+[^\s<>\"'“”«»（）().,;:!?。，；：！？]"
# Possessive quantifiers and the look-behind keep these linear on megabyte-long lines.
_EMAIL = r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++"

# A line ending in a photo credit, e.g. "Konferenzübersicht. Foto: La Viet". The credit
# must follow a sentence end, a separator or an opening bracket, so "... auf dem Bild: eine
# Klinik" inside a sentence is left alone.
_TRAILING_CREDIT = re.compile(
    r"^(?P<before>.*?[.!?。！？…)\]\"”»]|.*?\s[|/–—-]|.*?[(\[（]|)\s*[(\[（]?\s*"
    + _PHOTO + _COLON
    + r"(?P<who>[^.!?。！？:：]{1,60}?)\s*[)\]）]?\s*$",
    re.IGNORECASE,
)
# A caption shorter than this (words, or CJK characters / 2) goes with its credit.
_SHORT_CAPTION_WORDS = 10
_CJK_RE = re.compile(r"[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                     r"\uac00-\ud7af\uf900-\ufaff]")


def _caption_credit(line: str) -> tuple[str | None, int]:
    """Drop a trailing photo credit, and the caption too when it is short."""
    match = _TRAILING_CREDIT.match(line)
    if match is None:
        return line, 0
    before = match.group("before").rstrip(" |/–—-([（").strip()
    n_cjk = len(_CJK_RE.findall(before))
    n_words = len(before.split()) + n_cjk // 2
    if n_words < _SHORT_CAPTION_WORDS:
        return None, 1
    return before, 1


def _nav_crumbs(line: str) -> tuple[str | None, int]:
    """Drop a navigation crumb line such as ``网易首页 > 网易号 > 正文``.

    Three or more short parts (at most four words, no sentence punctuation) joined by
    ``>``, ``›``, ``»`` or ``|``; a line ending like a sentence is never a crumb.
    """
    if len(line) > 150 or re.search(r"[.!?。！？,，;；:：]$", line):
        return line, 0
    parts = re.split(r"\s*[>›»|]\s*", line)
    if len(parts) >= 3 and all(
        0 < len(p) <= 40 and len(p.split()) <= 4 and any(c.isalpha() for c in p)
        and not re.search(r"[.!?。！？,，;；]", p)
        for p in parts
    ):
        return None, 1
    return line, 0


#: The cleaning rules, applied in this order to each line.
RULES: tuple[Rule, ...] = (
    _cut_after("platform_disclaimer",
               r"(?:特别声明|特別聲明|免责声明|免責聲明|声明)" + _COLON + r".*(?:平台|服务|服務|存储).*"
               r"|Notice:\s*The content above.*NetEase.*"),
    _drop("photo_credit", r"[(\[（]?\s*" + _PHOTO + _COLON + r".{0,80}?[)\]）]?"),
    _drop("photo_credit", r"[(\[（]?\s*图片(?:来源|来自|源自)于?[^)\]）]{0,30}[)\]）]?"),
    Rule("photo_credit", "custom", func=_caption_credit),
    _drop("source_attribution", _SOURCE + _COLON + r"\S.{0,80}"),
    _drop("source_attribution", _SOURCE + _COLON + r"(?:https?://|www\.)\S*"),
    _drop("contact", _CONTACT + _COLON + r"[\d\s()+\-/.,]{5,}"),
    _drop("widget", r"(?:" + _WIDGETS + r")"),
    Rule("navigation", "custom", func=_nav_crumbs),
    _remove("url", _URL),
    _remove("email", _EMAIL),
    _drop("non_text", r"[\W\d_]+"),
)

#: The distinct rule names, in table order, plus the whitespace/control-character rule.
RULE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(r.name for r in RULES)) + (
    "control_characters",
)

# Characters that end a line (besides "\n") and invisible characters to remove.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u200b\u2060\ufeff\ufffe]")
_SPACES = re.compile(r"\s+")  # Unicode-aware: includes NBSP, ideographic space ...


def clean_text(text: str) -> tuple[str, Counter[str]]:
    """Remove web-page debris from a text.

    Parameters
    ----------
    text : str
        Raw text as read from a corpus file.

    Returns
    -------
    cleaned : str
        The text with debris removed, whitespace collapsed inside lines, lines joined by
        ``"\\n"`` and paragraph breaks kept as one blank line (``"\\n\\n"``); no leading or
        trailing whitespace.
    removed : collections.Counter
        How many lines or items each rule (by name, see :data:`RULE_NAMES`) removed.
        Rules that removed nothing are absent.

    Examples
    --------
    >>> clean_text("Quelle: https://example.org/a\\nDer Text bleibt.")
    ('Der Text bleibt.', Counter({'source_attribution': 1}))
    """
    removed: Counter[str] = Counter()
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text, n_invisible = _INVISIBLE.subn("", text)
    if n_invisible:
        removed["control_characters"] += n_invisible

    out: list[str] = []
    lines = text.split("\n")
    n_lines = sum(1 for raw in lines if raw.strip())
    for index, raw in enumerate(lines):
        line: str | None = _SPACES.sub(" ", raw).strip()
        if not line:
            out.append("")
            continue
        cut = False
        for rule in RULES:
            if rule.kind == "cut_after":
                assert rule.pattern is not None
                if rule.pattern.fullmatch(line):
                    # Page chrome follows a closing disclaimer; one found in the first half
                    # of the page is not a closing one, so only the line itself goes.
                    tail = sum(1 for rest in lines[index + 1:] if rest.strip())
                    if tail <= n_lines // 2:
                        removed[rule.name] += 1 + tail
                        cut = True
                    else:
                        removed[rule.name] += 1
                        line = None
                    break
                continue
            line, n = rule.apply(line)
            if line is None:
                removed[rule.name] += n
                break
            if n:
                removed[rule.name] += n
                line = _SPACES.sub(" ", line).strip()
                if not line:
                    line = None
                    break
        if cut:
            break
        if line is not None:
            out.append(line)

    # Collapse runs of blank lines into one paragraph break, trim the ends.
    paragraphs: list[str] = []
    current: list[str] = []
    for line in out:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs), removed
