"""``msra draft`` (cited plan sections) and ``msra check`` (coverage of an author's plan)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import _state


def _list_sections() -> None:
    from assistant.drafting.templates import load_sections

    for tpl in load_sections(_state.settings().prompts_dir):
        typer.echo(f"{tpl.id}  (v{tpl.version}) — {tpl.title}")
        for item in tpl.items:
            typer.echo(f"    {item.id}: {item.title}")


def _draft_all(site: Path, out: Path | None, engine: str) -> None:
    from assistant.drafting.plan import draft_plan
    from assistant.drafting.plan_export import to_markdown, write_plan
    from assistant.drafting.site import load_site

    plan = draft_plan(_state.assistant(), load_site(site), engine=engine)  # type: ignore[arg-type]
    if out is None:
        typer.echo(to_markdown(plan), nl=False)
    else:
        write_plan(plan, out)
        _state.err(f"wrote {out} ({len(plan.sections)} sections, {len(plan.references)} references)")
    if plan.placeholders:
        _state.err(f"{len(plan.placeholders)} facts to complete: {', '.join(plan.placeholders)}")


def draft(
    section: Annotated[str | None, typer.Argument(help="Section id, e.g. soil-topsoil (see --list).")] = None,
    site: Annotated[Path | None, typer.Option("--site", help="Site profile YAML (see examples/).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE.md or FILE.docx instead of stdout.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="extractive (no LLM) or llm.")] = "extractive",
    list_: Annotated[bool, typer.Option("--list", help="List the sections and their items.")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Draft the whole plan: every section that applies to the site.")
    ] = False,
) -> None:
    """Draft a restoration-plan section for a site, every requirement cited to the indexed sources."""

    def run() -> None:
        if list_:
            _list_sections()
            return
        if site is None or not (section or all_):
            _state.err("error: give a SECTION (or --all) and --site SITE.yaml; --list shows the sections")
            raise typer.Exit(2)
        if all_:
            _draft_all(site, out, engine)
            return
        from assistant.drafting.draft import Drafter
        from assistant.drafting.export import to_markdown, write
        from assistant.drafting.site import load_site

        profile = load_site(site)
        result = Drafter(_state.assistant()).draft(section, profile, engine=engine)  # type: ignore[arg-type]
        if out is None:
            typer.echo(to_markdown(result), nl=False)
        else:
            write(result, out)
            _state.err(f"wrote {out} ({len(result.items)} items, {len(result.references)} references)")
        uncovered = [i.id for i in result.items if not i.covered]
        if uncovered:
            _state.err(f"no indexed source covers: {', '.join(uncovered)}")

    _state.run(run)


def check(
    plan: Annotated[Path, typer.Argument(help="The plan to check (.md, .txt, .docx or .pdf).")],
    site: Annotated[Path, typer.Option("--site", help="Site profile YAML (see examples/).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report to FILE (.md, .docx or .json).")] = None,
    sections: Annotated[
        list[str] | None, typer.Option("--section", help="Check only this section (repeatable).")
    ] = None,
    judge: Annotated[str, typer.Option("--judge", help="embedding (deterministic) or llm.")] = "embedding",
    cite: Annotated[bool, typer.Option("--cite/--no-cite", help="Cite each requirement from the index.")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the similarity scores behind each status.")] = False,
) -> None:
    """Report which requirement items a plan covers, covers partly or misses, with quotes and citations."""

    def run() -> None:
        from assistant.drafting.check import check_plan
        from assistant.drafting.check_report import counts_line, to_markdown, write_report
        from assistant.drafting.site import load_site

        if judge not in ("embedding", "llm"):
            _state.err(f"error: --judge {judge!r}: use embedding or llm")
            raise typer.Exit(2)
        report = check_plan(plan, load_site(site), _state.assistant(), sections, cite=cite, judge=judge)  # type: ignore[arg-type]
        if out is not None:
            write_report(report, out, verbose=verbose)
            _state.err(f"wrote {out}")
        if as_json:
            typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        elif out is None:
            typer.echo(to_markdown(report, verbose=verbose))
        _state.err(counts_line(report))

    _state.run(run)


def register(app: typer.Typer) -> None:
    """Add ``draft`` and ``check`` to the msra app."""
    app.command("draft")(draft)
    app.command("check")(check)
