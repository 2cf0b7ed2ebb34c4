"""Small charts drawn on the server as SVG: no script, no outside library, every text escaped.

A value of None is a suppressed figure (disclosure control): its label is drawn with the
`hidden` text in place of a bar, so the reader sees the figure exists and is withheld."""

from __future__ import annotations

from html import escape


def bar_chart_svg(
    items: list[tuple[str, float | None]], *, unit: str, width: int = 560, bar: int = 26,
    hidden: str = "—",
) -> str:
    """Horizontal bars, one per (label, value), in the order given."""
    if not items:
        return ""
    # room for the longest label (Hangul is about twice as wide as Latin at 12 px), within reason
    longest = max(sum(12.0 if ord(ch) > 0x1100 else 6.6 for ch in label) for label, _v in items)
    label_w, gap, top = int(min(max(170, longest + 16), 280)), 8, 6
    top_value = max((v for _l, v in items if v is not None), default=0.0) or 1.0
    height = top + len(items) * (bar + gap)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar * 0.68:.1f}" text-anchor="end" class="chart-label">{escape(label)}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{width - label_w - 90}" height="{bar}" rx="4" class="chart-hidden"/>'
                f'<text x="{label_w + 8}" y="{y + bar * 0.68:.1f}" class="chart-value suppressed">{escape(hidden)}</text>'
            )
            continue
        length = max(2.0, (width - label_w - 90) * value / top_value)
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" rx="4" class="chart-bar"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + bar * 0.68:.1f}" class="chart-value">{value:,.1f} {escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart_svg(
    items: list[tuple[str, float | None]], *, unit: str, width: int = 560, height: int = 220,
    hidden: str = "—",
) -> str:
    """Columns over time, one per (period label, value)."""
    if not items:
        return ""
    left, bottom, top = 10, 30, 24
    top_value = max((v for _l, v in items if v is not None), default=0.0) or 1.0
    step = (width - left * 2) / len(items)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        x = left + i * step + step * 0.15
        if value is None:
            h = height - bottom - top
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="{step * 0.7:.1f}" height="{h:.1f}" rx="3" class="chart-hidden"/>'
                f'<text x="{x + step * 0.35:.1f}" y="{top + h / 2:.1f}" text-anchor="middle" class="chart-value suppressed">{escape(hidden)}</text>'
            )
        else:
            h = max(1.0, (height - bottom - top) * value / top_value)
            y = height - bottom - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" rx="3" class="chart-bar"/>'
                f'<text x="{x + step * 0.35:.1f}" y="{y - 5:.1f}" text-anchor="middle" class="chart-value">{value:,.0f}</text>'
            )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" text-anchor="middle" class="chart-label">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{width - 4}" y="14" text-anchor="end" class="chart-label">{escape(unit)}</text></svg>'
    )
    return "".join(parts)
