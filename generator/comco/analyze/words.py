"""The words captions are read with: category phrases from the vocabulary plus synonyms, and
attribute words, all as data (data/caption_words.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from comco.core.catalog import Category, load_vocabulary

WORDS_FILE = "caption_words.yaml"
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; anything not a letter or digit separates ("hot-dog" -> hot, dog)."""
    return _TOKEN.findall(text.lower())


class CaptionWords(BaseModel):
    """The contents of caption_words.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    synonyms: dict[str, list[str]]
    not_mentions: list[str]
    colours: list[str]
    adjectives: list[str]
    attribute_joiners: list[str]


@cache
def load_caption_words() -> CaptionWords:
    """The word lists shipped with the package."""
    text = resources.files("comco").joinpath(f"data/{WORDS_FILE}").read_text()
    return CaptionWords.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class Lexicon:
    """Token phrases -> category key (None for phrases that name nothing), and attribute words."""

    phrases: dict[tuple[str, ...], str | None]
    colours: frozenset[str]
    adjectives: frozenset[str]
    joiners: frozenset[str]
    longest: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "longest", max(len(p) for p in self.phrases))


def category_phrases(category: Category, words: CaptionWords) -> list[str]:
    """Every word form that names a vocabulary category."""
    return [category.name, category.plural, *words.synonyms.get(category.id, [])]


def build_lexicon(names: Iterable[str], words: CaptionWords | None = None) -> Lexicon:
    """A lexicon for the categories of one dataset, given by their names (COCO's
    'traffic light' or the vocabulary id 'traffic_light'). A name the vocabulary lacks is
    matched by that name alone; `vocabulary_misses` lists such names."""
    words = words or load_caption_words()
    unknown_synonyms = sorted(set(words.synonyms) - {c.id for c in load_vocabulary().categories})
    if unknown_synonyms:
        raise ValueError(f"{WORDS_FILE}: synonyms for unknown category ids {unknown_synonyms}")
    phrases: dict[tuple[str, ...], str | None] = {}

    def add(text: str, key: str | None) -> None:
        tokens = tuple(tokenize(text))
        if not tokens:
            raise ValueError(f"{WORDS_FILE}: phrase {text!r} has no word in it")
        known = phrases.get(tokens, key)
        if known != key:
            raise ValueError(
                f"{WORDS_FILE}: phrase {text!r} names both {known!r} and {key!r}; "
                "expected each phrase to name one category"
            )
        phrases[tokens] = key

    names = list(names)
    for name in names:
        category = vocabulary_category(name)
        for text in category_phrases(category, words) if category else [name]:
            add(text, name)
    for text in words.not_mentions:
        add(text, None)
    for text in other_multiword_phrases(names, words):
        phrases.setdefault(tuple(tokenize(text)), None)
    return Lexicon(
        phrases=phrases,
        colours=frozenset(words.colours),
        adjectives=frozenset(words.adjectives),
        joiners=frozenset(words.attribute_joiners),
    )


def other_multiword_phrases(names: list[str], words: CaptionWords) -> list[str]:
    """Multi-word phrases of vocabulary categories the dataset does not list: read as phrases
    that name nothing, so "hot dog" is never a dog even without a hot dog category."""
    listed = {c.id for c in map(vocabulary_category, names) if c is not None}
    return [
        text
        for category in load_vocabulary().categories
        if category.id not in listed
        for text in category_phrases(category, words)
        if len(tokenize(text)) > 1
    ]


def vocabulary_category(name: str) -> Category | None:
    """The vocabulary category a dataset's category name stands for, if any."""
    for category in load_vocabulary().categories:
        if name in (category.name, category.id):
            return category
    return None


def vocabulary_misses(names: Iterable[str]) -> list[str]:
    """Dataset category names the vocabulary does not know (matched by their name only)."""
    return [name for name in names if vocabulary_category(name) is None]
