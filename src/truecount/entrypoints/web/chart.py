"""A small inline SVG step chart of on_hand over time, drawn from the history."""

from __future__ import annotations

import itertools
from datetime import datetime

from truecount.services.stock.levels import HistoryLine

WIDTH, HEIGHT, PAD = 640.0, 140.0, 24.0


def on_hand_series(history: list[HistoryLine], on_hand_now: int) -> list[tuple[datetime, int]]:
    """(instant, on_hand after the movement), oldest first, from the newest-first history."""
    points = []
    level = on_hand_now
    for line in history:
        points.append((datetime.fromisoformat(line.at), level))
        level -= line.on_hand_delta
    points.reverse()
    if points:
        points.insert(0, (points[0][0], level))
    return points


def svg(points: list[tuple[datetime, int]]) -> str:
    if len(points) < 2:
        return ""
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    span = max(t1 - t0, 1.0)
    top = max(max(v for _, v in points), 1)

    def x(t: datetime) -> float:
        return PAD + (t.timestamp() - t0) / span * (WIDTH - 2 * PAD)

    def y(v: int) -> float:
        return HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD)

    path = [f"M{x(points[0][0]):.1f},{y(points[0][1]):.1f}"]
    for (_t_prev, v_prev), (t, v) in itertools.pairwise(points):
        path.append(f"H{x(t):.1f}")
        if v != v_prev:
            path.append(f"V{y(v):.1f}")
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" '
        f'role="img" aria-label="on hand over time">'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        f'<text x="4" y="{y(top) + 4:.1f}" font-size="10">{top}</text>'
        f'<text x="4" y="{HEIGHT - PAD + 4:.1f}" font-size="10">0</text>'
        f'<path d="{"".join(path)}" fill="none" stroke="#2563eb" stroke-width="2"/>'
        f'<text x="{PAD}" y="{HEIGHT - 6:.1f}" font-size="10">{points[0][0]:%Y-%m-%d %H:%M}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6:.1f}" font-size="10" text-anchor="end">'
        f"{points[-1][0]:%Y-%m-%d %H:%M}</text></svg>"
    )
