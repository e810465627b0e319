"""Which counts by place may be published, so that no hidden one can be worked out.

The figures by place are a tree of sums: the total (always published exactly: it is the
headline, and the pledges' counts add up to it) is the sum of the nations, and each
nation is the sum of its local authorities. A figure under the threshold is hidden
("fewer than 10": primary suppression), but hiding is only real if subtraction cannot
undo it: England 13 and Leeds 12, with Manchester the only other English area listed,
put Manchester's "fewer than 10" at exactly 1. So:

- Every local authority is listed, with or without signatures, and "fewer than 10"
  includes none. A list of only the areas with signatures would tell a reader that each
  area listed has at least one, and every other area none.
- What someone who reads everything published can deduce is worked out from the sums
  and from what each label says ("fewer than 10" is 0 to 9, "10 or more" is at least 10).
- While a hidden figure other than 0 is pinned to a single value, one more figure is
  hidden (secondary, or complementary, suppression, as statistical offices do): the
  smallest published figure that shares a sum with it, or failing that with those, and
  so on outwards. It is labelled "10 or more", which is true and all a reader learns.
  Where no published figure is left to hide, a label says less instead: "not shown",
  with no hint of size.

A figure pinned at 0 gives nobody away, so zeros may be pinned.

Codes outside the listed areas (a Crown Dependency's pseudo-code, an abolished
authority's) still count in the total, and in their nation if they have one. They are
never shown, and are treated as hidden figures like any other, so that the total less
the nations cannot reveal them.

Pure functions, no Flask or database: queries.py feeds in the tallies, and the pages,
the API and the embeds publish only what comes out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from campaign.geo.areas import NATIONS


class Hidden(StrEnum):
    """Why a figure is not published, and so what its label tells a reader."""

    SMALL = "small"  # under the threshold: "fewer than 10", so 0 to 9
    SECONDARY = "secondary"  # hidden to protect a smaller one: "10 or more"
    WITHHELD = "withheld"  # "not shown": nothing said about its size


@dataclass(frozen=True)
class Figure:
    count: int | None  # None when hidden
    hidden: Hidden | None = None


@dataclass(frozen=True)
class Disclosure:
    total: int
    nations: dict[str, Figure]  # every nation, in the order of NATIONS
    areas: dict[str, Figure]  # every listed area, by code


@dataclass(eq=False)
class _Cell:
    key: str
    count: int
    parent: _Cell | None = None
    children: list[_Cell] | None = None  # None for a leaf; a list, maybe empty, for a sum
    hidden: Hidden | None = None


def disclose(counts: Mapping[str, int], *, listed: Collection[str], threshold: int) -> Disclosure:
    """What may be published of `counts` (signatures per area code, exact; a code that is
    absent has none), with every code in `listed` shown whatever its count."""
    root = _tree(counts, listed)
    for cell in _walk(root):
        if cell is not root and cell.hidden is None and cell.count < threshold:
            cell.hidden = Hidden.SMALL
    _protect(root, threshold)
    assert root.children is not None
    nations = {c.key: _figure(c) for c in root.children if c.key in NATIONS}
    areas = {
        area.key: _figure(area)
        for nation in root.children
        for area in nation.children or ()
        if area.key in listed
    }
    return Disclosure(total=root.count, nations=nations, areas=areas)


def _figure(cell: _Cell) -> Figure:
    return Figure(None if cell.hidden else cell.count, cell.hidden)


def _tree(counts: Mapping[str, int], listed: Collection[str]) -> _Cell:
    """total → nations → listed areas. Signatures under codes that are not listed go
    into one unshown cell per nation (or under the total, for codes of no nation)."""
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    root = _Cell("total", sum(counts.values()), children=[])
    nations = {code: _Cell(code, 0, parent=root, children=[]) for code in NATIONS}
    root.children = list(nations.values())
    for code in sorted(listed):
        if (nation := nations.get(code[:1])) is not None:
            _add_leaf(nation, code, counts.get(code, 0))
    unlisted: dict[str, int] = {}
    for code, n in counts.items():
        if n and not (code in listed and code[:1] in nations):
            key = code[:1] if code[:1] in nations else root.key
            unlisted[key] = unlisted.get(key, 0) + n
    for parent_key, n in sorted(unlisted.items()):
        holder = nations.get(parent_key, root)
        _add_leaf(holder, f"{parent_key}:unlisted", n).hidden = Hidden.WITHHELD
    for nation in nations.values():
        nation.count = sum(area.count for area in nation.children or ())
    return root


def _add_leaf(parent: _Cell, key: str, count: int) -> _Cell:
    leaf = _Cell(key, count, parent=parent)
    assert parent.children is not None
    parent.children.append(leaf)
    return leaf


def _walk(cell: _Cell) -> Iterator[_Cell]:
    """Every cell, breadth first: the total, the nations, then the areas."""
    level = [cell]
    while level:
        yield from level
        level = [child for c in level for child in c.children or ()]


def _protect(root: _Cell, threshold: int) -> None:
    """Hide more, or say less, until no hidden figure other than 0 can be pinned.

    Each round takes one more step (a published figure hidden, or a label dropped), and
    there are only so many to take, so it ends."""
    cells = list(_walk(root))
    while True:
        bounds = _observable_bounds(root, threshold)
        pinned = next(
            (c for c in cells if c.hidden and c.count and bounds[c][0] == bounds[c][1]), None
        )
        if pinned is None:
            return
        if (cell := _nearest(pinned, lambda c: c.hidden is None)) is not None:
            cell.hidden = Hidden.SECONDARY
        elif (cell := _nearest(pinned, _says_something, start_with_self=True)) is not None:
            cell.hidden = Hidden.WITHHELD
        else:  # everything is "not shown" already; cannot happen while nations list areas
            return


def _says_something(cell: _Cell) -> bool:
    return cell.hidden in (Hidden.SMALL, Hidden.SECONDARY)


def _observable_bounds(root: _Cell, threshold: int) -> dict[_Cell, tuple[int, int]]:
    """The least and the most each figure can be, to someone who knows everything
    published: the exact figures, what each label says, and that every sum adds up.

    Narrows each cell's range from its sums until nothing changes. On a tree of sums
    this reaches the exact bounds, those a linear program over the same facts would
    give (the tests check the outcome against one)."""
    cap = root.count  # no figure exceeds the total, which is published
    bounds = {cell: _what_the_label_says(cell, threshold, cap) for cell in _walk(root)}
    sums = [cell for cell in _walk(root) if cell.children is not None]
    changed = True
    while changed:
        changed = False
        for parent in sums:
            assert parent.children is not None
            low = sum(bounds[c][0] for c in parent.children)
            high = sum(bounds[c][1] for c in parent.children)
            parent_low = max(bounds[parent][0], low)
            parent_high = min(bounds[parent][1], high)
            narrowed = {parent: (parent_low, parent_high)}
            for child in parent.children:
                child_low, child_high = bounds[child]
                narrowed[child] = (
                    max(child_low, parent_low - (high - child_high)),
                    min(child_high, parent_high - (low - child_low)),
                )
            for cell, new in narrowed.items():
                if new != bounds[cell]:
                    bounds[cell] = new
                    changed = True
    return bounds


def _what_the_label_says(cell: _Cell, threshold: int, cap: int) -> tuple[int, int]:
    if cell.hidden is None:
        return cell.count, cell.count
    if cell.hidden is Hidden.SMALL:
        return 0, min(threshold - 1, cap)
    if cell.hidden is Hidden.SECONDARY:
        return threshold, cap
    return 0, cap


def _nearest(
    start: _Cell, wanted: Callable[[_Cell], bool], *, start_with_self: bool = False
) -> _Cell | None:
    """The smallest wanted cell among the nearest to `start`, where cells are neighbours
    when they share a sum (siblings, children, parent). The total is never wanted."""
    seen = {start}
    ring = [start] if start_with_self else _neighbours(start)
    while ring:
        matches = [c for c in ring if wanted(c)]
        if matches:
            return min(matches, key=lambda c: c.count)  # the first of equals: siblings first
        seen.update(ring)
        ring = list(dict.fromkeys(n for c in ring for n in _neighbours(c) if n not in seen))
    return None


def _neighbours(cell: _Cell) -> list[_Cell]:
    parent = cell.parent
    siblings = [c for c in parent.children or () if c is not cell] if parent else []
    above = [parent] if parent is not None and parent.parent is not None else []
    return siblings + list(cell.children or ()) + above
