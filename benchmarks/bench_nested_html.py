"""Nested-HTML benchmark (issue 21 item 5): CPU time of reading generated deeply nested pages.

    .venv/bin/python benchmarks/bench_nested_html.py [--ref GIT_REF]

Pages: <div> towers of 450 levels (under the cap, read) and of 2,000 and 22,000 levels (110 KB, refused
past ``indexing.loaders.html.MAX_DEPTH``), and 20,000 unclosed <font> tags (inline, read as plain text).
Each page is read once in a fresh process by ``html_to_markdown`` and its process CPU time reported. With
``--ref``, the same pages are also read by ``indexing/loaders/html.py`` as of that git revision (each run
limited to 150 s of CPU; a run cut off is reported as "> 150").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CPU_LIMIT_S = 150

PAGES = {
    "div-450": ("<div>x", "</div>", 450),
    "div-2000": ("<div>x", "</div>", 2000),
    "div-22000": ("<div>x", "</div>", 22000),
    "font-20000": ("<font>x", "", 20000),
}

CHILD = r"""
import importlib.util, json, resource, sys, time
spec = importlib.util.spec_from_file_location("html_loader", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
html = open(sys.argv[2], encoding="utf-8").read()
import bs4  # imported before the clock starts
t = resource.getrusage(resource.RUSAGE_SELF).ru_utime
try:
    text, _ = mod.html_to_markdown(html); outcome = f"read, {len(text)} chars"
except Exception as exc:
    outcome = f"refused: {type(exc).__name__}"
print(json.dumps({"cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - t, 3), "outcome": outcome}))
"""


def page(open_tag: str, close_tag: str, n: int) -> str:
    return f"<html><body>{open_tag * n}<p>Reclaim the haul road.</p>{close_tag * n}</body></html>"


def run(loader: Path, html_file: Path) -> dict[str, object]:
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(loader), str(html_file)],
        capture_output=True, text=True, preexec_fn=limit, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"cpu_s": f"> {CPU_LIMIT_S}" if proc.returncode < 0 else None, "outcome": proc.stderr[-200:]}
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", help="also time indexing/loaders/html.py at this git revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        loaders = {"current": ROOT / "indexing" / "loaders" / "html.py"}
        if args.ref:
            old = Path(tmp) / "html_old.py"
            old.write_text(
                subprocess.check_output(["git", "show", f"{args.ref}:indexing/loaders/html.py"], cwd=ROOT, text=True)
            )
            loaders[args.ref] = old
        results = {}
        for name, (open_tag, close_tag, n) in PAGES.items():
            f = Path(tmp) / f"{name}.html"
            f.write_text(page(open_tag, close_tag, n), encoding="utf-8")
            for label, loader in loaders.items():
                r = run(loader, f)
                results[f"{name} ({f.stat().st_size // 1024} KB) {label}"] = r
                print(f"{name:11} {f.stat().st_size // 1024:4} KB {label:9} cpu_s={r['cpu_s']} {r['outcome']}")
    out = ROOT / "benchmarks" / "results" / "nested_html.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
