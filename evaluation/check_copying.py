"""Report long verbatim overlaps between our files and a reference folder.

The bundled notes must be written in our own words. This script flags any run of
12 or more identical English words, or 24 or more identical Chinese characters,
shared between a checked file and any text file under the reference folder.

Usage:
    python -m evaluation.check_copying --reference ../shared corpus/notes evaluation/gold

Exit status is 1 when at least one overlap is found, so it can gate CI or a pre-commit hook.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.core.text import CJK_RE

WORD_RUN = 12
HAN_RUN = 24
TEXT_SUFFIXES = {".md", ".txt", ".toml", ".jsonl", ".json", ".yaml", ".yml", ".py", ".html"}

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_HAN = CJK_RE


def english_words(text: str) -> list[str]:
    """Lower-cased word tokens; punctuation and markup are ignored so they cannot hide a copy."""
    return _WORD.findall(text.lower())


def han_chars(text: str) -> str:
    """Only the CJK ideographs of the text, in order (punctuation and Latin text dropped)."""
    return "".join(_HAN.findall(text))


def _ngrams(seq: list[str] | str, n: int) -> Iterator[tuple[int, tuple[str, ...] | str]]:
    for i in range(len(seq) - n + 1):
        gram = seq[i : i + n]
        yield i, tuple(gram) if isinstance(seq, list) else gram


def build_reference(paths: Iterable[Path]) -> tuple[set[tuple[str, ...]], set[str]]:
    """All word 12-grams and Han 24-grams found in the reference files."""
    words: set[tuple[str, ...]] = set()
    hans: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(g for _, g in _ngrams(english_words(text), WORD_RUN))  # type: ignore[misc]
        hans.update(g for _, g in _ngrams(han_chars(text), HAN_RUN))  # type: ignore[misc]
    return words, hans


def find_copies(text: str, ref_words: set, ref_hans: set) -> list[str]:
    """Describe each overlapping run in text (merged, so one long copy is reported once)."""
    found: list[str] = []
    for seq, n, ref, joiner in (
        (english_words(text), WORD_RUN, ref_words, " "),
        (han_chars(text), HAN_RUN, ref_hans, ""),
    ):
        hits = [i for i, g in _ngrams(seq, n) if g in ref]
        start = prev = None
        for i in [*hits, None]:
            if start is not None and (i is None or i != prev + 1):
                found.append(joiner.join(seq[start : prev + n]))
                start = None
            if i is not None and start is None:
                start = i
            prev = i
    return found


def iter_text_files(roots: Iterable[Path]) -> Iterator[Path]:
    """Text files under the given files or folders."""
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in TEXT_SUFFIXES)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="folder of texts we must not copy")
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders to check")
    args = parser.parse_args(argv)
    if not args.reference.is_dir():
        print(f"reference folder {args.reference} does not exist; pass --reference DIR", file=sys.stderr)
        return 2
    ref_words, ref_hans = build_reference(iter_text_files([args.reference]))
    checked = copies = 0
    for path in iter_text_files(args.paths):
        checked += 1
        for run in find_copies(path.read_text(encoding="utf-8"), ref_words, ref_hans):
            copies += 1
            print(f"{path}: copied run: {run[:200]}")
    print(f"checked {checked} files against {args.reference}: {copies} copied runs")
    return 1 if copies else 0


if __name__ == "__main__":
    sys.exit(main())
