"""Figures read by OCR count only when the report's own sums prove them.

Runs after alignment, for documents read by OCR only (every other format never comes here). Each
OCR'd figure carries the engine's reading of its cell: confidence and candidates (other numbers
the engine found almost as likely). For every equation of rules 1-4 (`checks.py`) that fails:

- where exactly one choice among the candidates of the cells involved makes every equation hold,
  it is taken (`note.ocr_corrected`); a cell with ink the engine could not read (print under a
  seal) may be any number up to UNREAD_UP_TO, so only equations pin it down;
- where every cell involved was read with confidence and the broken equations are all of one rule,
  they stay broken: the report's own mistake, reported as `source.rule*` by `check` as for any
  other format;
- else the cells that explain the break (read with doubt, or where a broken row meets a broken
  column) are null with `extractor.ocr_unsure`, naming each cell and its candidates, until no
  equation is broken.

A figure no equation involves (table 二) cannot be proven: it is kept only when read with
confidence UNCHECKED_SURE (SURE where the ink shows as many digits as were read), else null with
`extractor.ocr_unsure`.
"""

from __future__ import annotations

from itertools import product

from transform.checks import Equation, equations
from transform.findings import Issue
from transform.result import Alignment
from transform.values import read_cell, to_unit
from transform import template as tpl

SURE = 0.9
# The rules across rows (each column's sums): they prove where a row belongs, not only its digits.
PLACING_RULES = (1, 2)
# A cell no other equation checks stands beside a broken one only when read all but certainly.
SURE_ALONE = 0.97
UNCHECKED_SURE = 0.95
MAX_COMBINATIONS = 20000
UNREAD_UP_TO = 99
UNREAD_BELOW = 0.05


def prove(result: Alignment, ocr: dict) -> list[Issue]:
    values, cells = result.values, result.ocr_cells
    issues = [Issue("note.ocr", f"read by OCR ({ocr.get('engine')}, {ocr.get('pages')} page(s), mean confidence {ocr.get('confidence')})")]
    eqs = equations(values, result.template)
    issues += _unsign(values, cells)
    issues += _correct(values, cells, eqs)
    issues += _null_doubtful(values, cells, eqs)
    issues += _null_unchecked(values, cells, eqs)
    in_equations = {k for eq in eqs for k in eq.parts + eq.totals}
    unproven = [k for k in cells if k not in in_equations and values.get(k) is not None and _confidence(cells[k]) < _sure_unchecked(cells[k])]
    for key in unproven:
        issues.append(_unsure(key, cells[key], "no rule checks it and OCR read it with doubt"))
        values[key] = None
    # A change (本年增/减) may be negative, and a minus sign is the smallest mark on the page: a
    # figure no rule checks is kept only where its sign was measured on the ink (page.ink_sign).
    for key in [k for k in cells if tpl.may_be_negative(k) and values.get(k) not in (None, 0)]:
        if not getattr(cells[key].ocr, "sign_checked", False):
            issues.append(_unsure(key, cells[key], "its sign could not be measured on the ink and OCR may miss a minus sign"))
            values[key] = None
    _labels_proven(result, eqs)
    return issues


def _labels_proven(result: Alignment, eqs: list[Equation]) -> None:
    """A label OCR misread (2.重复请) whose row was placed by its printed number needs no look when
    every figure of the row holds in its column: OCR garbles labels, the sums prove the place. The
    reader's `extractor.label_by_number` becomes `note.ocr_label` then (in `result.issues`)."""
    values = result.values
    holding = [eq for eq in eqs if eq.rule in PLACING_RULES and _evaluable(values, eq) and eq.issue(values) is None]
    for n, issue in enumerate(result.issues):
        if issue.code == "extractor.label_by_number" and issue.keys and all(
                values.get(k) is not None and any(k in eq.parts + eq.totals for eq in holding) for k in issue.keys):
            result.issues[n] = Issue("note.ocr_label", issue.message + "; its figures hold in their columns' sums", issue.keys)


def _unsign(values: dict, cells: dict) -> list[Issue]:
    """A figure the format never prints below zero, read with a minus sign: the mark before it
    (a speck, a seal's edge) is no sign. Its size stands, for the equations to prove."""
    issues = []
    for key in [k for k in cells if isinstance(values.get(k), (int, float)) and values[k] < 0 and not tpl.may_be_negative(k)]:
        issues.append(Issue("note.ocr_corrected", f"{key}: OCR read {values[key]!r}; this figure is never negative, "
                            f"the mark before it is no minus sign: {-values[key]!r}", [key]))
        values[key] = -values[key]
    return issues


