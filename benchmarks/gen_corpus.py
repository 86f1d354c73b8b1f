"""Generate a deterministic benchmark corpus of mine-restoration PDFs (laws, standards, case studies).

The text is synthetic, written from sentence templates with a seeded RNG: realistic in shape (chapters,
articles, numbered paragraphs, principles and standards, case-study sections, figures with units) so
structure-aware chunking has work to do, but not copied from any real document.

    .venv/bin/python benchmarks/gen_corpus.py OUT_DIR [--pages 320] [--docs 12] [--seed 7]

``make_document(i, path, seed, pages, edit=True)`` rewrites one document with one paragraph changed
(the "one changed file" re-ingest case).
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

PARTIES = [
    "The operator",
    "The permit holder",
    "The mining enterprise",
    "The rehabilitation contractor",
    "The holder of the mining right",
    "The closure manager",
]
AUTHORITIES = ["The competent authority", "The provincial land department", "The inspectorate", "The review panel"]
OBLIGATIONS = [
    "shall strip topsoil to a depth of {d} centimetres and stockpile it separately from overburden",
    "shall reshape waste rock dumps so that no final slope is steeper than {s} degrees",
    "shall establish a self-sustaining vegetation cover of at least {p} percent of the reference site",
    "shall monitor groundwater quality at no fewer than {k} boreholes every {m} months",
    "shall lodge a financial assurance of not less than {a} per hectare of disturbed land",
    "shall submit an updated closure plan every {y} years",
    "shall seal every adit and shaft with a reinforced concrete plug at least {t} metres thick",
    "shall divert clean runoff around disturbed areas through channels sized for a {r}-year flood",
    "shall neutralise acid drainage until the pH of the discharge stays between {ph} and 9.0",
    "shall replace stored topsoil within {m} months of final landform construction",
    "shall plant locally sourced native species at a density of {n} stems per hectare",
    "shall keep a register of all rehabilitated areas with their coordinates and completion dates",
    "shall fence rehabilitated land against grazing for at least {y} growing seasons",
    "shall report erosion rills deeper than {d} centimetres within {w} days of detection",
]
CONDITIONS = [
    "before any ground is disturbed",
    "within {m} months after mining ceases in an area",
    "in accordance with the approved rehabilitation plan",
    "unless the competent authority grants a written exemption",
    "for every phase of the mine life",
    "as soon as a landform reaches its final shape",
    "where the post-mining land use is agriculture",
    "where the post-mining land use is native woodland",
]
AUTH_ACTIONS = [
    "shall inspect rehabilitated land at least once every {m} months",
    "may withhold release of the financial assurance until completion criteria are met",
    "shall publish each approved closure plan within {w} days",
    "may order corrective works at the expense of the operator",
    "shall consult the affected communities before approving a change of post-mining land use",
]
EXPLAIN = [
    "Completion criteria are measurable targets agreed before mining that show rehabilitation has succeeded.",
    "The reference site is undisturbed land of the same soil type and climate used as the benchmark.",
    "Progressive rehabilitation means restoring each area as soon as mining there has finished.",
    "Financial assurance secures the cost of closure should the operator fail to complete it.",
    "Acid and metalliferous drainage forms when sulfide minerals in exposed rock react with air and water.",
    "A stable landform is one whose erosion rate does not exceed that of the surrounding land.",
    "Topsoil holds most of the seed bank, nutrients and soil organisms needed for recovery.",
]
SITES = ["Red Ridge", "Koala Flats", "Granite Bend", "Lake Mirren", "Sandy Creek", "Ironstone Hill", "Yellow River"]
CASE_SECTIONS = [
    "Site description",
    "Pre-mining land use",
    "Rehabilitation objectives",
    "Landform design",
    "Topsoil management",
    "Revegetation",
    "Water management",
    "Monitoring results",
    "Costs",
    "Lessons learned",
]
CASE_SENTENCES = [
    "At the {site} mine, {v} hectares were reshaped and topsoiled between {y1} and {y2}.",
    "Vegetation cover on the rehabilitated dumps reached {p} percent after {y} years.",
    "Sediment yield from the rehabilitated catchment fell by {p} percent compared with the first year.",
    "The cost of rehabilitation averaged {a} per hectare, including seed, fertiliser and earthworks.",
    "Groundwater sulfate concentrations declined from {c} to {c2} milligrams per litre.",
    "Direct return of fresh topsoil produced twice the seedling density of topsoil stored for over {y} years.",
    "Local landholders took part in choosing the species mix for the {site} pasture trial.",
    "Erosion control blankets were laid on all slopes steeper than {s} degrees.",
]


def _fill(rng: random.Random, template: str) -> str:
    y1 = rng.randint(1995, 2020)
    return template.format(
        d=rng.choice([10, 15, 20, 30, 40]),
        s=rng.choice([14, 17, 18, 20, 22]),
        p=rng.choice([50, 60, 70, 75, 80, 85, 90]),
        k=rng.randint(3, 12),
        m=rng.choice([3, 6, 12, 18, 24]),
        a=f"{rng.choice([2, 3, 5, 8, 12, 15])},{rng.choice(['000', '500'])} dollars",
        y=rng.randint(2, 10),
        t=rng.choice([1, 2, 3]),
        r=rng.choice([20, 50, 100]),
        ph=rng.choice(["6.0", "6.5"]),
        n=rng.choice([400, 800, 1200, 2500]),
        w=rng.choice([7, 14, 30, 60]),
        site=rng.choice(SITES),
        v=rng.randint(12, 900),
        y1=y1,
        y2=y1 + rng.randint(2, 8),
        c=rng.randint(800, 2500),
        c2=rng.randint(100, 700),
    )


def _paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        roll = rng.random()
        if roll < 0.55:
            s = f"{rng.choice(PARTIES)} {_fill(rng, rng.choice(OBLIGATIONS))} {_fill(rng, rng.choice(CONDITIONS))}."
        elif roll < 0.8:
            s = f"{rng.choice(AUTHORITIES)} {_fill(rng, rng.choice(AUTH_ACTIONS))}."
        else:
            s = rng.choice(EXPLAIN)
        out.append(s)
    return " ".join(out)


def roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + letters, n - value
    return out


def _blocks(kind: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """Endless (style, text) blocks, never repeating a numbered heading; style is h2/h3/p."""
    if kind == "law":
        article = 0
        for ch in itertools.count(1):
            yield "h2", f"Chapter {roman(ch)} {rng.choice(CASE_SECTIONS)}"
            for _ in range(rng.randint(4, 8)):
                article += 1
                yield "h3", f"Article {article}"
                for para in range(1, rng.randint(2, 5)):
                    yield "p", f"({para}) {_paragraph(rng, rng.randint(2, 4))}"
    elif kind == "standard":
        for pr in itertools.count(1):
            yield "h2", f"Principle {pr} {rng.choice(CASE_SECTIONS)}"
            yield "p", _paragraph(rng, 3)
            for st in range(1, rng.randint(3, 6)):
                yield "h3", f"Standard {pr}.{st}"
                yield "p", _paragraph(rng, rng.randint(3, 6))
    else:
        for sec in itertools.count(1):
            yield "h2", f"{sec} {CASE_SECTIONS[(sec - 1) % len(CASE_SECTIONS)]}"
            for _ in range(rng.randint(2, 4)):
                yield "p", " ".join(_fill(rng, rng.choice(CASE_SENTENCES)) for _ in range(rng.randint(3, 6)))


KINDS = ["law", "standard", "case_study"]
TITLES = {
    "law": "Land Reclamation and Mine Closure Act {n}",
    "standard": "Mine Rehabilitation Standard {n}",
    "case_study": "Rehabilitation Case Study {n}",
}


def make_document(index: int, path: Path, seed: int = 7, pages: int = 27, *, edit: bool = False) -> int:
    """Write document ``index`` with at least ``pages`` pages; return its page count."""
    rng = random.Random(seed * 1000 + index)
    kind = KINDS[index % len(KINDS)]
    title = TITLES[kind].format(n=2020 + index)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(title)
    pdf.set_creator("msra benchmarks")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # same bytes on every run
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    sizes = {"h2": 14, "h3": 12, "p": 11}
    edited = not edit
    for style, text in _blocks(kind, rng):
        if pdf.page_no() >= pages:
            break
        if not edited and style == "p":  # change the first paragraph only: a typical amendment
            text, edited = text + " This paragraph was amended in the current revision.", True
        pdf.set_font("Helvetica", "" if style == "p" else "B", sizes[style])
        pdf.multi_cell(0, 6 if style == "p" else 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return pdf.page_no()


def file_name(index: int) -> str:
    return f"bench-{KINDS[index % len(KINDS)].replace('_', '-')}-{index:02d}.pdf"


def generate(out: Path, pages: int = 320, docs: int = 12, seed: int = 7) -> int:
    """Write ``docs`` PDFs totalling at least ``pages`` pages into ``out``; return the page total."""
    per = -(-pages // docs)
    total = 0
    for i in range(docs):
        rng = random.Random(seed + i)
        total += make_document(i, out / file_name(i), seed, max(5, per + rng.randint(-8, 8)))
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=320)
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    total = generate(args.out, args.pages, args.docs, args.seed)
    print(f"{args.docs} PDFs, {total} pages in {args.out}")


if __name__ == "__main__":
    main()
