"""The report's form against the national format: the `format.*` findings of one document.

Read from the RawDocument (its paragraphs and where its tables sit) and the aligned figures. These
findings never change a figure or the status (which is about the figures); each names where it is
(part, sentence) and the keys it compares. The wording of the format (part titles, the sentences
that state figures) is data: `transform/phrases.yaml`.

    audit(document, alignment) -> [Issue, ...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extract.document import Paragraph, RawDocument, Table
from transform import template as tpl
from transform.findings import Issue
from transform.result import Alignment

SENTENCE = re.compile(r"[^。；;!?！？\n]+")  # a sentence: up to 。；!? or the end of a paragraph
PUNCTUATION = re.compile(r"[\W_]+")
QUOTE_MAX = 90
TOLERANCE = 1e-6
# Formats whose lines are printed lines: a sentence runs on over the next paragraph.
WRAPPED_FORMATS = ("pdf", "txt")
# Workbooks carry the tables only (the prose is published beside them): their parts are not audited.
TABLES_ONLY_FORMATS = ("xls", "xlsx")


def phrases() -> dict:
    return tpl.template_data("phrases.yaml")


@cache
def _heading_patterns() -> list[tuple[str, re.Pattern]]:
    numbering = phrases()["part_numbering"]
    return [(p["number"], re.compile(rf"^{numbering}(?:{'|'.join(p['match'])})"))
            for p in phrases()["parts"]]


@dataclass
class Part:
    number: str
    heading: str  # the heading as printed (normalised)
    position: int  # index of the heading's block
    rest: str = ""  # what follows the title on the heading's own line
    lines: list[Paragraph] = field(default_factory=list)  # the part's prose paragraphs

    @property
    def text(self) -> str:
        return tpl.normalize(self.rest + "".join(p.text for p in self.lines))


def part_numbers() -> list[str]:
    return [p["number"] for p in phrases()["parts"]]


def find_parts(document: RawDocument) -> tuple[list[Part], list[Paragraph]]:
    """The part headings in printed order (the first heading of each part) with their prose, and the
    prose printed before the first heading."""
    parts: list[Part] = []
    preamble: list[Paragraph] = []
    seen: set[str] = set()
    for i, block in enumerate(prose_blocks(document)):
        if isinstance(block, Table):
            continue
        line = tpl.normalize(block.text)
        heading = _heading(line, seen)
        if heading:
            number, match = heading
            seen.add(number)
            parts.append(Part(number, line[:match.end()], i, rest=line[match.end():]))
        elif parts:
            parts[-1].lines.append(block)
        else:
            preamble.append(block)
    return parts, preamble


def prose_blocks(document: RawDocument) -> list[Paragraph | Table]:
    """The blocks in reading order, a one-column table read as the paragraphs it frames (WPS
    prints a report's prose in text boxes that read as one-column tables)."""
    out: list[Paragraph | Table] = []
    for block in document.blocks:
        if isinstance(block, Table) and block.n_cols == 1 and not block.from_lines:
            out.extend(Paragraph(c.text, page=c.page or block.page) for c in sorted(block.cells, key=lambda c: c.row))
        else:
            out.append(block)
    return out


def _heading(line: str, seen: set[str]) -> tuple[str, re.Match] | None:
    if not line or len(line) > 60:
        return None
    for number, pattern in _heading_patterns():
        if number in seen:
            continue
        match = pattern.match(line)
        if match:
            return number, match
    return None


def audit(document: RawDocument, result: Alignment) -> list[Issue]:
    if document.format in TABLES_ONLY_FORMATS:
        return []
    parts, preamble = find_parts(document)
    issues = _part_issues(parts, result)
    by_number = {p.number: p for p in parts}
    issues += _empty_part(by_number.get("五"))
    if result.template == "2021":
        issues += _fees_not_stated(by_number.get("六"))
    issues += _text_table_mismatches(document, parts, preamble, result)
    return issues


# ------------------------------------------------------------------------ the six parts


def _printed_table(result: Alignment, prefix: str) -> bool:
    return any(v is not None for k, v in result.values.items() if k.startswith(prefix))


def _part_issues(parts: list[Part], result: Alignment) -> list[Issue]:
    titles = {p["number"]: p["title"] for p in phrases()["parts"]}
    found = {p.number for p in parts}
    # A part whose heading is lost but whose table is printed is there (table 三 always is: the
    # document is a report because it was found).
    tables = {"二": _printed_table(result, "t2."), "三": True, "四": _printed_table(result, "t4.")}
    issues = []
    missing = [n for n in part_numbers() if n not in found and not tables.get(n, False)]
    for n in missing:
        issues.append(Issue("format.part_missing", f"part {n}、{titles[n]} is not printed (no heading{' and no table' if n in tables else ''})"))
    order = [p.number for p in parts]
    expected = [n for n in part_numbers() if n in found]
    if order != expected:
        issues.append(Issue("format.part_order", "parts printed in the order " + "、".join(order)
                            + " (the format's order is " + "、".join(expected) + ")"))
    return issues


def _empty_part(part: Part | None) -> list[Issue]:
    if part is None:
        return []
    said = PUNCTUATION.sub("", part.text)
    if said in phrases()["empty_part_texts"]:
        shown = part.text or "nothing"
        return [Issue("format.empty_part", f"part 五、存在的主要问题及改进情况 says {shown!r}: no problems or improvements are reported")]
    return []


def _fees_not_stated(part: Part | None) -> list[Issue]:
    if part is None:
        return []  # the missing part is its own finding
    if any(word in part.text for word in phrases()["fee_statements"]):
        return []
    first = SENTENCE.match(part.text)
    shown = first.group(0)[:QUOTE_MAX] if first else "nothing"
    return [Issue("format.fees_not_stated",
                  f"part 六、其他需要报告的事项 does not state the information processing fees charged (it says {shown!r})")]


# ------------------------------------------------------------------------ figures stated in the prose


@dataclass(frozen=True)
class Sentence:
    text: str  # normalised
    part: str | None  # 一 … 六, None before the first heading
    page: int | None


def sentences(document: RawDocument, parts: list[Part], preamble: list[Paragraph]) -> list[Sentence]:
    """The prose sentences of the report with the part they are in."""
    joiner = "" if document.format in WRAPPED_FORMATS else "\n"
    out: list[Sentence] = []
    for number, rest, lines in [(None, "", preamble)] + [(p.number, p.rest, p.lines) for p in parts]:
        # Each piece keeps the page its first paragraph was printed on.
        pieces = ([(rest, lines[0].page if lines else None)] if rest else []) + [(p.text, p.page) for p in lines]
        if not pieces:
            continue
        text, starts = "", []
        for piece, page in pieces:
            starts.append((len(text), page))
            text += tpl.normalize(piece) + joiner
        for chunk in SENTENCE.finditer(text):
            page = next((pg for at, pg in reversed(starts) if at <= chunk.start()), None)
            out.append(Sentence(chunk.group(0), number, page))
    return out


@cache
def _statements() -> list[dict]:
    out = []
    for entry in phrases()["text_figures"]:
        out.append({**entry, "compiled": [re.compile(p) for p in entry["patterns"]]})
    return out


def _stated(entry: dict, match: re.Match, unit: str) -> float | None:
    if "value" in entry:
        return float(entry["value"])
    number = float(match.group("n"))
    printed_unit = match.groupdict().get("unit")
    if printed_unit == "元" and unit == "万元":
        number = number / 10000
    return number


def _text_table_mismatches(document: RawDocument, parts: list[Part], preamble: list[Paragraph],
                           result: Alignment) -> list[Issue]:
    issues: list[Issue] = []
    compared: set[tuple[str, tuple[str, ...]]] = set()
    for sentence in sentences(document, parts, preamble):
        for entry in _statements():
            if entry.get("template", result.template) != result.template:
                continue
            if any(word in sentence.text for word in entry.get("unless", [])):
                continue
            if entry.get("require") and not any(word in sentence.text for word in entry["require"]):
                continue
            keys = tuple(entry["keys"])
            if any(k not in result.values for k in keys) or (sentence.text, keys) in compared:
                continue
            match = next((m for p in entry["compiled"] if (m := p.search(sentence.text))), None)
            if match is None:
                continue
            compared.add((sentence.text, keys))
            printed = [result.values[k] for k in keys]
            if any(v is None for v in printed):
                continue  # not read from the table: nothing to compare
            stated = _stated(entry, match, tpl.unit_of(keys[0]))
            total = sum(printed)
            if abs(stated - total) > TOLERANCE:
                message = _mismatch_message(sentence, entry, stated, keys, total) + _parts_note(keys, result.values, stated)
                issues.append(Issue("format.text_table_mismatch", message, list(keys)))
    return issues


def _mismatch_message(sentence: Sentence, entry: dict, stated: float, keys: tuple[str, ...], total: float) -> str:
    where = f"part {sentence.part}" if sentence.part else "the opening text"
    if sentence.page:
        where += f" (page {sentence.page})"
    quote = sentence.text if len(sentence.text) <= QUOTE_MAX else sentence.text[:QUOTE_MAX] + "…"
    table = " + ".join(keys)
    return (f"{where}: “{quote}” states {entry['measure']} {_num(stated)}; the table prints {table} = {_num(total)}")


def _parts_note(keys: tuple[str, ...], values: dict, stated: float) -> str:
    """Where table 四 prints a total that its own results contradict, say which one the prose follows."""
    groups = [k.rsplit(".", 1)[0] for k in keys if k.startswith("t4.") and k.endswith(".total")]
    if len(groups) != len(keys):
        return ""
    parts = [values.get(f"{g}.{c}") for g in groups for c in tpl.t4_columns() if c != "total"]
    if any(v is None for v in parts) or abs(sum(parts) - stated) > TOLERANCE:
        return ""
    return f" (its results add up to {_num(sum(parts))}, as the prose says: the printed total is the odd one)"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"
