"""Charts drawn on the server as SVG: no script, no CDN, printable, and right-to-left aware (in
Arabic, bars grow from the right and months run from right to left). Each chart sits beside the
table of the same numbers, which is what screen readers read; the SVG is labelled and hidden
from them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 520
ROW = 34
LABEL = 230
PALETTE = ("#0f766e", "#b45309", "#1d4ed8", "#7c3aed", "#be123c", "#4d7c0f", "#0e7490", "#a16207", "#475569")


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(height: int, title: str, body: str, rtl: bool) -> SafeString:
    direction = "rtl" if rtl else "ltr"
    return mark_safe(  # noqa: S308 - every text is escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-hidden="true" '
        f'focusable="false" direction="{direction}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bars(title: str, items: Sequence[tuple[str, float | int | None]], *, rtl: bool) -> SafeString:
    """Horizontal bars, one per (label, value)."""
    values = [float(v or 0) for _label, v in items]
    top = max(values, default=0) or 1
    span = WIDTH - LABEL - 50
    parts = []
    for index, ((label, value), number) in enumerate(zip(items, values, strict=True)):
        y = index * ROW
        length = max(2.0, span * number / top) if number else 0
        colour = PALETTE[index % len(PALETTE)]
        text = escape(label if len(label) <= 24 else label[:23] + "…")
        if rtl:
            parts.append(
                f'<text x="{WIDTH - 4}" y="{y + 22}" text-anchor="start" class="chart-label">{text}</text>'
            )
            x = WIDTH - LABEL - length
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 6}" width="{length:.1f}" height="{ROW - 12}" fill="{colour}" rx="3"/>'
            )
            parts.append(
                f'<text x="{x - 6:.1f}" y="{y + 22}" text-anchor="start" class="chart-value">{_number(value)}</text>'
            )
        else:
            parts.append(f'<text x="4" y="{y + 22}" text-anchor="start" class="chart-label">{text}</text>')
            parts.append(
                f'<rect x="{LABEL}" y="{y + 6}" width="{length:.1f}" height="{ROW - 12}" fill="{colour}" rx="3"/>'
            )
            parts.append(
                f'<text x="{LABEL + length + 6:.1f}" y="{y + 22}" text-anchor="start" class="chart-value">'
                f"{_number(value)}</text>"
            )
    return _svg(max(ROW, ROW * len(items)), title, "".join(parts), rtl)


def columns(title: str, items: Sequence[tuple[str, float | int | None]], *, rtl: bool) -> SafeString:
    """Vertical columns over time (months), the first at the start of the reading direction."""
    height, base, top_pad = 220, 180, 20
    count = max(1, len(items))
    step = (WIDTH - 20) / count
    values = [float(v or 0) for _label, v in items]
    top = max(values, default=0) or 1
    every = max(1, round(count / 12))  # at most about twelve labels under the axis
    parts = [f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#94a3b8"/>']
    for index, ((label, value), number) in enumerate(zip(items, values, strict=True)):
        slot = (count - 1 - index) if rtl else index
        x = 10 + slot * step + step * 0.15
        w = step * 0.7
        h = (base - top_pad) * number / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{PALETTE[0]}" rx="2"/>'
        )
        centre = x + w / 2
        if number:
            parts.append(
                f'<text x="{centre:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" class="chart-value">'
                f"{_number(value)}</text>"
            )
        if index % every == 0:
            short = escape(label.split(" ")[0][:10])
            parts.append(
                f'<text x="{centre:.1f}" y="{base + 18}" text-anchor="middle" class="chart-axis">{short}</text>'
            )
    return _svg(height, title, "".join(parts), rtl)


# --- for the PDF --------------------------------------------------------------------------------
# WeasyPrint draws SVG text without Arabic shaping (letters unjoined, in the wrong order), so the
# board report draws its charts as HTML boxes instead: the text is then laid out like the page's.


def html_bars(items: Sequence[tuple[str, float | int | None]]) -> SafeString:
    values = [float(v or 0) for _label, v in items]
    top = max(values, default=0) or 1
    rows = []
    for index, ((label, value), number) in enumerate(zip(items, values, strict=True)):
        width = max(0.5, 100 * number / top) if number else 0
        rows.append(
            f'<tr><th scope="row">{escape(label)}</th><td class="bar-cell"><span class="bar" '
            f'style="width: {width:.1f}%; background: {PALETTE[index % len(PALETTE)]}"></span></td>'
            f'<td class="bar-value">{_number(value)}</td></tr>'
        )
    return mark_safe(f'<table class="html-chart" aria-hidden="true">{"".join(rows)}</table>')  # noqa: S308


def html_columns(items: Sequence[tuple[str, float | int | None]]) -> SafeString:
    values = [float(v or 0) for _label, v in items]
    top = max(values, default=0) or 1
    cells = []
    labels = []
    for (label, value), number in zip(items, values, strict=True):
        height = 100 * number / top
        cells.append(
            f'<td class="col-cell"><span class="col-value">{_number(value) if number else ""}</span>'
            f'<span class="col" style="height: {height * 0.9:.1f}px"></span></td>'
        )
        labels.append(f"<td>{escape(label.split(' ')[0][:10])}</td>")
    return mark_safe(  # noqa: S308 - every text is escaped above
        f'<table class="html-columns" aria-hidden="true"><tr>{"".join(cells)}</tr>'
        f'<tr class="col-labels">{"".join(labels)}</tr></table>'
    )
