"""Issue 18's evidence gold, as a test: draft evidence for both sample sites over the bundled notes plus the
real texts of ../shared/corpus, scored against the hand-written requirement-to-clause map
(evaluation/gold/drafting/clause-map.yaml). The same run as `msra eval --drafting`; slow, real model.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.cli.draft_eval import CLAUSE_MAP, EXAMPLES, PRECISION_TARGET, RECALL_TARGET
from assistant.drafting.evidence_eval import evaluate_drafting, load_clause_map
from assistant.drafting.site import load_site

pytestmark = [pytest.mark.slow, pytest.mark.shared, pytest.mark.timeout(900)]


def test_draft_evidence_meets_the_precision_and_recall_targets(library: Any) -> None:
    sites = [load_site(EXAMPLES / "site-cn-coal.yaml"), load_site(EXAMPLES / "site-us-coal.yaml")]
    result = evaluate_drafting(library, load_clause_map(CLAUSE_MAP), sites)
    s = result.summary()
    assert (PRECISION_TARGET, RECALL_TARGET) == (0.85, 0.80)  # the targets, not lowered here
    assert s["quotes"] >= 100 and s["items_with_key_clauses"] >= 40  # the whole map was drafted
    assert s["top3_precision"] >= PRECISION_TARGET, result.misfits
    assert s["mapped_clause_recall"] >= RECALL_TARGET, result.missed
    # some requirements have no good evidence in these texts: the draft says so instead of quoting nearby text
    assert 0 < s["items_without_evidence"] < s["items_with_key_clauses"]
    assert s["examples_shown"] > 0  # case studies appear, labelled as examples
