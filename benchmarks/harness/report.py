"""One table (stdout) and one JSON file (benchmarks/results/) per run, with ratios and targets."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.harness.paths import RESULTS_DIR

Results = dict[str, Any]  # {"contenders": {name: {"row", "status", "scenarios": {scenario: {...}}}}}


def _rps(results: Results, row: int, scenario: str) -> float | None:
    for entry in results["contenders"].values():
        if entry["row"] == row and entry["status"] == "ok":
            value = entry["scenarios"].get(scenario, {}).get("requests_per_s")
            return float(value) if value else None
    return None


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value and base else "-"


def table(results: Results) -> str:
    header = (
        f"{'scenario':<11} {'row':>3} {'contender':<20} {'req/s':>8} {'CPU us':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'DB q/req':>8} {'RTT/req':>7} {'cmd/req':>7} "
        f"{'vs r2':>6} {'vs r3':>6} {'vs r5':>6} {'stale':>7} {'err':>5} {'misses':>6}"
    )
    lines = [header, "-" * len(header)]
    scenarios = [s for s in results["scenarios"]]
    for scenario in scenarios:
        r2, r3, r5 = (_rps(results, row, scenario) for row in (2, 3, 5))
        for name, entry in results["contenders"].items():
            data = entry["scenarios"].get(scenario)
            if entry["status"] != "ok":
                if scenario == scenarios[0]:
                    lines.append(
                        f"{scenario:<11} {entry['row']:>3} {name:<20} {entry['status'].upper()}: "
                        f"{entry.get('reason', '')[:110]}"
                    )
                continue
            if data is None:
                continue
            if "error" in data:
                lines.append(f"{scenario:<11} {entry['row']:>3} {name:<20} ERROR: {data['error'][:90]}")
                continue
            rps = data["requests_per_s"]
            stale = f"{data['stale_read_ratio']:.1%}" if "stale_read_ratio" in data else ""
            errors = data.get("client_errors", 0) + data.get("non_2xx", 0)
            cpu = data.get("server_cpu_us_per_request")
            # Hits that were not hits: X-Cache misses during an all-hits phase (core rows only).
            misses = str(data.get("cache_misses", 0)) if scenario.startswith("hits") and entry.get("core") else ""
            lines.append(
                f"{scenario:<11} {entry['row']:>3} {name:<20} {rps:>8.0f} "
                f"{'-' if cpu is None else f'{cpu:.0f}':>7} {data['p50_ms']:>8.1f} "
                f"{data['p99_ms']:>8.1f} {data['db_queries_per_request']:>8.2f} "
                f"{data.get('redis_round_trips_per_request', 0):>7.2f} "
                f"{data['redis_commands_per_request']:>7.2f} {_ratio(rps, r2):>6} {_ratio(rps, r3):>6} "
                f"{_ratio(rps, r5):>6} {stale:>7} {errors:>5} {misses:>6}"
            )
        lines.append("")
    return "\n".join(lines)


def storage_lines(results: Results) -> list[str]:
    lines = ["bytes stored per entry (after hits-list; MEMORY USAGE / value STRLEN, payload keys excluded):"]
    for name, entry in results["contenders"].items():
        store = entry.get("scenarios", {}).get("hits-list", {}).get("storage")
        if store and store["keys"]:
            lines.append(
                f"  {entry['row']} {name:<20} {store['keys']:>5} keys  "
                f"{store['memory_usage_bytes_per_key']:>8.0f} B/key in Redis  "
                f"{store['value_bytes_per_key']:>8.0f} B/value"
            )
    return lines


def targets(results: Results) -> list[str]:
    """The issue's targets, evaluated on this run (reported, never asserted)."""
    hits = "hits-list"
    r2, r3, r5 = (_rps(results, row, hits) for row in (2, 3, 5))
    native = next((e for e in results["contenders"].values() if e["row"] == 5 and e["status"] == "ok"), None)
    lines = ["targets (this run):"]

    def check(label: str, value: float | None, ok: bool | None) -> None:
        verdict = "n/a (row missing)" if value is None else ("PASS" if ok else "FAIL")
        shown = "" if value is None else f"{value:.2f}"
        lines.append(f"  {label:<52} {shown:>8}  {verdict}")

    check("hit req/s row5 / row2 >= 0.8", r5 / r2 if r5 and r2 else None, bool(r5 and r2 and r5 / r2 >= 0.8))
    check("hit req/s row5 / row3 >= 5", r5 / r3 if r5 and r3 else None, bool(r5 and r3 and r5 / r3 >= 5))
    r10 = _rps(results, 10, hits)
    lines.append(
        f"  {'bound: row10 (ADRF view, no cache) / row2':<52} {'n/a' if not (r10 and r2) else f'{r10 / r2:8.2f}'}"
    )
    lines.append(
        f"  {'hit req/s row5 / row10 (share of the ADRF ceiling)':<52} "
        f"{'n/a' if not (r5 and r10) else f'{r5 / r10:8.2f}'}"
    )
    for row in (4, 6, 7, 8):
        other = _rps(results, row, hits)
        value = other / r5 if other and r5 else None
        lines.append(
            f"  {'hit req/s row' + str(row) + ' / row5':<52} {'n/a' if value is None else f'{value:8.2f}'}"
        )
    hit_data = native["scenarios"].get(hits) if native else None
    check(
        "DB queries per hit (row5) == 0 (< 0.01: a phase may hold a learning miss)",
        hit_data["db_queries_per_request"] if hit_data else None,
        bool(hit_data and hit_data["db_queries_per_request"] < 0.01),
    )
    check(
        "Redis round trips per hit (row5) == 1",
        hit_data["redis_round_trips_per_request"] if hit_data else None,
        bool(hit_data and abs(hit_data["redis_round_trips_per_request"] - 1) < 0.01),
    )
    check(
        "Redis commands per hit (row5, INFO commandstats) == 1",
        hit_data["redis_commands_per_request"] if hit_data else None,
        bool(hit_data and abs(hit_data["redis_commands_per_request"] - 1) < 0.05),
    )
    # Miss path: each cache against the uncached view it wraps (row 7 wraps the sync DRF view, row 9).
    for row, base in ((5, 3), (4, 3), (6, 3), (8, 3), (7, 9)):
        cold, cold_base = _rps(results, row, "cold"), _rps(results, base, "cold")
        overhead = cold_base / cold - 1 if cold and cold_base else None
        label = f"miss overhead row{row} vs row{base} (cold req/s)" + (" <= 10%" if row == 5 else "")
        if row == 5:
            check(label, overhead, bool(overhead is not None and overhead <= 0.10))
        else:
            lines.append(f"  {label:<52} {'n/a' if overhead is None else f'{overhead:8.2f}'}")
    return lines


