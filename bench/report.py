"""Figures of a benchmark run: ratios to the floor, targets met or not, a printed summary
and a PNG plot."""

from __future__ import annotations

from pathlib import Path

MAIN_VARIANTS = ("tuned", "default", "as_shipped")
RASA_RSS_LIMIT_MB = 1536
ACTIONS_RSS_LIMIT_MB = 250


def _ratio(value, reference) -> float | None:
    return round(value / reference, 3) if value is not None and reference else None


def _run(report: dict, target: str, path: str, clients: int) -> dict:
    return report.get("latency", {}).get(target, {}).get("runs", {}).get(path, {}).get(str(clients), {})


def ratios(report: dict) -> dict:
    """Every latency and throughput figure of Boussole over the floor's, path by path (the
    gateway over the floor's REST turn, the floor having no website)."""
    out = {}
    for name, figures in report.get("latency", {}).items():
        if name == "floor":
            continue
        for path, by_clients in figures["runs"].items():
            for clients, run in by_clients.items():
                floor = _run(report, "floor", "rest" if path == "gateway" else path, int(clients))
                out.setdefault(name, {}).setdefault(path, {})[clients] = {
                    key: _ratio(run.get(key), floor.get(key))
                    for key in ("p50_ms", "p95_ms", "p99_ms", "throughput_per_s")
                }
    return out


def layers(report: dict) -> dict:
    """Each layer's cost, from the side-by-side run at one client: the full turn over NLU
    alone, the gateway over the full turn."""
    out = {}
    for name, figures in report.get("latency", {}).items():
        paired = (figures.get("paired_1") or {}).get("paths", {})
        differences = (figures.get("paired_1") or {}).get("side_by_side", {})
        nlu, rest, gateway = (paired.get(p, {}).get("p50_ms") for p in ("nlu", "rest", "gateway"))
        out[name] = {
            "nlu_p50_ms": nlu,
            "rest_p50_ms": rest,
            "gateway_p50_ms": gateway,
            "turn_over_nlu": _ratio(rest, nlu),
            "gateway_over_turn": _ratio(gateway, rest),
            # The median of the turn-by-turn differences: same message, same moment.
            "gateway_adds_ms": differences.get("gateway-rest", {}).get("median_ms"),
            "dialogue_and_actions_ms": differences.get("rest-nlu", {}).get("median_ms"),
        }
    return out


def _max_memory(report: dict, target: str, part: str, key: str = "rss_mb") -> int | None:
    memory = report.get("memory", {})
    values = [
        snapshot.get(target, {}).get(part, {}).get(key)
        for snapshot in (memory.get("after_warm_up", {}), memory.get("after_soak", {}))
    ]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _row(name: str, target: str, measured, unit: str, met: bool | None, detail: str = "") -> dict:
    return {"target": name, "objective": target, "measured": measured, "unit": unit, "met": met, "detail": detail}


