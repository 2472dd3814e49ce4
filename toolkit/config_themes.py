"""The ``themes`` section of an experiment config: named themes and how units join them.

A theme is a name, optionally with a description, keywords in any language and short example
texts (``themes.items``); ``themes.names`` is the short form, a list of names alone. Both may be
given; every name must be unique (case-insensitive) across the two lists. docs/themes.md
explains how the evidence is combined and where the bar that a unit must clear comes from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["ThemeItem", "ThemesConfig"]

#: Longest theme name, description, keyword or example, in characters.
MAX_THEME_TEXT = 2_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _clean_texts(values: list[str], what: str) -> list[str]:
    out = [str(v).strip() for v in values]
    if any(not v for v in out):
        raise ValueError(f"{what} must not be empty strings")
    long = [v for v in out if len(v) > MAX_THEME_TEXT]
    if long:
        raise ValueError(f"{what} must be at most {MAX_THEME_TEXT} characters (one has {len(long[0])})")
    return out


class ThemeItem(_Strict):
    """One theme: a name and optional evidence that describes it."""

    name: str = Field(description="The theme's name, in any language (e.g. medical tourism).")
    description: str | None = Field(
        None, description="A sentence or two saying what the theme covers; embedded like the name.")
    keywords: list[str] = Field(
        default_factory=list, description="Words or short phrases in any language (туризм, Tourismus, 旅游) "
        "that mark a unit as about the theme; matched with the corpus's own tokenizer and lemmatizer "
        "(Chinese, Japanese and Korean keywords by substring).")
    examples: list[str] = Field(
        default_factory=list, description="Short texts of the theme, in any language; embedded and "
        "averaged with the name and description into the theme's starting point.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _clean_texts([v], "theme names")[0]

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        return None if v is None else _clean_texts([v], "theme descriptions")[0]

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(_clean_texts(v, "theme keywords")))

    @field_validator("examples")
    @classmethod
    def _examples(cls, v: list[str]) -> list[str]:
        return _clean_texts(v, "theme examples")


class ThemesConfig(_Strict):
    """Named themes: each unit gets zero or one theme; topics are labelled by their units' themes."""

    names: list[str] = Field(
        default_factory=list, description="Theme names in any language, e.g. [medical tourism, 中医]; "
        "empty: no named themes (see also themes.items).")
    items: list[ThemeItem] = Field(
        default_factory=list, description="Themes with evidence: a list of {name, description, keywords, "
        "examples}, all but name optional.")
    mode: Literal["match", "guided"] = Field(
        "match", description="How topics are formed: match: as without themes; guided: BERTopic zero-shot, "
        "units close to a theme name form that theme's topic before clustering. Units get their own "
        "theme either way.")
    threshold: float = Field(
        0.1, ge=-1.0, le=1.0, description="guided: minimum cosine similarity of a unit to a theme name for "
        "the zero-shot step.")
    alpha: float = Field(
        0.05, gt=0.0, lt=0.5, description="The bar for joining a theme by similarity alone (no keyword): the "
        "expected share of such units that are not about the theme (false discovery rate, controlled with "
        "Benjamini-Hochberg against the bulk of the corpus, docs/themes.md). Lower: fewer, surer units.")
    confidence: float = Field(
        0.95, gt=0.5, lt=1.0, description="Level of the bootstrap intervals around each theme's prevalence.")
    bootstrap: int = Field(
        1000, ge=100, le=100_000, description="Bootstrap resamples for the prevalence intervals.")

    @field_validator("names")
    @classmethod
    def _clean_names(cls, v: list[str]) -> list[str]:
        names = _clean_texts(v, "theme names")
        seen: set[str] = set()
        for n in names:
            if n.lower() in seen:
                raise ValueError(f"theme {n!r} is listed twice")
            seen.add(n.lower())
        return names

    @model_validator(mode="after")
    def _unique(self) -> ThemesConfig:
        seen: set[str] = set()
        for n in self.all_names:
            if n.lower() in seen:
                raise ValueError(f"theme {n!r} is listed twice (themes.names and themes.items share one list of "
                                 "names)")
            seen.add(n.lower())
        return self

    @property
    def all_names(self) -> list[str]:
        """Every theme name: ``names`` first, then the names of ``items``."""
        return [*self.names, *(item.name for item in self.items)]

    @property
    def definitions(self) -> list[ThemeItem]:
        """Every theme as an item (a bare name becomes an item with the name alone)."""
        return [*(ThemeItem(name=n) for n in self.names), *self.items]
