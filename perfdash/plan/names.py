"""Splitting runs of names (曾志安庄辉竑洪玮玮) into persons and leaders, from the document's own evidence."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

NAME_LENGTHS = (2, 3)
MAX_RUN = 24  # characters in one run of names (eight names): beyond it the cuts are not enumerated
MAX_SPLITS = 4096  # combinations of cuts tried for one cell
# Bounds over a whole document (a real one builds tens of splits and scores a few hundred): past
# them a cell takes its first cut, flagged for the office like any other guess. Without them a
# 300 KB text of 3,000 rows of 24-character runs asked for billions of splits and scorings.
MAX_CANDIDATES = 50_000  # candidate splits built for all cells together
MAX_SCORINGS = 100_000  # candidate splits scored while choosing between them

# How many ways a run of n characters cuts into names of two or three: c(n) = c(n-2) + c(n-3).
_CUTS = [1, 0, 1]
while len(_CUTS) <= MAX_RUN:
    _CUTS.append(_CUTS[-2] + _CUTS[-3])


def _segmentations(chunk: str) -> list[tuple[str, ...]]:
    """Every way to cut a run of names into names of two or three characters. The count grows
    exponentially with the length, so a run longer than MAX_RUN (never seen in a real plan) is
    cut into three-character names and left to the person-count check to flag."""
    if not chunk:
        return [()]
    if len(chunk) > MAX_RUN:
        return [tuple(chunk[i : i + 3] for i in range(0, len(chunk), 3))]
    out = []
    for n in NAME_LENGTHS:
        if len(chunk) >= n:
            for rest in _segmentations(chunk[n:]):
                out.append((chunk[:n], *rest))
    return out


def _options(chunk: str) -> int:
    """len(_segmentations(chunk) or [(chunk,)]), without building them."""
    return 1 if len(chunk) > MAX_RUN else max(1, _CUTS[len(chunk)])


def _first_cut(chunk: str) -> tuple[str, ...]:
    """(_segmentations(chunk) or [(chunk,)])[0], without building the others: two-character
    names, the last one of three when the length is odd."""
    if len(chunk) > MAX_RUN or len(chunk) < 2:
        return (_segmentations(chunk) or [(chunk,)])[0]
    twos = len(chunk) // 2 - len(chunk) % 2
    return (*(chunk[i : i + 2] for i in range(0, 2 * twos, 2)), *((chunk[2 * twos :],) if len(chunk) % 2 else ()))


def _combinations(chunks: list[str]) -> int:
    """How many splits _candidates builds for a cell (1 when there are more than MAX_SPLITS)."""
    total = 1
    for c in chunks:
        total *= _options(c)
        if total > MAX_SPLITS:
            return 1
    return total


def _candidates(chunks: list[str], count: int | None) -> list[tuple[str, ...]]:
    total = 1
    for c in chunks:
        total *= _options(c)
        if total > MAX_SPLITS:
            break
    if total > MAX_SPLITS:  # too many combinations: take each chunk's first cut (the others unbuilt)
        per_chunk = [[_first_cut(c)] for c in chunks]
    else:
        per_chunk = [_segmentations(c) or [(c,)] for c in chunks]
    combos = [tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*per_chunk)]
    if count is None or not combos:
        return combos
    exact = [c for c in combos if len(c) == count]
    if exact:
        return exact
    best = min(abs(len(c) - count) for c in combos)
    return [c for c in combos if abs(len(c) - count) == best]


def split_names(
    rows: list[tuple[list[str], list[str]]],
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Split runs of names (曾志安庄辉竑洪玮玮) into names, one per section where possible.

    ``rows`` holds (chunks, sections) per target. What the document itself shows
    decides: a chunk of two or three characters is one name; a split that is the
    only one possible is taken; otherwise the split whose names are seen elsewhere
    in the document, and which pairs each section with the person it has elsewhere,
    wins. Returns the names per row and notes on rows that stayed ambiguous.
    """
    known: Counter[str] = Counter(c for chunks, _ in rows for c in chunks if len(c) in NAME_LENGTHS)
    by_section: dict[str, Counter[str]] = defaultdict(Counter)
    result: list[tuple[str, ...] | None] = [None] * len(rows)
    cands = []
    budget = MAX_CANDIDATES
    for chunks, secs in rows:
        cost = _combinations(chunks)
        if cost > budget:  # the document has used its share: this cell's first cut only
            chunks, cost = [name for c in chunks for name in _first_cut(c)], 1
        budget -= cost
        cands.append(_candidates(chunks, len(secs) or None))
    notes: list[str] = []

    def accept(i: int, names: tuple[str, ...]) -> None:
        result[i] = names
        for sec, name in zip(rows[i][1], names, strict=False):
            by_section[sec][name] += 1
        known.update(names)

    for i, cs in enumerate(cands):
        if len(cs) == 1:
            accept(i, cs[0])

    def score(i: int, names: tuple[str, ...]) -> tuple[int, int]:
        pairs = sum(by_section[sec][name] > 0 for sec, name in zip(rows[i][1], names, strict=False))
        seen = sum(known[name] > 0 for name in names)
        return pairs, seen

    forced = False
    scorings = MAX_SCORINGS
    while any(r is None for r in result):
        progress = False
        for i, cs in enumerate(cands):
            if result[i] is not None:
                continue
            if scorings < 0:  # out of budget: the first candidate, flagged
                accept(i, cs[0])
                notes.append("、".join(rows[i][0]))
                progress = True
                continue
            scorings -= len(cs)
            ranked = sorted(cs, key=lambda c: score(i, c), reverse=True)
            top = score(i, ranked[0])
            if len(ranked) == 1 or score(i, ranked[1]) < top:
                accept(i, ranked[0])
                progress = True
            elif forced:
                accept(i, ranked[0])
                notes.append("、".join(rows[i][0]))
                progress = True
                forced = False
        if not progress:
            forced = True  # ambiguity left: take the best guess for one row, then retry
    return [r or () for r in result], notes


def split_leaders(chunks_per_row: list[list[str]]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Leaders are one per line; a run of several is cut where the pieces are names seen alone
    elsewhere in the document. Returns the names per row and the runs that stayed uncertain."""
    known = {c for chunks in chunks_per_row for c in chunks if len(c) in NAME_LENGTHS}
    out, uncertain = [], []
    budget = MAX_CANDIDATES
    for chunks in chunks_per_row:
        names: list[str] = []
        for c in chunks:
            if len(c) in NAME_LENGTHS:
                names.append(c)
                continue
            budget -= _options(c)
            if budget < 0:  # the document has used its share: the first cut, flagged
                names.extend(_first_cut(c))
                uncertain.append(c)
                continue
            cands = sorted(_segmentations(c), key=lambda s: sum(n in known for n in s), reverse=True) or [(c,)]
            best = cands[0]
            if not all(n in known for n in best) or (len(cands) > 1 and all(n in known for n in cands[1])):
                uncertain.append(c)
            names.extend(best)
        out.append(tuple(names))
    return out, uncertain
