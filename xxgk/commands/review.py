"""`xxgk review ...`: a reviewer's corrections and confirmations, kept in DIR/corrections.jsonl.

Each decision is appended to the corrections file (which survives re-harvest, re-extraction and
rebuilds) and the warehouse is republished with it (atomically; readers are not blocked).
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from warehouse.corrections import CorrectionError, add_correction
from warehouse.publish import open_published, republish

_data = click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
_note = click.option("--note", default=None, help="Why (kept with the decision).")
_reviewer = click.option("--reviewer", default=None, envvar="XXGK_REVIEWER", help="Who decided (or $XXGK_REVIEWER).")
_nopub = click.option("--no-publish", is_flag=True, help="Only record the decision; the next load applies it.")


def _report(data_dir: str, ref: str) -> tuple[str, str | None, int | None]:
    """A report by id or by (a prefix of) its document's sha256 → (sha256, agency, year)."""
    con = open_published(data_dir)
    try:
        if ref.isdigit() and len(ref) < 12:
            rows = con.execute("SELECT sha256, agency_name, year FROM reports WHERE report_id = ?", [int(ref)]).fetchall()
        else:
            rows = con.execute("SELECT sha256, agency_name, year FROM reports WHERE sha256 LIKE ? || '%'", [ref]).fetchall()
    finally:
        con.close()
    if len(rows) != 1:
        raise click.ClickException(f"{ref!r} names {len(rows)} reports; give a report id or more of the sha256")
    return rows[0]


def _record(data_dir: str, entry: dict, publish: bool) -> None:
    try:
        stored = add_correction(data_dir, entry)
    except CorrectionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"recorded {stored['action']} {stored['id']} in {data_dir}/corrections.jsonl")
    if publish:
        republish(data_dir)
        click.echo("warehouse republished")


@click.group("review")
def command() -> None:
    """Correct figures, confirm flagged reports, place agencies; list what awaits review."""


@command.command("figure")
@click.argument("report")
@click.argument("key")
@click.argument("value")
@_data
@_note
@_reviewer
@_nopub
def figure(report, key, value, data_dir, note, reviewer, no_publish) -> None:
    """Record the corrected VALUE of KEY (e.g. t4.review.total) in REPORT (id or sha256 prefix);
    VALUE 'null' means not printed."""
    sha, agency, year = _report(data_dir, report)
    v = None if value.lower() in ("null", "none", "-") else value
    _record(data_dir, {"action": "figure", "sha256": sha, "agency": agency, "year": year, "key": key, "value": v,
                       "note": note, "reviewer": reviewer}, not no_publish)


@command.command("confirm")
@click.argument("report")
@_data
@_note
@_reviewer
@_nopub
def confirm(report, data_dir, note, reviewer, no_publish) -> None:
    """Confirm a flagged REPORT: its figures stand as printed."""
    sha, agency, year = _report(data_dir, report)
    _record(data_dir, {"action": "confirm", "sha256": sha, "agency": agency, "year": year, "note": note,
                       "reviewer": reviewer}, not no_publish)


@command.command("agency")
@click.argument("name")
@click.option("--region", help="Place the agency in this region (GB/T 2260 code).")
@click.option("--kind", type=click.Choice(["government", "department", "township", "other"]))
@click.option("--summary/--not-summary", "is_summary", default=None,
              help="Whether its report is the county-wide summary (never added to the county's total).")
@_data
@_note
@_reviewer
@_nopub
def agency(name, region, kind, is_summary, data_dir, note, reviewer, no_publish) -> None:
    """Decide about the agency printed as NAME: its region, kind, or whether it reports for the county."""
    _record(data_dir, {"action": "agency", "agency": name, "region": region, "kind": kind, "is_summary": is_summary,
                       "note": note, "reviewer": reviewer}, not no_publish)


@command.command("list")
@_data
@click.option("--limit", default=50, show_default=True)
def list_(data_dir, limit) -> None:
    """Flagged reports awaiting review, and agencies that could not be placed."""
    con = open_published(data_dir)
    try:
        flagged = con.execute("""
            SELECT r.report_id, r.agency, r.region_name, r.year, left(r.sha256, 12) AS sha,
                   (SELECT string_agg(DISTINCT c.rule, ', ') FROM checks c WHERE c.report_id = r.report_id) AS checks
            FROM v_reports r WHERE r.is_current AND r.review_status = 'flagged' ORDER BY r.year DESC, r.report_id
            LIMIT ?""", [limit]).fetchall()
        unplaced = con.execute("""
            SELECT name, placement, coalesce(placement_note, '') FROM agencies
            WHERE region_code IS NULL ORDER BY name LIMIT ?""", [limit]).fetchall()
    finally:
        con.close()
    console = Console()
    t = Table(title="待审核的报告 (flagged)")
    for c in ("id", "机关", "地区", "年度", "sha256", "checks"):
        t.add_column(c)
    for row in flagged:
        t.add_row(*["" if v is None else str(v) for v in row])
    console.print(t)
    t = Table(title="未能定位的机关 (ambiguous / conflict / unplaced)")
    for c in ("机关", "placement", "note"):
        t.add_column(c)
    for row in unplaced:
        t.add_row(*[str(v) for v in row])
    console.print(t)