def _sure_unchecked(cell) -> float:
    """The confidence a figure no rule checks must be read with. Where the ink shows as many
    digits as were read (none doubled, none dropped: the recogniser's commonest doubt), the
    digits' own confidence SURE suffices."""
    return SURE if getattr(cell.ocr, "count_checked", False) else UNCHECKED_SURE


def _confidence(cell) -> float:
    return float(getattr(cell.ocr, "confidence", 0.0))


def _failing(values: dict, eqs: list[Equation]) -> list[Equation]:
    return [eq for eq in eqs if eq.issue(values) is not None]


def _options(key: str, cell) -> list:
    """The figures a cell may print: its reading first, then the engine's candidates. A cell
    where ink was found but nothing could be read (print under a seal), or read all but blindly
    (below UNREAD_BELOW: a "+" read over the digits as a 1 at 0.01), may print any small number:
    only the equations can tell which."""
    if (not cell.ocr.text and _confidence(cell) == 0.0) or _confidence(cell) < UNREAD_BELOW:
        return list(range(UNREAD_UP_TO + 1))
    out = []
    for text in getattr(cell.ocr, "candidates", ()) or ():
        value = read_cell(text)
        if value.kind == "number":
            number, _ = to_unit(value, tpl.unit_of(key))
            if number not in out:
                out.append(number)
    return out


def _correct(values: dict, cells: dict, eqs: list[Equation]) -> list[Issue]:
    failing = _failing(values, eqs)
    if not failing:
        return []
    suspects = sorted({k for eq in failing for k in eq.parts + eq.totals if k in cells})
    choices = {k: _options(k, cells[k]) for k in suspects}
    varied = [k for k in suspects if len(choices[k]) > 1 and values.get(k) in choices[k]]
    # An unread cell is pinned down only by two equations at least (its row and its column).
    varied = [k for k in varied if len(choices[k]) <= 10 or sum(k in eq.parts + eq.totals for eq in eqs) >= 2]
    if not varied:
        return []
    size = 1
    for k in varied:
        size *= len(choices[k])
    if size > MAX_COMBINATIONS:
        return _propagate(values, cells, eqs, [k for k in suspects if _confidence(cells[k]) < SURE], choices)
    # The choice that leaves fewest equations broken, if it is the only one. Where a rule stays
    # broken whatever the choice (the report's own mistake), the misread beside it is still mended.
    relevant = list(dict.fromkeys([eq for eq in eqs if any(k in varied for k in eq.parts + eq.totals)] + failing))
    best, solutions = len(relevant) + 1, []
    trial = dict(values)
    for combo in product(*(choices[k] for k in varied)):
        trial.update(zip(varied, combo))
        broken = [eq for eq in relevant if eq.issue(trial) is not None]
        if len(broken) < best:
            best, solutions, left = len(broken), [combo], broken
        elif len(broken) == best:
            solutions.append(combo)
            if best == 0:
                return []  # two readings make every rule hold: no telling which is printed
    now = sum(eq.issue(values) is not None for eq in relevant)
    if len(solutions) != 1 or best >= now or (best and len({eq.rule for eq in left}) > 1):
        return []
    if best and any(len(choices[k]) > 10 for k in varied):
        return []  # an unread cell may be anything: only equations that all hold can fix it
    why = "the only one that makes every rule hold" if not best else \
        f"the only one that mends its rules (rule {left[0].rule} stays broken whatever OCR read)"
    issues = []
    for key, number in zip(varied, solutions[0]):
        if number != values[key]:
            cell = cells[key]
            issues.append(Issue("note.ocr_corrected", f"{key}: OCR read {values[key]!r} (candidates {_cands(cell)}); "
                                f"{number!r} is {why}", [key]))
            values[key] = number
    return issues


