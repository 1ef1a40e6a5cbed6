"""The table: a few lines per measurement, each figure beside its comparisons, then every target's mark."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Row = tuple[str, str, str]  # section, figure, value
MARK = {True: "PASS", False: "MISS"}


def _us(f: dict[str, float]) -> str:
    return f"p50 {f['p50_us']:.0f} / p99 {f['p99_us']:.0f} / max {f['max_us']:.0f} µs, {f['per_s']:.0f}/s"


def _ms(f: dict[str, float]) -> str:
    return f"p50 {f['p50_ms']:.2f} / p99 {f['p99_ms']:.2f} / max {f['max_ms']:.2f} ms"


def skipped_rows(section: str, r: dict[str, Any]) -> list[Row]:
    """One row per part of a section that could not run here, with the reason."""
    return [(section, f"{part} skipped", why) for part, why in r.get("skipped", {}).items()]


def roundtrip_rows(r: dict[str, Any]) -> list[Row]:
    rows = [("1 round trip", name, _us(f)) for name, f in r["contenders"].items()]
    q = r["ratios"]
    rows.append(("1 round trip", "ratios (p50)",
                 f"ours / floor {q['to_floor']:.2f}x, pymodbus best / ours {q['peer_over_ours']:.2f}x; "
                 f"over the floor the link adds {q['link_cost_us']:.0f} µs, "
                 f"the simulator {q['sim_cost_us']:.0f} µs"))
    rows += [("1 round trip", f"ratio {key}", f"{q[key]:.2f}x = {floor}")
             for key, floor in r.get("floors", {}).items()]
    return rows + skipped_rows("1 round trip", r)


def schedule_rows(r: dict[str, Any]) -> list[Row]:
    return [("2 schedule", f"{name} |onset error|", f"{_ms(f)}, drift {f['drift_ms']:+.2f} ms")
            for name, f in r["contenders"].items()]


def virtual_rows(r: dict[str, Any]) -> list[Row]:
    lib = r["library"]
    return [("3 virtual time", "whole library",
             f"{lib['simulated_s']:.0f} simulated s in {lib['wall_s']:.2f} wall s = {lib['speedup']:.0f}x "
             f"(slowest program {lib['min_program_speedup']:.0f}x)"),
            ("3 virtual time", "frames and their cost",
             f"{lib['frames']} frames x {lib['bare_set_us']:.1f} µs bare SET round trip = "
             f"{100 * lib['frames_share_of_wall']:.0f}% of the wall time")] + cli_rows(r["cli"]["library"])


def cli_rows(cli: dict[str, Any]) -> list[Row]:
    """The default CLI path beside the library path it is divided by."""
    return [("3 virtual time", "whole library, CLI path, log on",
             f"{cli['simulated_s']:.0f} simulated s in {cli['wall_s']:.2f} wall s = {cli['speedup']:.0f}x "
             f"(slowest program {cli['min_program_speedup']:.0f}x, {cli['slowest_program']}); "
             f"{cli['over_library']:.2f}x the library path's wall time (no log, no CLI); "
             f"log {cli['log_bytes'] / 1e6:.1f} MB"),
            ("3 virtual time", f"whole process, {cli['slowest_program']}",
             f"{cli['process_wall_s']:.2f} wall s with start-up = {cli['process_speedup']:.0f}x real time")]


def idle_rows(r: dict[str, Any]) -> list[Row]:
    f = r["figures"]
    return [("4 idle cost", f"playing {r['params']['program']} in real time",
             f"controller {f['controller_pct']:.2f}% / simulator {f['simulator_pct']:.2f}% of a core")]


def stop_rows(r: dict[str, Any]) -> list[Row]:
    def hung(f: dict[str, Any]) -> str:
        return f", {f['hung']} did not exit" if f.get("hung") else ""

    return [("5 stop latency", name, f"{_ms(f)} (n={f['n']}{hung(f)})")
            for name, f in r["contenders"].items()]


def startup_rows(r: dict[str, Any]) -> list[Row]:
    return [("6 start-up", name, f"{f['ms']:.0f} ms = {f['ratio_to_python']:.1f}x python -c pass")
            for name, f in r["figures"].items()]


def wire_rows(r: dict[str, Any]) -> list[Row]:
    fr = r["frames"]
    rows = [("7 wire budget", "frame bytes",
             f"SET 1 zone {fr['set_1zone']} B, 4 zones {fr['set_4zone']} B, HEARTBEAT {fr['heartbeat']} B, "
             f"ACK {fr['ack']} B")]
    for name in r["programs"]:
        cells = []
        for profile in ("foot", "chair"):
            c = r["runs"].get(f"{profile}/9600", {}).get(name)
            if c is not None:
                cells.append(f"{profile} tx {_pct(c['tx'])}, rx {_pct(c['rx'])}")
        rows.append(("7 wire budget", f"{name} at 9600, per direction (handshake / playing)",
                     "; ".join(cells)))
    for name, p in r["programs"].items():  # the old figure, both directions added, kept for history
        rows.append(("7 wire budget", f"{name} busiest second (both ways, old figure)",
                     f"{p['busiest_bytes_per_s']} B ({100 * p['share_115200']:.1f}% of 115200, "
                     f"{100 * p['share_9600']:.0f}% of 9600); playing {p['busiest_playing_bytes_per_s']} B "
                     f"({100 * p['playing_share_9600']:.0f}% of 9600), both ways against one direction"))
    return rows


def _pct(direction: dict[str, Any]) -> str:
    return f"{100 * direction['handshake_share']:.0f} / {100 * direction['playing_share']:.0f}%"


def memory_rows(r: dict[str, Any]) -> list[Row]:
    f = r["figures"]
    return [("8 memory", f"peak RSS, {r['params']['program']}",
             f"{f['peak_rss_mib']:.1f} MiB (imports alone {f['imports_only_mib']:.1f} MiB, run adds "
             f"{f['run_adds_mib']:.1f} MiB)")] + many_rows(r.get("many"))


def many_rows(m: dict[str, Any] | None) -> list[Row]:
    """Many devices in one process (bench/manydev.py): per device, the import ladder, the biggest owners."""
    if not m:
        return []
    f, n = m["figures"], m["params"]["many"]
    ladder = ", ".join(f"{name} {mib:.1f}" for name, mib in m["ladder"])
    top = ", ".join(f"{file} {mib:.2f} MiB" for file, mib, _count in m["top"])
    return [("8 memory", f"{n} devices in one process, {m['params']['program']}",
             f"peak RSS {f['rss_many_mib']:.1f} MiB (1 device {f['rss_one_mib']:.1f}): "
             f"{f['rss_per_device_mib']:.2f} MiB and {f['cpu_percent_core_per_device']:.3f}% of a core per "
             "device played in real time (simulator in the same process; no MQTT)"),
            ("8 memory", "peak RSS after each import (MiB)", ladder),
            ("8 memory", f"tracemalloc's biggest owners, {n} devices played", top)]


def serve_rows(r: dict[str, Any]) -> list[Row]:
    if "round_trip" not in r:
        return skipped_rows("11 serve", r)
    trip = r["round_trip"]
    rows = [("11 serve", "MQTT command to state, through Mosquitto",
             f"p50 {trip['p50_ms']:.2f} / p99 {trip['p99_ms']:.2f} / max {trip['max_ms']:.2f} ms "
             f"(n={trip['samples']})")]
    for c in r["capacity"]:
        onset = "no onsets" if c["onsets"] == 0 else (
            f"onset p50 {c['onset_p50_ms']:.2f} / p99 {c['onset_p99_ms']:.2f} ms (n={c['onsets']})")
        rows.append(("11 serve", f"{c['devices']} devices playing",
                     f"{onset}; {c['watchdog_trips']} watchdog trips, {c['lease_expiries']} lease expiries; "
                     f"{c['cpu_percent_core']:.1f}% of a core ({c['cpu_percent_core_per_device']:.2f}% per "
                     f"device), peak RSS {c['peak_rss_mb']:.0f} MB"))
    return rows


def firmware_rows(r: dict[str, Any]) -> list[Row]:
    if "figures" not in r:
        return skipped_rows("9 firmware", r)
    from bench import firmware

    return [("9 firmware", figure, value) for figure, value in firmware.rows(r["figures"])]


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "roundtrip": roundtrip_rows, "schedule": schedule_rows, "virtual": virtual_rows, "idle": idle_rows,
    "stop": stop_rows, "startup": startup_rows, "wire": wire_rows, "memory": memory_rows,
    "firmware": firmware_rows, "serve": serve_rows}


def rows(name: str, result: dict[str, Any]) -> list[Row]:
    """A section's rows, or one row saying why it has none."""
    if "error" in result:
        return [(name, "FAILED", result["error"])]
    return ROWS[name](result)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def target_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(target, measured, goal, PASS/MISS, the issue that set it) for every target of every section."""
    out = []
    for section in results.values():
        for t in section.get("targets", []):
            out.append((t["name"], f"{_fmt(t['value'])} {t['unit']}".strip(), t["goal"], MARK[t["met"]],
                        t.get("issue", "6")))
    return out


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [header]] + [line] + [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]


def text(results: dict[str, Any], machine: dict[str, Any]) -> str:
    """The plain-text table printed at the end of a run."""
    figures = [row for name, r in results.items() for row in rows(name, r)]
    head = (f"massagectl benchmarks {machine['date']} on {machine['cpu']} ({machine['cores']} cores), "
            f"Python {machine['python']}, {machine['os']}, load {machine['load_before']}")
    targets = target_rows(results)
    marks = ["", *_table(targets, ("target", "measured", "goal", "mark", "issue"))] if targets else []
    return "\n".join([head, "", *_table(figures, ("measurement", "figure", "value")), *marks])


def markdown(results: dict[str, Any], machine: dict[str, Any]) -> str:
    """The same table as Markdown, for the README's performance section."""
    lines = [f"Run {machine['date']} on {machine['cpu']}, {machine['cores']} cores, "
             f"Python {machine['python']}, {machine['os']} "
             f"(load average before the run {machine['load_before']}).", "",
             "| measurement | figure | value |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for name, r in results.items() for a, b, c in rows(name, r)]
    if target_rows(results):
        lines += ["", "| target | measured | goal | mark | issue |", "|---|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in target_rows(results)]
    return "\n".join(lines) + "\n"
