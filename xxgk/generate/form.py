"""What a generated report's prose says about its figures, and the flaws of form it can plant.

`ReportSpec.form` (empty: a clean report of its format):
    stated      {key: value}        the prose states this figure instead of the table's
                                    (format.text_table_mismatch); keys t3.new.total, t4.review.total,
                                    t4.suits (both suit totals), t2.fees.amount
    parts       ["一", "二", ...]   the parts printed, in this order: leave one out (format.part_missing)
                                    or swap two (format.part_order)
    empty_five  True                五 says 无 (format.empty_part)
    no_fees     True                六 says nothing of fees (format.fees_not_stated in the 2021 format)
    published   "YYYY-MM-DD"        the signature date, and the date the page and the portal's listing show
                                    (after 31 January of the next year: format.late)

The sentences are those of `printed_statements` in transform/phrases.yaml, which the audit reads back.
"""

from __future__ import annotations

import random
from datetime import date

from transform.audit import phrases

PART_ORDER = ("一", "二", "三", "四", "五", "六")


def _say(name: str, **values) -> str:
    return phrases()["printed_statements"][name].format(**values)


def _amount(value: float) -> str:
    return f"{value:.2f}" if value else "0"


def stated_figures(spec) -> list[str]:
    """The sentences of part 一 that state figures of the tables (as the tables print them, unless
    `form['stated']` says otherwise)."""
    values = spec.figures
    said = dict(spec.form.get("stated", {}))

    def figure(key: str, *keys: str) -> float | None:
        if key in said:
            return said[key]
        printed = [values.get(k) for k in keys or (key,)]
        return None if any(v is None for v in printed) else sum(printed)

    out = []
    applications = figure("t3.new.total")
    if applications is not None:
        out.append(_say("applications", n=int(applications)) if applications else _say("no_applications"))
    review = figure("t4.review.total")
    suits = figure("t4.suits", "t4.suit_direct.total", "t4.suit_after_review.total")
    if review is not None and suits is not None:
        out.append(_say("review_suits", review=int(review), suits=int(suits)) if review or suits
                   else _say("no_review_suits"))
    if spec.template == "2021":
        fees = figure("t2.fees.amount")
        if fees is not None:
            out.append(_say("fees", amount=_amount(fees)))
    return out


def form_text(spec, part: str) -> str | None:
    """A part's text when the form plants a flaw in it, else None (the generator's usual prose)."""
    if part == "五" and spec.form.get("empty_five"):
        return _say("empty_five")
    if part == "六" and spec.form.get("no_fees"):
        return _say("six_without_fees")
    return None


def published_on(spec) -> date:
    """The date the report says it was published (on time unless the form says otherwise)."""
    if spec.form.get("published"):
        return date.fromisoformat(spec.form["published"])
    return date(spec.year + 1, 1, 20 + spec.seed % 9)


def signature_date(spec, rng: random.Random) -> str:
    day = rng.randint(10, 28)  # drawn in any case: the rest of the prose stays as it was
    if spec.form.get("published"):
        signed = published_on(spec)
        return f"{signed.year}年{signed.month}月{signed.day}日"
    return f"{spec.year + 1}年1月{day}日"
