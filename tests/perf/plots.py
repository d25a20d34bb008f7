"""Draw the scale harness's figures against the number of associations, as SVG (no plotting library).

    .venv/bin/python tests/perf/plots.py .sila/perf/scale_500.json [more runs...] --out docs/perf

Each checkpoint of each run is a point; figures measured once per run (the AddField over the fleet,
worker fairness) are one point per run. Writes one SVG per figure into --out.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50
COLOURS = ["#1f6f8b", "#d1495b", "#edae49", "#66a182", "#7a5195"]

Series = dict[str, list[tuple[float, float]]]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    start = math.floor(low / step) * step
    return [
        start + i * step for i in range(int((high - start) / step) + 2) if start + i * step <= high + step / 2
    ]


def _label(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}"


def svg_chart(title: str, y_label: str, series: Series, *, target: float | None = None) -> str:
    points = [p for values in series.values() for p in values]
    xs = [x for x, _ in points]
    ys = [y for _, y in points] + ([target] if target is not None else [])
    x_ticks = _ticks(0, max(xs))
    y_ticks = _ticks(min(0.0, min(ys)), max(ys) * 1.05)
    x_max, y_min, y_max = x_ticks[-1], y_ticks[0], y_ticks[-1]

    def px(x: float) -> float:
        return LEFT + (x / x_max) * (WIDTH - LEFT - RIGHT)

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (y - y_min) / (y_max - y_min) * (HEIGHT - TOP - BOTTOM)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    for y in y_ticks:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{_label(y)}</text>')
    for x in x_ticks:
        out.append(
            f'<text x="{px(x):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{_label(x)}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="#333"/>'
    )
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#333"/>')
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 12}" text-anchor="middle">associations (N)</text>'
    )
    out.append(
        f'<text transform="translate(16 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    if target is not None:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(target):.1f}" y2="{py(target):.1f}" '
            'stroke="#999" stroke-dasharray="5 4"/>'
        )
        out.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{py(target) - 5:.1f}" text-anchor="end" fill="#666">target</text>'
        )
    for index, (name, values) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        ordered = sorted(values)
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(ordered)
        )
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in ordered:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>')
        out.append(
            f'<rect x="{LEFT + 12}" y="{TOP + 4 + 18 * index}" width="12" height="12" fill="{colour}"/>'
        )
        out.append(f'<text x="{LEFT + 30}" y="{TOP + 14 + 18 * index}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


Getter = Callable[[dict[str, Any]], float | None]

# file name -> (title, y label, {series: value at a checkpoint}, target)
CHECKPOINT_FIGURES: dict[str, tuple[str, str, dict[str, Getter], float | None]] = {
    "scale-routing": (
        "Routing: requests/s cycling through all N hosts ÷ through 5",
        "ratio (all hosts / 5 hosts)",
        {"GET /api/v1/meta": lambda p: p["routing"]["ratio_all_to_five"]},
        0.95,
    ),
    "scale-route-cache": (
        "Route cache memory per web process, every host seen",
        "KiB",
        {"route cache": lambda p: p["route_cache"]["bytes"] / 1024},
        None,
    ),
    "scale-connection-memory": (
        "One database connection's memory after reading every schema",
        "MiB",
        {"backend memory": lambda p: p["backend_memory"]["backend_bytes_after"] / 2**20},
        None,
    ),
    "scale-migrate-noop": (
        "migrate_fleet with nothing to apply",
        "ms per schema",
        {"migrate_fleet": lambda p: p["migrate_fleet_noop"]["milliseconds_per_schema"]},
        10.0,
    ),
    "scale-catalogue": (
        "PostgreSQL catalogue size",
        "MiB",
        {
            "pg_catalog tables": lambda p: p["catalogue"]["catalogue_bytes"] / 2**20,
            "whole database": lambda p: p["catalogue"]["database_bytes"] / 2**20,
        },
        None,
    ),
    "scale-pg-dump": (
        "pg_dump (custom format)",
        "seconds",
        {
            "one association": lambda p: p["pg_dump"]["one_association_seconds"],
            "whole database": lambda p: p["pg_dump"].get("all_seconds"),
        },
        None,
    ),
    "scale-console": (
        "Console association list",
        "ms (best of 5)",
        {
            "first page": lambda p: p["console"]["first_page_ms"],
            "page near the end": lambda p: p["console"]["deep_page_ms"],
            "search": lambda p: p["console"]["search_ms"],
            "console (issue 11), first page": lambda p: p["console"].get("console_first_page_ms"),
            "console (issue 11), last page": lambda p: p["console"].get("console_last_page_ms"),
        },
        None,
    ),
    "scale-provisioning": (
        "Provisioning by batch cloning (cumulative mean)",
        "seconds per association",
        {"batch clone of a seeded schema": lambda p: p["provision_seconds_per_association"]},
        None,
    ),
}

RUN_FIGURES: dict[str, tuple[str, str, dict[str, Getter], float | None]] = {
    "scale-addfield": (
        "A real AddField over the fleet (crash half-way, then resume)",
        "ms per schema",
        {
            "replayed SQL": lambda r: r["addfield"]["milliseconds_per_schema"],
            "Django migrate (sample of 5)": lambda r: r["addfield"]["django_migrate_milliseconds_per_schema"],
        },
        120.0,
    ),
    "scale-fairness": (
        "Another association's reminder behind a 10,000-job flood",
        "seconds",
        {
            "reminder's wait (fair share)": lambda r: r["fairness"]["reminder_wait_seconds"],
            "wait without fair share (drain time)": lambda r: r["fairness"]["flood_drain_seconds_estimated"],
        },
        None,
    ),
}


def _series(entries: list[tuple[float, dict[str, Any]]], getters: dict[str, Getter]) -> Series:
    out: Series = {}
    for name, get in getters.items():
        values = []
        for n, entry in entries:
            try:
                value = get(entry)
            except KeyError:
                value = None
            if value is not None:
                values.append((n, float(value)))
        if values:
            out[name] = sorted(values, key=lambda point: point[0])  # runs of several N, merged by N
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/perf"))
    args = parser.parse_args()
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.runs]
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoints = [(p["associations"], p) for run in runs for p in run["checkpoints"]]
    whole_runs = [(run["n"], run) for run in runs if "addfield" in run]
    for name, (title, y_label, getters, target) in CHECKPOINT_FIGURES.items():
        series = _series(checkpoints, getters)
        if series:
            (args.out / f"{name}.svg").write_text(
                svg_chart(title, y_label, series, target=target), encoding="utf-8"
            )
            print(f"wrote {args.out / name}.svg")
    for name, (title, y_label, getters, target) in RUN_FIGURES.items():
        series = _series(whole_runs, getters)
        if series:
            (args.out / f"{name}.svg").write_text(
                svg_chart(title, y_label, series, target=target), encoding="utf-8"
            )
            print(f"wrote {args.out / name}.svg")


if __name__ == "__main__":
    main()
