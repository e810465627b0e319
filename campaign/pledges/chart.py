"""The growth chart as a server-rendered SVG: no JavaScript, no third-party library."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 32


def _nice_ceiling(value: int) -> int:
    """The smallest round number at or above `value` whose half is whole: 10, 20, 50…"""
    if value <= 10:
        return 10
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 3, 4, 5, 6, 8, 10):
        ceiling = int(step * magnitude)
        if ceiling >= value:
            return ceiling
    return value


def growth_svg(points: list[tuple[date, int]], *, title: str) -> Markup:
    """A line of cumulative signatures over time; the page pairs it with a data table."""
    if not points:
        return Markup("")
    top = _nice_ceiling(max(n for _, n in points))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    step = span_x / max(len(points) - 1, 1)

    def y(n: int) -> float:
        return TOP + span_y - (n / top) * span_y

    coords = " ".join(f"{LEFT + i * step:.1f},{y(n):.1f}" for i, (_, n) in enumerate(points))
    area = f"{LEFT},{TOP + span_y} {coords} {LEFT + (len(points) - 1) * step:.1f},{TOP + span_y}"
    grid = []
    for fraction in (0, 0.5, 1):
        value = round(top * fraction)
        gy = y(value)
        grid.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
            f'<text class="axis" x="{LEFT - 8}" y="{gy + 4:.1f}" text-anchor="end">{value:,}</text>'
        )
    first, last = points[0][0], points[-1][0]
    labels = (
        f'<text class="axis" x="{LEFT}" y="{HEIGHT - 8}">{first:%-d %b %Y}</text>'
        f'<text class="axis" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
        f"{last:%-d %b %Y}</text>"
    )
    description = (
        f"From {points[0][1]:,} on {first:%-d %B %Y} to {points[-1][1]:,} on {last:%-d %B %Y}."
    )
    # Every interpolated value is a number, a date or escaped: safe to mark as markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(description)}</desc>'
        f'{"".join(grid)}<polygon class="area" points="{area}"/>'
        f'<polyline class="line" points="{coords}"/>{labels}</svg>'
    )
