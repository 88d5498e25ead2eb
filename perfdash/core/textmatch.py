"""How alike two texts are: the share of character pairs they have in common (Jaccard), for
telling whether a target repeats another (a dynamic target, last year's target)."""

from __future__ import annotations


def pairs(text: str) -> set[str]:
    """The adjacent character pairs of a text's letters and digits."""
    text = "".join(ch for ch in str(text) if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str | set[str], b: str | set[str]) -> float:
    """0 (nothing shared) to 1 (the same pairs)."""
    mine = a if isinstance(a, set) else pairs(a)
    theirs = b if isinstance(b, set) else pairs(b)
    return len(mine & theirs) / len(mine | theirs) if mine and theirs else 0.0