def _propagate(values: dict, cells: dict, eqs: list[Equation], doubtful: list[str], choices: dict) -> list[Issue]:
    """Too many combinations to try: the doubtful cells are unknowns, and an equation with one
    unknown left fixes it (its only value given the confident cells). Taken only when every
    unknown is fixed so, to one of its candidates, and every equation then holds."""
    trial = dict(values)
    for key in doubtful:
        trial[key] = None
    unknown = set(doubtful)
    progress = True
    while unknown and progress:
        progress = False
        for eq in eqs:
            keys = eq.parts + eq.totals
            open_keys = [k for k in keys if k in unknown]
            if len(open_keys) != 1 or any(trial.get(k) is None for k in keys if k not in unknown):
                continue
            key = open_keys[0]
            rest = sum(trial[k] for k in eq.totals if k != key) - sum(trial[k] for k in eq.parts if k != key)
            number = rest if key in eq.parts else -rest
            if number not in choices[key]:
                return []
            trial[key] = number
            unknown.discard(key)
            progress = True
    if unknown or _failing(trial, eqs):
        return []
    issues = []
    for key in doubtful:
        if trial[key] != values[key]:
            issues.append(Issue("note.ocr_corrected", f"{key}: OCR read {cells[key].text!r} (candidates {_cands(cells[key])}); "
                                f"{trial[key]!r} is the only figure the other rows and columns allow", [key]))
        values[key] = trial[key]
    return issues


def _null_doubtful(values: dict, cells: dict, eqs: list[Equation]) -> list[Issue]:
    """Null the OCR'd cells that explain the broken equations, unless the break is the report's:
    the broken equations all of one rule (a figure misprinted at the source breaks one rule; a
    misread cell breaks its row and its column, two rules) and every cell involved vouched for,
    by another equation that holds with it or, for a cell no other equation checks, by a
    confidence of SURE_ALONE."""
    issues = []
    while failing := _failing(values, eqs):
        involved = [k for eq in failing for k in eq.parts + eq.totals if k in cells and values.get(k) is not None]
        if not involved:
            break
        holding = [eq for eq in eqs if eq not in failing and _evaluable(values, eq)]
        vouched = {k for eq in holding for k in eq.parts + eq.totals}
        alone = {k for k in involved if not any(k in eq.parts + eq.totals for eq in eqs if eq not in failing)}

        def trusted(key: str) -> bool:
            if key in vouched:
                return True
            if key in alone:  # read all but certainly: no runner-up digit at all, or near certain
                return _confidence(cells[key]) >= (SURE if len(cells[key].ocr.candidates) <= 1 else SURE_ALONE)
            return _confidence(cells[key]) >= SURE

        if len({eq.rule for eq in failing}) == 1 and all(trusted(k) for k in involved):
            break  # the report's own mistake: `check` reports it as source.rule*
        unvouched = [k for k in dict.fromkeys(involved) if k not in vouched]
        doubtful = [k for k in unvouched if _confidence(cells[k]) < SURE or involved.count(k) > 1]
        culprits = doubtful or unvouched or list(dict.fromkeys(involved))
        for key in culprits:
            eq = next(e for e in failing if key in e.parts + e.totals)
            issues.append(_unsure(key, cells[key], f"rule {eq.rule} ({eq.where}) fails with it"))
            values[key] = None
    return issues


def _evaluable(values: dict, eq: Equation) -> bool:
    return all(values.get(k) is not None for k in eq.parts + eq.totals)


def _null_unchecked(values: dict, cells: dict, eqs: list[Equation]) -> list[Issue]:
    """An OCR'd figure in an equation that cannot be evaluated (another of its terms is null) is
    not proven by it, and may be wrong in a way the other equations miss: a row read beside the
    label of the next row holds its own sum, only its column proves where it belongs. So it is
    null too. One pass over the nulls as they stand (no cascade from the nulls it adds)."""
    issues = []
    missing = {k for eq in eqs for k in eq.parts + eq.totals if values.get(k) is None}
    for key in [k for k in cells if values.get(k) is not None]:
        eq = next((e for e in eqs if key in e.parts + e.totals and missing & set(e.parts + e.totals)), None)
        if eq is not None:
            gone = sorted(missing & set(eq.parts + eq.totals))
            issues.append(_unsure(key, cells[key], f"rule {eq.rule} ({eq.where}) cannot prove it: {', '.join(gone)} null"))
    for issue in issues:
        values[issue.keys[0]] = None
    return issues


def _unsure(key: str, cell, why: str) -> Issue:
    return Issue("extractor.ocr_unsure", f"{key}: OCR read {cell.text!r} at confidence {_confidence(cell):.2f}, "
                 f"candidates {_cands(cell)}; {why}; the figure is null", [key])


def _cands(cell) -> str:
    return "/".join(getattr(cell.ocr, "candidates", ()) or ()) or "none"
