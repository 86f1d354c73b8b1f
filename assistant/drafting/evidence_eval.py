"""Evaluate drafting evidence against the hand-written requirement-to-clause map.

``evaluation/gold/drafting/clause-map.yaml`` lists, per template item, the clauses whose text states the
requirement (``doc`` and ``at`` are regular expressions on the doc_id and on "clause path + quote"). For
each sample site, the evidence the drafter picks for every item is scored:

* top-3 precision: the share of the first three requirement quotes that come from a mapped clause of their
  item (a case study shown after them is labelled as an example in the draft and counted apart);
* mapped-clause recall: the share of items (with key clauses in the site's jurisdictions) for which every
  key clause is among the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from assistant.drafting.evidence import Evidence, EvidenceFinder
from assistant.drafting.site import SiteProfile, jurisdictions_for
from assistant.drafting.templates import load_sections

TOP = 3


@dataclass(slots=True)
class ClauseRef:
    doc: re.Pattern[str]
    at: re.Pattern[str]
    key: bool

    def matches(self, e: Evidence) -> bool:
        c = e.passage.chunk
        return bool(self.doc.search(c.doc_id)) and bool(self.at.search(f"{c.clause} {e.sentence}"))


@dataclass(slots=True)
class DraftingEval:
    quotes: int = 0
    fitting: int = 0
    recall_items: int = 0
    recalled: int = 0
    examples: int = 0
    no_evidence: list[str] = field(default_factory=list)
    misfits: list[dict[str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "top3_precision": round(self.fitting / self.quotes, 3) if self.quotes else 0.0,
            "quotes": self.quotes,
            "mapped_clause_recall": round(self.recalled / self.recall_items, 3) if self.recall_items else 0.0,
            "items_with_key_clauses": self.recall_items,
            "items_without_evidence": len(self.no_evidence),
            "examples_shown": self.examples,
        }


def load_clause_map(path: Path) -> dict[str, list[ClauseRef]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return {
            key: [ClauseRef(re.compile(r["doc"]), re.compile(r["at"], re.I), bool(r.get("key"))) for r in refs]
            for key, refs in data.items()
        }
    except (KeyError, TypeError, re.error) as exc:
        raise ConfigError(f"{path}: each entry needs doc and at regular expressions ({exc})") from exc


def _applicable_keys(refs: list[ClauseRef], doc_jurisdictions: dict[str, str], jurs: list[str]) -> list[ClauseRef]:
    """Key clauses held by an indexed document of one of the site's jurisdictions."""
    return [r for r in refs if r.key and any(r.doc.search(d) and j in jurs for d, j in doc_jurisdictions.items())]


def evaluate_drafting(assistant: Any, clause_map: dict[str, list[ClauseRef]], sites: list[SiteProfile]) -> DraftingEval:
    """Score the drafter's evidence for every applicable item of every site."""
    result = DraftingEval()
    finder = EvidenceFinder(assistant)
    docs = {d.doc_id: d.jurisdiction for d in assistant.documents()}
    templates = load_sections(assistant.settings.prompts_dir)
    for site in sites:
        jurs = jurisdictions_for(site)
        for tpl in templates:
            for item in tpl.items:
                if not item.applies_to_site(site):
                    continue
                key = f"{tpl.id}/{item.id}"
                refs = clause_map.get(key, [])
                evidence = finder.find(item, site)
                if not evidence:
                    result.no_evidence.append(f"{site.jurisdiction} {key}")
                result.examples += sum(e.role == "example" for e in evidence)
                for e in [e for e in evidence if e.role != "example"][:TOP]:
                    result.quotes += 1
                    if any(r.matches(e) for r in refs):
                        result.fitting += 1
                    else:
                        c = e.passage.chunk
                        result.misfits.append(
                            {"item": f"{site.jurisdiction} {key}", "doc": c.doc_id, "quote": e.sentence[:120]}
                        )
                keys = _applicable_keys(refs, docs, jurs)
                if keys:
                    result.recall_items += 1
                    if all(any(r.matches(e) for e in evidence) for r in keys):
                        result.recalled += 1
                    else:
                        result.missed.append(f"{site.jurisdiction} {key}")
    return result
