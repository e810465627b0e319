"""Small-number suppression that subtraction cannot undo (PRIV-10; DESIGN "Published
figures: nothing derivable"): over random distributions of signatures, an observer who
solves linear programs over every published figure pins no hidden figure but zeros."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from campaign.geo import all_areas
from campaign.pledges.disclosure import Disclosure, Figure, Hidden, disclose
from tests.pledges.attacker import NATIONS, Published, pinned, read_label

LEEDS, MANCHESTER = "E08000035", "E08000003"
CARDIFF, EDINBURGH, BELFAST = "W06000015", "S12000036", "N09000003"
JERSEY = "L99999999"  # an ONS pseudo-code of a Crown Dependency: in no nation


def printed(figure: Figure, threshold: int) -> str:
    """The figure as the pages print it (templates/_macros/counts.html)."""
    if figure.hidden is None:
        return f"{figure.count:,}"
    return {
        Hidden.SMALL: f"fewer than {threshold}",
        Hidden.SECONDARY: f"{threshold} or more",
        Hidden.WITHHELD: "not shown",
    }[figure.hidden]


def observed(
    published: Disclosure, counts: dict[str, int], listed: set[str], threshold: int
) -> tuple[Published, dict[str, int]]:
    """What an observer reads, and the truth to check their deductions against."""
    unlisted: set[str] = set()
    truth: dict[str, int] = {}
    for code, n in counts.items():
        nation = code[0] if code[0] in NATIONS else None
        if nation:
            truth[nation] = truth.get(nation, 0) + n
        if code in listed and nation:
            truth[code] = n
        elif n:
            sum_ = nation or "total"
            unlisted.add(sum_)
            truth[f"{sum_}:unlisted"] = truth.get(f"{sum_}:unlisted", 0) + n
    observer = Published(
        total=published.total,
        nations={
            c: read_label(printed(f, threshold), threshold=threshold)
            for c, f in published.nations.items()
        },
        areas={
            c: read_label(printed(f, threshold), threshold=threshold)
            for c, f in published.areas.items()
        },
        unlisted=unlisted,
    )
    return observer, truth


@st.composite
def distributions(draw: st.DrawFn) -> tuple[dict[str, int], set[str], int]:
    """A few areas in every nation (as in the UK, each has some), with counts that are
    tiny, near the threshold or larger; sometimes signatures under codes no table lists."""
    threshold = draw(st.sampled_from([10, 3]))
    sizes = st.one_of(
        st.integers(0, 3),
        st.sampled_from([threshold - 1, threshold, threshold + 1]),  # where labels are tight
        st.integers(0, 5 * threshold),
    )
    counts: dict[str, int] = {}
    for nation in NATIONS:
        for i in range(draw(st.integers(1, 4))):
            counts[f"{nation}0000000{i}"] = draw(sizes)
    listed = set(counts)
    if draw(st.booleans()):
        counts[JERSEY] = draw(sizes)
    if draw(st.booleans()):
        counts["E99999999"] = draw(sizes)  # an authority the list does not have
    return counts, listed, threshold


def few_areas(**counts: int) -> tuple[dict[str, int], set[str], int]:
    """A case with one or two areas per nation, the rest of each nation empty."""
    listed = {LEEDS, MANCHESTER, CARDIFF, EDINBURGH, BELFAST}
    return {code: 0 for code in listed} | dict(counts.items()), listed, 10


@given(distributions())
@example(few_areas(**{LEEDS: 12, MANCHESTER: 1}))  # the issue: England 13, Manchester is 1
@example(few_areas(**{LEEDS: 13, CARDIFF: 1}))  # Wales 1 = the total less England
@example(few_areas(**{LEEDS: 9, CARDIFF: 9, EDINBURGH: 9, BELFAST: 9}))  # all "fewer than 10"
@example(few_areas(**{LEEDS: 9, MANCHESTER: 9}))  # England 18: both areas at most 9
@example(few_areas(**{MANCHESTER: 1}))  # one signature in all
@example(few_areas(**{LEEDS: 20, CARDIFF: 15, EDINBURGH: 12, BELFAST: 11, JERSEY: 2}))
@settings(max_examples=200, deadline=None)
def test_no_hidden_figure_can_be_worked_out(case: tuple[dict[str, int], set[str], int]) -> None:
    counts, listed, threshold = case
    published = disclose(counts, listed=listed, threshold=threshold)
    observer, truth = observed(published, counts, listed, threshold)
    assert published.total == sum(counts.values())
    assert pinned(observer, truth) == {}  # also checks that every label tells the truth


def test_the_issues_example_over_every_local_authority() -> None:
    counts = {LEEDS: 12, MANCHESTER: 1}
    published = disclose(counts, listed=all_areas(), threshold=10)
    # With every authority listed, "fewer than 10" also covers the empty ones, so the 1
    # left by England less Leeds could be in any of 300 areas: nothing more to hide.
    assert published.nations["E"] == Figure(13)
    assert published.areas[LEEDS] == Figure(12)
    assert published.areas[MANCHESTER] == Figure(None, Hidden.SMALL)
    assert len(published.areas) == len(all_areas())
    observer, truth = observed(published, counts, set(all_areas()), 10)
    assert pinned(observer, truth) == {}


def test_a_nation_the_total_would_give_away_is_protected_by_hiding_another() -> None:
    counts = {LEEDS: 50, CARDIFF: 12, EDINBURGH: 10, BELFAST: 1}
    published = disclose(counts, listed=all_areas(), threshold=10)
    # The total less England, Wales and Scotland would be Northern Ireland's 1, so the
    # smallest of the others is hidden as well, and says only what is true of it.
    assert published.nations == {
        "E": Figure(50),
        "W": Figure(12),
        "S": Figure(None, Hidden.SECONDARY),
        "N": Figure(None, Hidden.SMALL),
    }
    observer, truth = observed(published, counts, set(all_areas()), 10)
    assert pinned(observer, truth) == {}


def test_signatures_under_codes_no_table_lists_are_not_left_as_the_difference() -> None:
    counts = {LEEDS: 20, CARDIFF: 15, EDINBURGH: 12, BELFAST: 11, JERSEY: 2}
    published = disclose(counts, listed=all_areas(), threshold=10)
    assert published.total == 60
    assert JERSEY not in published.areas
    assert sum(f.hidden is Hidden.SECONDARY for f in published.nations.values()) == 1
    observer, truth = observed(published, counts, set(all_areas()), 10)
    assert pinned(observer, truth) == {}


def test_figures_are_hidden_only_when_they_must_be() -> None:
    counts = {LEEDS: 40, MANCHESTER: 25, CARDIFF: 12, EDINBURGH: 30, BELFAST: 10}
    published = disclose(counts, listed=all_areas(), threshold=10)
    assert all(f.hidden is None for f in published.nations.values())
    assert {c: f.count for c, f in published.areas.items() if f.hidden is None} == counts
    assert {f.hidden for c, f in published.areas.items() if c not in counts} == {Hidden.SMALL}