def variant_targets(report: dict, variant: str) -> list:
    rows = []
    ours1, floor1 = _run(report, variant, "rest", 1), _run(report, "floor", "rest", 1)
    if ours1 and floor1:
        r = _ratio(ours1["p50_ms"], floor1["p50_ms"])
        rows.append(
            _row(
                "tour complet (action + base), p50 à 1 conversation",
                "≤ 1,2 × floor",
                r,
                "× floor",
                r <= 1.2,
                f"{ours1['p50_ms']} ms contre {floor1['p50_ms']} ms",
            )
        )
    ours20, floor20 = _run(report, variant, "rest", 20), _run(report, "floor", "rest", 20)
    if ours20 and floor20:
        r = _ratio(ours20["throughput_per_s"], floor20["throughput_per_s"])
        rows.append(
            _row(
                "débit à 20 conversations",
                "≥ 1,5 × floor",
                r,
                "× floor",
                r >= 1.5,
                f"{ours20['throughput_per_s']} contre {floor20['throughput_per_s']} tours/s",
            )
        )
        r = _ratio(ours20["p95_ms"], floor20["p95_ms"])
        rows.append(
            _row(
                "p95 à 20 conversations",
                "≤ 0,6 × floor",
                r,
                "× floor",
                r <= 0.6,
                f"{ours20['p95_ms']} ms contre {floor20['p95_ms']} ms",
            )
        )
    rss = _max_memory(report, variant, "rasa")
    if rss is not None:
        pss = _max_memory(report, variant, "rasa", "pss_mb")
        rows.append(
            _row(
                "mémoire du serveur Rasa (RSS, avec ses workers)",
                "≤ 1,5 Go",
                rss,
                "Mo",
                rss <= RASA_RSS_LIMIT_MB,
                f"PSS {pss} Mo ; floor {_max_memory(report, 'floor', 'rasa')} Mo",
            )
        )
    rss = _max_memory(report, variant, "actions")
    if rss is not None:
        rows.append(_row("mémoire du serveur d'actions (RSS)", "≤ 250 Mo", rss, "Mo", rss <= ACTIONS_RSS_LIMIT_MB))
    layer = layers(report).get(variant, {})
    if layer.get("gateway_adds_ms") is not None:
        rows.append(
            _row(
                "surcoût du site web (passerelle), p50",
                "≤ 3 ms",
                layer["gateway_adds_ms"],
                "ms",
                layer["gateway_adds_ms"] <= 3,
                f"médiane des écarts tour par tour ; p50 {layer['gateway_p50_ms']} ms contre {layer['rest_p50_ms']} ms",
            )
        )
    return rows


