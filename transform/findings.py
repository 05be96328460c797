"""Issue codes: findings about the report (the source breaks a rule) kept apart from findings
about us (the extractor is unsure), and notes that change nothing.

A code's first word says which: `source.*` (figures stay as printed; the report is flagged),
`extractor.*` (a figure could not be placed with certainty; flagged), `format.*` (the report's
form departs from the national format: every consumer shows it, but it never flags, since
status is about the figures; transform/audit.py finds those of one document, warehouse/audit.py
those across documents), `note.*` (information).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# code -> what it means, for messages and the README
CODES = {
    "source.rule1": "new plus carried over equals total plus carried forward",
    "source.rule2": "outcomes add up to total",
    "source.rule3": "applicant columns add up to total",
    "source.rule4": "review/litigation results add up to total",
    "source.agency_mismatch": "the report prints another agency than the portal column it was published in; the column's agency is used",
    "extractor.row_missing": "a row of the template is not printed; its figures are null",
    "extractor.table_missing": "a table of the template was not found; its figures are null",
    "extractor.cells_ambiguous": "the cells of a row cannot be matched to its columns with certainty",
    "extractor.unreadable_value": "a cell holds text that is not a number",
    "extractor.rows_unplaced": "rows without labels cannot be placed by the template's order",
    "extractor.label_by_number": "a row was recognised by its number only; its label reads differently",
    "extractor.ocr_unsure": "a figure read by OCR breaks a rule the other printed figures satisfy; it is null, with OCR's candidates",
    "extractor.unit_unknown": "an amount is printed without a unit where the format prints none, and it is plausible in more than the key's unit (or not in it); kept as printed",
    "format.no_title_year": "the report does not print its year in its body; it was taken from the page's title",
    "format.no_agency": "the report does not print its agency in its body; it was taken from the page's title",
    "format.outdated_version": "a report on 2021 or later printed in the 2019 format",
    "format.mixed_version": "the report mixes the two versions of the format (table 二 of one, （六）其他处理 of the other)",
    "format.row_not_printed": "a row of the format is not printed while the rest of its table is read with certainty; its figures are null",
    "extractor.placed_by_order": "rows without labels were placed by the template's order; their figures are kept but need a look",
    "note.labels_lost": "row labels are missing or off the numbers' line; rows were placed by the template's order, which the neighbouring labels confirm (or the rows print only zeros)",
    "note.extra_zero_cells": "a row prints more cells than columns, all of them zero",
    "note.unit_converted": "an amount printed in another unit was converted to the key's unit",
    "note.merged_rows": "the number cells of several rows are merged into one: they are the group's, the rows under it are null (0 where it prints 0)",
    "note.single_other_row": "（六）其他处理 is printed as one row in a 2021-format report",
    "note.agency_from_column": "the document does not name its agency; it is the agency of the portal column it was published in",
    "note.meta_from_listing": "the document does not name its agency or year; they come from the portal's title",
    "note.ocr": "the document is a scan, read by OCR; its figures are kept where the report's sums prove them",
    "note.ocr_corrected": "exactly one of OCR's candidates for a cell makes every rule hold; that one was taken",
    "note.ocr_label": "a row label OCR read differently from the template was placed by its printed number; every figure of the row holds in its column's sum",
    "note.version_guessed": "no column label tells the version; it was taken from the year",
    # format.*: the audit against the national format (never flags; `status` stays about the figures)
    "format.part_missing": "one of the six parts of the format is not printed",
    "format.part_order": "the six parts are not printed in the format's order",
    "format.text_table_mismatch": "a figure stated in the prose disagrees with the table",
    "format.empty_part": "五 (problems and improvements) says nothing",
    "format.fees_not_stated": "六 of a 2021-format report does not state the information processing fees charged",
    "format.late": "published after 31 January of the following year",
    "format.missing": "an agency that is expected to report has no report for the year",
    "format.republished": "the report was changed after publication (a new version at the same URL, or a second report)",
    "format.carry_on": "the report does not carry on from the agency's report of the year before",
    "format.published_twice": "the same report (the same figures) is published under two URLs or two agencies",
    "note.not_applicable": "a cell prints '—' or '/' (not applicable); recorded as 0",
}

FLAGGING_PREFIXES = ("source.", "extractor.")


@dataclass(slots=True)
class Issue:
    code: str
    message: str
    keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown issue code {self.code!r}")

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "keys": list(self.keys)}

    @property
    def flags(self) -> bool:
        return self.code.startswith(FLAGGING_PREFIXES)


def status_of(issues: list[Issue]) -> str:
    return "flagged" if any(i.flags for i in issues) else "ok"
