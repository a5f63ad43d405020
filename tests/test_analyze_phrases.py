"""Multi-word vocabulary names win over their parts whatever categories the instances file
lists: "hot dog" is never a dog, "teddy bear" never a bear."""

from comco.analyze.mentions import find_mentions, named_categories
from comco.analyze.words import build_lexicon, tokenize


def named(caption: str, categories: list[str]) -> list[str]:
    lexicon = build_lexicon(categories)
    return [n.category for n in named_categories(find_mentions(tokenize(caption), lexicon))]


def test_a_hot_dog_is_no_dog_when_the_file_lists_no_hot_dog() -> None:
    assert named("A dog sniffs a hot dog.", ["dog"]) == ["dog"]
    assert named("Two hot dogs on a plate.", ["dog", "person"]) == []
    assert named("A teddy bear beside a bear.", ["bear"]) == ["bear"]


def test_listed_multiword_names_still_match() -> None:
    assert named("A dog sniffs a hot dog.", ["dog", "hot dog"]) == ["dog", "hot dog"]


def test_binding_pattern_and_finish_words_count_as_attribute_words() -> None:
    lexicon = build_lexicon(["cup", "dog"])
    found = named_categories(
        find_mentions(tokenize("a red striped glass cup and a blue dotted matte dog"), lexicon)
    )
    assert [(n.category, n.colours, n.adjectives) for n in found] == [
        ("cup", ("red",), ("striped", "glass")),
        ("dog", ("blue",), ("dotted", "matte")),
    ]