def targets(report: dict) -> dict:
    by_variant = {
        v: variant_targets(report, v)
        for v in report.get("latency", report.get("memory", {}).get("after_warm_up", {}))
        if v != "floor"
    }
    main = next((v for v in MAIN_VARIANTS if by_variant.get(v)), None)
    return {
        "variant": main,
        "rows": by_variant.get(main, []),
        "by_variant": by_variant,
        "ratios": ratios(report),
        "layers": layers(report),
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def print_summary(report: dict) -> None:
    load_start, load_end = report.get("machine_start", {}).get("loadavg"), report.get("machine_end", {}).get("loadavg")
    print(f"\nCharge de la machine (1, 5, 15 min) : {load_start} au début, {load_end} à la fin.")
    if report.get("model_load_s"):
        print("Chargement du modèle : " + ", ".join(f"{k} {v} s" for k, v in report["model_load_s"].items()))
    latency = report.get("latency", {})
    if latency:
        print("\n| cible | chemin | clients | tours/s | p50 ms | p95 ms | p99 ms | p50 / floor | débit / floor |")
        print("|---|---|---|---|---|---|---|---|---|")
        ratio_table = report.get("targets", {}).get("ratios", {})
        for name, figures in latency.items():
            for path, by_clients in figures["runs"].items():
                for clients, run in by_clients.items():
                    r = ratio_table.get(name, {}).get(path, {}).get(clients, {})
                    print(
                        f"| {name} | {path} | {clients} | {_fmt(run['throughput_per_s'])} | {_fmt(run['p50_ms'])} | "
                        f"{_fmt(run['p95_ms'])} | {_fmt(run['p99_ms'])} | {_fmt(r.get('p50_ms'))} | "
                        f"{_fmt(r.get('throughput_per_s'))} |"
                    )
        print("\nCouches, côte à côte à 1 client (p50) :")
        for name, layer in report.get("targets", {}).get("layers", {}).items():
            print(
                f"  {name} : NLU {_fmt(layer['nlu_p50_ms'])} ms, tour {_fmt(layer['rest_p50_ms'])} ms "
                f"(× {_fmt(layer['turn_over_nlu'])} ; + {_fmt(layer['dialogue_and_actions_ms'])} ms tour par tour), "
                f"site web {_fmt(layer['gateway_p50_ms'])} ms (+ {_fmt(layer['gateway_adds_ms'])} ms tour par tour)"
            )
    memory = report.get("memory", {})
    for moment in ("after_warm_up", "after_soak"):
        if memory.get(moment):
            label = "après la mise en route" if moment == "after_warm_up" else f"après {memory.get('soak_turns')} tours"
            print(f"\nMémoire {label} (RSS / PSS, Mo) :")
            for name, parts in memory[moment].items():
                print(f"  {name} : " + ", ".join(f"{part} {m['rss_mb']} / {m['pss_mb']}" for part, m in parts.items()))
    for name, figures in report.get("profile", {}).items():
        if name == "bot_answers":
            print(
                f"\nRéponses de bot/ dans le processus : {figures['ms_per_answer']} ms par réponse "
                f"({figures['answers']} réponses)"
            )
        elif "cpu_ms_per_turn" in figures:
            print(f"\nProfil de Rasa — {name} : {figures['busy_ms_per_turn']} ms de calcul par tour")
            for part, ms in figures["cpu_ms_per_turn"].items():
                print(f"  {ms:7.2f} ms  {part}")
    for key, label in (("training", "Entraînement"), ("cold_start", "make run à froid"), ("nlu", "Qualité NLU")):
        if report.get(key):
            print(f"\n{label} : {report[key]}")
    rows = report.get("targets", {}).get("by_variant", {})
    for variant, variant_rows in rows.items():
        if not variant_rows:
            continue
        print(f"\nObjectifs — boussole/{variant} :")
        print("| objectif | cible | mesuré | atteint | détail |")
        print("|---|---|---|---|---|")
        for row in variant_rows:
            met = {True: "oui", False: "non", None: "—"}[row["met"]]
            print(
                f"| {row['target']} | {row['objective']} | {_fmt(row['measured'])} {row['unit']} | {met} | "
                f"{row['detail']} |"
            )


def plot(report: dict, out: Path) -> Path | None:
    latency, memory = report.get("latency", {}), report.get("memory", {})
    if not latency and not memory.get("samples"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    (throughput_ax, p95_ax), (p50_ax, memory_ax) = axes
    for name, figures in latency.items():
        for path in ("rest", "gateway"):
            runs = figures["runs"].get(path)
            if not runs:
                continue
            clients = sorted(int(c) for c in runs)
            style = "-o" if path == "rest" else "--s"
            label = f"{name} ({'REST' if path == 'rest' else 'site web'})"
            throughput_ax.plot(clients, [runs[str(c)]["throughput_per_s"] for c in clients], style, label=label)
            p95_ax.plot(clients, [runs[str(c)]["p95_ms"] for c in clients], style, label=label)
    throughput_ax.set(title="Débit (tours complets par seconde)", xlabel="conversations simultanées", ylabel="tours/s")
    p95_ax.set(title="Latence p95 d'un tour complet", xlabel="conversations simultanées", ylabel="ms", yscale="log")
    for ax in (throughput_ax, p95_ax):
        ax.set_xscale("log")
        ax.set_xticks([1, 5, 20, 50])
        ax.set_xticklabels(["1", "5", "20", "50"])
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    names = list(latency)
    paths = ("nlu", "rest", "gateway")
    width = 0.8 / len(paths)
    for i, path in enumerate(paths):
        values = [(latency[n].get("paired_1") or {}).get("paths", {}).get(path, {}).get("p50_ms") or 0 for n in names]
        p50_ax.bar(
            [x + i * width for x in range(len(names))],
            values,
            width,
            label={"nlu": "NLU seule", "rest": "tour REST", "gateway": "site web"}[path],
        )
    p50_ax.set_xticks([x + width for x in range(len(names))])
    p50_ax.set_xticklabels(names)
    p50_ax.set(title="p50 à 1 client, chemins côte à côte", ylabel="ms")
    p50_ax.legend(fontsize=8)
    p50_ax.grid(True, axis="y", alpha=0.3)
    samples = memory.get("samples") or []
    if samples:
        turns = [s["turns"] for s in samples]
        for part in ("rasa", "actions", "web"):
            memory_ax.plot(turns, [s.get(part) for s in samples], label=part)
    memory_ax.set(
        title=f"RSS pendant {memory.get('soak_turns', '')} tours ({memory.get('soak_target', '')})",
        xlabel="tours",
        ylabel="Mo",
    )
    memory_ax.grid(True, alpha=0.3)
    if samples:
        memory_ax.legend(fontsize=8)
    fig.suptitle(
        f"Boussole Export face au floor (rasa init) — {report.get('date', '')}, "
        f"charge {report.get('machine_start', {}).get('loadavg')} → {report.get('machine_end', {}).get('loadavg')}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
