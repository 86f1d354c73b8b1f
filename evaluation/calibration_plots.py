"""The calibration figures of a report: a reliability diagram and a precision–coverage curve (matplotlib, Agg).

Both read ``report["calibration"]`` (see :func:`evaluation.reliability.summary`): one panel or curve for all
cases and one per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _groups(calibration: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    groups = [("all", calibration["all"])] if "all" in calibration else []
    groups += [(lang, s) for lang, s in calibration.get("by_language", {}).items()]
    return groups


def write_reliability(calibration: Mapping[str, Any], path: Path) -> Path:
    """Per group: fact rate against mean confidence per bin, the diagonal, and how many cases each bin holds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _groups(calibration)
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(4.2 * max(1, len(groups)), 4.2), squeeze=False)
    for ax, (name, s) in zip(axes[0], groups or [("all", {})], strict=False):
        bins = [b for b in s.get("reliability", []) if b["n"]]
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
        if bins:
            width = bins[0]["hi"] - bins[0]["lo"]
            ax.bar([b["lo"] for b in bins], [b["accuracy"] for b in bins], width=width, align="edge",
                   alpha=0.7, edgecolor="black", label="fact rate")  # fmt: skip
            ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o", color="black", markersize=3)
            for b in bins:
                ax.text(b["lo"] + width / 2, 0.02, str(b["n"]), ha="center", fontsize=7)
        else:
            ax.text(0.5, 0.5, "no confidence reported", ha="center", va="center")
        ece = s.get("ece")
        ax.set_title(f"{name}: ECE " + ("–" if ece is None else f"{ece:.3f}") + f" (n={s.get('n_with_confidence', 0)})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("confidence")
        ax.set_ylabel("fact rate")
    axes[0][0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_precision_coverage(calibration: Mapping[str, Any], path: Path) -> Path:
    """Precision (fact rate among answered) when only the top-confidence fraction is answered, per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    drawn = 0
    for name, s in _groups(calibration):
        points = s.get("precision_coverage") or []
        if not points:
            continue
        xs = [0.0] + [p["coverage"] for p in points]
        ys = [points[0]["precision"]] + [p["precision"] for p in points]
        ax.step(xs, ys, where="pre", label=f"{name} (n={s.get('n_with_confidence', 0)})")
        drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, "no confidence reported", ha="center", va="center")
    else:
        ax.legend(fontsize=8, loc="lower left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of questions answered, most confident first)")
    ax.set_ylabel("precision (fact rate among answered)")
    ax.set_title("precision–coverage")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