def speed_targets(results: Results) -> list[str]:
    """Issue 11's targets: hits against the bare GET, pooled rows against pooled rows, cold misses."""
    hits = "hits-list"
    lines = ["issue 11 targets (this run; medians over rounds when --rounds > 1):"]

    def ratio(label: str, row: int, base: int, scenario: str, goal: float | None) -> None:
        value, reference = _rps(results, row, scenario), _rps(results, base, scenario)
        shown = "n/a (row missing)" if not (value and reference) else f"{value / reference:8.2f}"
        verdict = ""
        if goal is not None and value and reference:
            verdict = "  PASS" if value / reference >= goal else "  FAIL"
        lines.append(f"  {label:<60} {shown}{verdict}")

    ratio("hit row5 / row2 (stock handler) >= 0.85 (stretch 1.0)", 5, 2, hits, 0.85)
    ratio("hit row11 (pooled) / row2 (stock handler) >= 0.85", 11, 2, hits, 0.85)
    ratio("hit row11 / row13 (both pooled)", 11, 13, hits, None)
    ratio("hit row5 / row15 (initial() on the loop vs adrf's hop)", 5, 15, hits, None)
    ratio("hit row5 / row10 (share of the ADRF-view ceiling)", 5, 10, hits, None)
    ratio("pooled gain: row12 / row1", 12, 1, hits, None)
    ratio("pooled gain: row13 / row2", 13, 2, hits, None)
    ratio("pooled gain: row14 / row10", 14, 10, hits, None)
    ratio("cold row5 (one-hop serialization) / row3 (uncached adrf) >= 8", 5, 3, "cold", 8.0)
    ratio("cold row15 (adrf's adata) / row3", 15, 3, "cold", None)
    ratio("cold row5 / row9 (uncached sync DRF)", 5, 9, "cold", None)
    for row in (5, 11):
        entry = next((e for e in results["contenders"].values() if e["row"] == row and e["status"] == "ok"), None)
        data = entry["scenarios"].get(hits) if entry else None
        if data:
            lines.append(
                f"  {'row' + str(row) + ' per hit: DB queries / Redis round trips / misses':<60} "
                f"{data['db_queries_per_request']:.2f} / {data['redis_round_trips_per_request']:.2f} / "
                f"{data.get('cache_misses', 0)}"
            )
    return lines


def write_json(results: Results) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"run-{time.strftime('%Y%m%d-%H%M%S')}{'-smoke' if results['smoke'] else ''}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=True))
    return path
