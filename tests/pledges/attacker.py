"""An observer who reads every published figure by place and works out, with a linear
program, the least and the most each hidden figure can be.

Written apart from campaign/pledges/disclosure.py on purpose: it knows only what the
pages and the API say (the figures, what each label means, that the total is the sum of
the nations and each nation the sum of its areas), never how the figures were chosen.
The sums of a tree are totally unimodular, so the LP's bounds are whole numbers: the
same an exhaustive search over whole numbers would find.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from scipy.optimize import linprog

from campaign.geo import all_areas

NATIONS = ("E", "W", "S", "N")

Range = tuple[int, int | None]  # least and most; None: no upper limit


def read_label(text: str, *, threshold: int, floor: int = 0) -> Range:
    """What a figure as printed tells: "1,234", "fewer than 10" (from `floor`: 1 for an
    area that is listed only because it has signatures), "10 or more", "not shown"."""
    text = " ".join(text.split())
    if re.fullmatch(r"\d[\d,]*", text):
        n = int(text.replace(",", ""))
        return n, n
    if text == f"fewer than {threshold}":
        return floor, threshold - 1
    if text == f"{threshold} or more":
        return threshold, None
    if text == "not shown":
        return floor, None
    raise AssertionError(f"a label nobody explained: {text!r}")


def read_api_nation(item: dict, *, threshold: int) -> Range:
    """A nation from GET /api/v1/counts; a null count without a reason is read as the
    API document once said: fewer than the threshold."""
    if item["count"] is not None:
        return item["count"], item["count"]
    hidden = item.get("hidden") or "small"
    return {
        "small": (0, threshold - 1),
        "secondary": (threshold, None),
        "withheld": (0, None),
    }[hidden]


@dataclass
class Published:
    """Everything an observer has. Areas are keyed by GSS code (its first letter is the
    nation). `unlisted` names the sums ("total" or a nation) that also hold signatures
    under codes shown nowhere; the observer is granted knowing that they exist."""

    total: int
    nations: dict[str, Range]
    areas: dict[str, Range]
    unlisted: set[str] = field(default_factory=set)

    def cells(self) -> list[str]:
        return [*NATIONS, *sorted(self.areas), *sorted(f"{u}:unlisted" for u in self.unlisted)]


def observable_range(published: Published, cell: str) -> tuple[int, int]:
    """The least and the most `cell` can be, given everything published."""
    names = published.cells()
    index = {name: i for i, name in enumerate(names)}
    bounds: list[tuple[int, int | None]] = []
    for name in names:
        if name in published.nations:
            bounds.append(published.nations[name])
        elif name in published.areas:
            bounds.append(published.areas[name])
        else:
            bounds.append((0, None))
    rows, rhs = [], []
    total_row = [0.0] * len(names)
    for nation in NATIONS:
        total_row[index[nation]] = 1
    if "total" in published.unlisted:
        total_row[index["total:unlisted"]] = 1
    rows.append(total_row)
    rhs.append(published.total)
    for nation in NATIONS:
        row = [0.0] * len(names)
        row[index[nation]] = -1
        for code in published.areas:
            if code[0] == nation:
                row[index[code]] = 1
        if nation in published.unlisted:
            row[index[f"{nation}:unlisted"]] = 1
        rows.append(row)
        rhs.append(0)
    ends = []
    for sense in (1, -1):
        objective = [0.0] * len(names)
        objective[index[cell]] = sense
        result = linprog(objective, A_eq=rows, b_eq=rhs, bounds=bounds, method="highs")
        assert result.status == 0, f"the published figures contradict each other: {result}"
        ends.append(round(sense * result.fun))
    return ends[0], ends[1]


def pinned(published: Published, truth: dict[str, int]) -> dict[str, int]:
    """Hidden cells other than 0 that the observer can pin to their value. `truth`
    holds every cell's real count (missing: 0)."""
    found = {}
    for cell in published.cells():
        shown = published.nations.get(cell) or published.areas.get(cell) or (0, None)
        value = truth.get(cell, 0)
        assert shown[0] <= value and (shown[1] is None or value <= shown[1]), (
            f"{cell} is {value}, but its label says {shown}"
        )
        if value and shown[0] != shown[1]:
            low, high = observable_range(published, cell)
            if low == high:
                found[cell] = low
    return found


_ROW = re.compile(r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td></tr>')


def _rows(page: str, heading_id: str) -> list[tuple[str, str]]:
    """The (name, figure) rows of the first table after the heading with that id."""
    start = page.index(f'id="{heading_id}"')
    table = page[start : page.index("</table>", start)]
    return [(html.unescape(name), html.unescape(text)) for name, text in _ROW.findall(table)]


def published_on_site(client: Any, *, threshold: int) -> Published:
    """What anyone can read from the home page, /areas, the API and the embeds, checked
    to agree wherever one figure appears in more than one of them."""
    codes_by_name = {name: code for code, name in all_areas().items()}
    nation_codes = {"England": "E", "Wales": "W", "Scotland": "S", "Northern Ireland": "N"}
    home = client.get("/").get_data(as_text=True)
    areas_page = client.get("/areas").get_data(as_text=True)
    api = client.get("/api/v1/counts").get_json()

    listed = {codes_by_name[name]: text for name, text in _rows(areas_page, "main")}
    # A list of only some authorities is a list of those with signatures: each one on it
    # has at least one, and every other has none.
    floor = 0 if set(listed) == set(all_areas()) else 1
    seen: dict[str, set[Range]] = {}
    for code, text in listed.items():
        seen.setdefault(code, set()).add(read_label(text, threshold=threshold, floor=floor))
    for name, text in _rows(home, "areas-title"):
        code = codes_by_name[name]
        seen.setdefault(code, set()).add(read_label(text, threshold=threshold, floor=floor))
    for name, text in _rows(home, "nations-title"):
        code = nation_codes[name]
        seen.setdefault(code, set()).add(read_label(text, threshold=threshold))
    for item in api["nations"]:
        seen.setdefault(item["code"], set()).add(read_api_nation(item, threshold=threshold))
    disagree = {cell: ranges for cell, ranges in seen.items() if len(ranges) > 1}
    assert not disagree, f"one figure, published differently in different places: {disagree}"

    def first_number(pattern: str, text: str) -> int:
        match = re.search(pattern, text)
        assert match, f"no figure matching {pattern!r}"
        return int(match[1].replace(",", ""))

    totals = {
        api["total"],
        first_number(r'class="big-number">([\d,]+)<', home),
        first_number(
            r"data-count[^>]*>([\d,]+)<", client.get("/embed/counter").get_data(as_text=True)
        ),
        first_number(r">([\d,]+)</text>", client.get("/embed/counter.svg").get_data(as_text=True)),
    }
    assert len(totals) == 1, f"the total differs between pages: {totals}"
    (total,) = totals
    ranges = {cell: next(iter(r)) for cell, r in seen.items()}
    return Published(
        total=total,
        nations={c: ranges[c] for c in NATIONS},
        areas={c: r for c, r in ranges.items() if c not in NATIONS},
    )
