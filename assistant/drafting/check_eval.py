"""Evaluate the plan check against hand-labelled plans (``evaluation/gold/checks``).

Each gold plan is Markdown with a ``.labels.yaml`` naming its site and the status of each requirement
item (items not listed are ``missing``). The plan is checked as Markdown, and as DOCX and PDF generated
from the Markdown, so the readers of every format are measured too.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from assistant.drafting.check import check_plan
from assistant.drafting.site import SiteProfile, load_site, profile_from_mapping

FORMATS = ("md", "docx", "pdf")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


@dataclass(slots=True)
class GoldPlan:
    name: str
    markdown: Path
    site: SiteProfile
    labels: dict[str, str]  # "section/item" -> status; absent = missing


@dataclass(slots=True)
class CheckEval:
    total: int = 0
    agree: int = 0
    covered_called_missing: list[str] = field(default_factory=list)
    disagreements: list[dict[str, str]] = field(default_factory=list)
    per_format: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def agreement(self) -> float:
        return self.agree / self.total if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "status_agreement": round(self.agreement, 3),
            "items": self.total,
            "covered_judged_missing": len(self.covered_called_missing),
            "per_format": {f: round(a / t, 3) for f, (a, t) in self.per_format.items() if t},
        }


def load_gold(folder: Path, examples: Path) -> list[GoldPlan]:
    import yaml

    out = []
    for lab in sorted(folder.glob("*.labels.yaml")):
        data = yaml.safe_load(lab.read_text(encoding="utf-8"))
        site = data["site"]
        profile = load_site(examples / site) if isinstance(site, str) else profile_from_mapping(site, str(lab))
        labels = {k: v for k, v in (data.get("labels") or {}).items()}
        bad = {v for v in labels.values()} - {"covered", "partial", "missing"}
        if bad:
            raise ConfigError(f"{lab}: unknown status {sorted(bad)}; use covered, partial or missing")
        out.append(GoldPlan(lab.name.removesuffix(".labels.yaml"), folder / data["plan"], profile, labels))
    if not out:
        raise ConfigError(f"no *.labels.yaml in {folder}; give --gold-checks a folder of labelled plans")
    return out


def markdown_to_docx(markdown: str, path: Path) -> Path:
    """A Word version of a Markdown plan: '#' lines become headings, '- ' lines bullets."""
    from docx import Document

    doc = Document()
    for line in markdown.splitlines():
        m = _HEADING.match(line)
        if m:
            doc.add_heading(m.group(2).strip(), level=min(len(m.group(1)), 4))
        elif line.startswith("- "):
            doc.add_paragraph(line[2:], style="List Bullet")
        elif line.strip():
            doc.add_paragraph(line.strip())
    doc.save(str(path))
    return path


def markdown_to_pdf(markdown: str, path: Path) -> Path | None:
    """A PDF version (fpdf2, core fonts: latin-1 text only); None when fpdf2 is not installed."""
    try:
        from fpdf import FPDF
    except ImportError:
        return None
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    for line in markdown.splitlines():
        m = _HEADING.match(line)
        text = (m.group(2) if m else line).encode("latin-1", "replace").decode("latin-1")
        if m:
            pdf.set_font("Helvetica", "B", {1: 16, 2: 13}.get(len(m.group(1)), 12))
            pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        elif not line.strip():
            pdf.ln(4)
        else:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _versions(plan: GoldPlan, tmp: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    md = plan.markdown.read_text(encoding="utf-8")
    out: dict[str, Path] = {}
    for fmt in formats:
        if fmt == "md":
            out[fmt] = plan.markdown
        elif fmt == "docx":
            out[fmt] = markdown_to_docx(md, tmp / f"{plan.name}.docx")
        elif fmt == "pdf" and (pdf := markdown_to_pdf(md, tmp / f"{plan.name}.pdf")) is not None:
            out[fmt] = pdf
    return out


def write_versions(plans: list[GoldPlan], folder: Path) -> list[Path]:
    """The DOCX and PDF versions of every gold plan, written into ``folder`` for people to open."""
    folder.mkdir(parents=True, exist_ok=True)
    return [path for plan in plans for fmt, path in _versions(plan, folder, ("docx", "pdf")).items()]


def evaluate_checks(assistant: Any, plans: list[GoldPlan], formats: tuple[str, ...] = FORMATS) -> CheckEval:
    """Status agreement of ``check_plan`` with the hand labels, over every applicable item and format."""
    result = CheckEval()
    with tempfile.TemporaryDirectory(prefix="msra-check-eval-") as tmp:
        for plan in plans:
            for fmt, path in _versions(plan, Path(tmp), formats).items():
                report = check_plan(path, plan.site, assistant, cite=False)
                agree, total = result.per_format.get(fmt, (0, 0))
                for it in report.items:
                    key = f"{it.section_id}/{it.item_id}"
                    gold = plan.labels.get(key, "missing")
                    total += 1
                    result.total += 1
                    if gold == it.status:
                        agree += 1
                        result.agree += 1
                        continue
                    where = f"{plan.name}.{fmt}: {key}"
                    result.disagreements.append({"where": where, "gold": gold, "check": it.status, "why": it.detail})
                    if gold == "covered" and it.status == "missing":
                        result.covered_called_missing.append(where)
                result.per_format[fmt] = (agree, total)
    return result
