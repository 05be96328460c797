"""The desk's pages and forms (Starlette). Every page is drawn on the server from the store; every
string goes through Jinja2's autoescape; forms post back and redirect (no script needed)."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from transform.template import metrics
from warehouse.checks import rule_equations
from warehouse.export import county_tables, export_csv, export_docx, export_html
from warehouse.layout import national_tables_css, national_tables_html
from xxgk.desk.decisions import BadDecision, Publisher, parse_value
from xxgk.desk.security import CSRF_FIELD, Guard
from xxgk.desk.source import Prefetcher, SourceView
from xxgk.desk.store import (NotFound, Store, broken_keys, days_since_due, desk_status, doubtful_keys,
                             template_keys)


@cache
def labels() -> dict[str, Any]:
    return yaml.safe_load(resources.files("xxgk.desk").joinpath("labels.yaml").read_text(encoding="utf-8"))


@cache
def metric_labels() -> dict[str, str]:
    """key → what the national format prints for it (row and column)."""
    out: dict[str, str] = {}
    for m in metrics():
        out.setdefault(m.key, f"{m.row_zh} · {m.column_zh}" if m.column_zh else m.row_zh)
    return out


@cache
def equations() -> dict[tuple[str, tuple[str, ...]], tuple[list[str], list[str]]]:
    return {(rule, tuple(keys)): (left, right) for rule, keys, left, right in rule_equations()}


def number(v: Any) -> str:
    """A figure as people write it: whole numbers without '.0', amounts with their decimals."""
    if v is None:
        return "—"
    f = float(v)
    return f"{int(f):,}" if f.is_integer() else f"{f:,.2f}".rstrip("0").rstrip(".")


def percent(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.1f}%"


def failed_reason(error: str | None) -> str:
    for pattern, words in labels()["failed"]:
        if error and pattern in error:
            return words
    return labels()["failed_default"]


def safe_url(url: str | None) -> str:
    """A document's original address, only when it is a web address (never javascript: or data:)."""
    return url if url and url.lower().startswith(("http://", "https://")) else ""


def family(code: str) -> str:
    head = code.split(".", 1)[0]
    return head if head in labels()["family"] else "other"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("xxgk.desk", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=number, percent=percent, failed_reason=failed_reason, safe_url=safe_url)
    env.globals.update(labels=labels, metric=lambda k: metric_labels().get(k, k), family=family,
                       csrf_field=CSRF_FIELD)
    return env


class Desk:
    def __init__(self, data_dir: str | os.PathLike, prefetch: bool = False):
        self.data_dir = Path(data_dir)
        self.store = Store(data_dir)
        self.publisher = Publisher(data_dir)
        self.env = _environment()
        if prefetch:
            Prefetcher(self.store).start()

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(request=request, csrf=request.state.csrf, **context)
        return HTMLResponse(html, status_code=status_code)

    def problem(self, request: Request, message: str, status_code: int = 404) -> HTMLResponse:
        return self.page(request, "problem.html", status_code=status_code, message=message)

    # -- pages ---------------------------------------------------------------------------------

    async def county(self, request: Request) -> Response:
        return await run_in_threadpool(self._county, request)

    def _county(self, request: Request) -> Response:
        counties = self.store.counties()
        if not counties:
            return self.problem(request, "数据仓库中还没有任何县区的报告。")
        by_code = {c["code"]: c for c in counties}
        code = request.query_params.get("county") or counties[0]["code"]
        if code not in by_code:
            return self.problem(request, f"没有县区 {code} 的报告")
        years = by_code[code]["years"]
        try:
            year = int(request.query_params.get("year") or years[0])
        except ValueError:
            return self.problem(request, "年度须为数字", 400)
        rows = self.store.county_agencies(code, year)
        counts = {s: sum(1 for r in rows if r["review_status"] == s) for s in ("ok", "flagged", "failed", "missing")}
        counts["reported"] = sum(1 for r in rows if r["report_id"] is not None)
        counts["corrected"] = sum(1 for r in rows if r["figures_corrected"])
        return self.page(request, "county.html", counties=counties, county=by_code[code], year=year, years=years,
                         rows=rows, counts=counts, summary=self.store.county_summary(code, year),
                         days_late=days_since_due(year), audit=self.store.county_audit(code, year))

    async def report(self, request: Request) -> Response:
        return await run_in_threadpool(self._report, request, None, 200)

    def _report(self, request: Request, error: str | None, status_code: int) -> Response:
        try:
            report = self.store.report(_report_id(request))
        except NotFound as exc:
            return self.problem(request, str(exc))
        rid = report["report_id"]
        figures = self.store.figures(rid)
        checks = [self._equation(c, figures) for c in self.store.checks(rid)]
        issues = self.store.issues(rid)
        broken, doubtful = broken_keys(checks), doubtful_keys(issues)
        report["review_status"] = desk_status(report["review_status"], report["figures_corrected"],
                                              [c["rule"] for c in checks])
        marks = {k: "flagged" for k in doubtful}
        marks.update({k: "corrected" for k, f in figures.items() if f["corrected"]})
        marks.update({k: "broken" for k in broken})
        source = SourceView(self.data_dir, report)
        view = self._source(source, report, broken | doubtful)
        values = {k: f["value"] for k, f in figures.items()}
        tables = Markup(national_tables_html(values, report["template"], marks)) if report["template"] else ""
        keys = [k for k in template_keys(report) if k in figures]
        keys.sort(key=lambda k: k not in broken | doubtful)
        history = self.store.history(report)
        return self.page(request, "report.html", status_code=status_code, report=report, checks=checks, issues=issues,
                         tables=tables, figures=figures, keys=keys, history=history, source=view, error=error,
                         notice=_notice(request.query_params.get("done")),
                         versions=self.store.versions(report), publish_error=self.publisher.error)

    def _source(self, source: SourceView, report: dict[str, Any], keys: set[str]) -> dict[str, Any]:
        if report["status"] == "failed" or not source.available:
            return {"kind": "none"}
        if report["format"] == "pdf" or source.scan_pages:
            return {"kind": "pdf", "pages": source.pages(keys), "scan": bool(source.scan_pages)}
        read = source.read()
        if report["format"] == "html":
            tables = source.html_tables()
            if tables:
                return {"kind": "html", "tables": [Markup(t) for t in tables]}
        where = read["provenance"]
        lit = {(str(where[k].get("table")), where[k].get("row"), where[k].get("col")) for k in keys if k in where}
        by_cell = {(str(w.get("table")), w.get("row"), w.get("col")): k for k, w in where.items()}
        return {"kind": "grid", "tables": read["tables"], "lit": lit, "by_cell": by_cell, "error": read.get("error")}

    def _equation(self, check: dict[str, Any], figures: dict[str, dict]) -> dict[str, Any]:
        left, right = equations().get((check["rule"], tuple(check["keys"])), ([], []))
        value = lambda k: figures.get(k, {}).get("value")  # noqa: E731
        return {**check, "within": check["rule"].startswith("rule"),
                "left": [(k, value(k)) for k in left], "right": [(k, value(k)) for k in right]}

    async def page_image(self, request: Request) -> Response:
        def draw() -> Response:
            try:
                report = self.store.report(_report_id(request))
                page = int(request.path_params["page"])
            except (NotFound, ValueError) as exc:
                return self.problem(request, str(exc))
            source = SourceView(self.data_dir, report)
            if not source.available or (report["format"] != "pdf" and not source.scan_pages):
                return self.problem(request, "该报告没有可显示的页面")
            rid = report["report_id"]
            keys = broken_keys(self.store.checks(rid)) | doubtful_keys(self.store.issues(rid))
            try:
                path = source.page_image(page, keys)
            except Exception:  # a page number the PDF does not have, a PDF pdfium cannot draw
                return self.problem(request, f"无法显示第 {page} 页")
            return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-cache"})  # its boxes change with decisions
        return await run_in_threadpool(draw)

    async def document(self, request: Request) -> Response:
        """The stored document, always as a download: a harvested page never runs in the desk's origin."""
        try:
            report = await run_in_threadpool(self.store.report, _report_id(request))
        except NotFound as exc:
            return self.problem(request, str(exc))
        path = Path(report["path"] or "")
        if not path.is_file():
            return self.problem(request, "原始文件不在数据目录中")
        name = f"report-{report['report_id']}.{report['format'] or 'bin'}"
        return FileResponse(path, media_type="application/octet-stream", filename=name,
                            headers={"Content-Security-Policy": "sandbox; default-src 'none'"})

    async def totals(self, request: Request) -> Response:
        return await run_in_threadpool(self._totals, request)

    def _totals(self, request: Request) -> Response:
        code = request.path_params["county"]
        try:
            year = int(request.path_params["year"])
            name = self.store.county_name(code)
        except (ValueError, NotFound) as exc:
            return self.problem(request, str(exc))
        fmt = request.path_params.get("fmt")
        con = self.store.cursor()
        if fmt == "csv":
            return _download(export_csv(con, code, year).encode("utf-8"), f"{code}-{year}.csv", "text/csv; charset=utf-8")
        if fmt == "html":
            return _download(export_html(con, code, year).encode("utf-8"), f"{code}-{year}.html", "text/html; charset=utf-8")
        if fmt == "docx":
            out = self.data_dir / ".desk" / "exports" / f"{code}-{year}.docx"
            out.parent.mkdir(parents=True, exist_ok=True)
            export_docx(con, code, year, out)
            return _download(out.read_bytes(), f"{code}-{year}.docx",
                             "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        t = county_tables(con, code, year)
        marks = self.store.marked_keys(code, year)
        reports = self.store.county_reports(code, year)
        return self.page(request, "totals.html", name=name, code=code, year=year, totals=t,
                         tables=Markup(national_tables_html(t["values"], t["template"], marks)),
                         counted=[r for r in reports if r["counted"]], left_out=[r for r in reports if not r["counted"]],
                         summary=self.store.county_summary(code, year), marks=marks)

    async def agencies(self, request: Request) -> Response:
        rows = await run_in_threadpool(self.store.unplaced)
        return self.page(request, "agencies.html", rows=rows, error=None,
                         notice=_notice(request.query_params.get("done"), "报告已计入所定位的县区。"))

    # -- decisions -----------------------------------------------------------------------------

    async def decide(self, request: Request) -> Response:
        return await run_in_threadpool(self._decide, request)

    def _decide(self, request: Request) -> Response:
        form = request.state.form
        action = request.path_params["action"]
        try:
            report = self.store.report(_report_id(request))
        except NotFound as exc:
            return self.problem(request, str(exc))
        try:
            entry = self._entry(action, report, form)
            _, done = self.publisher.record(entry)
        except BadDecision as exc:
            return self._report(request, str(exc), 400)
        return RedirectResponse(f"/report/{report['report_id']}?" + urlencode({"done": "1" if done else "later"}),
                                status_code=303)

    def _entry(self, action: str, report: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        base = {"sha256": report["sha256"], "agency": report["agency_name"] or report["agency"], "year": report["year"],
                "note": form.get("note", "").strip() or None, "reviewer": form.get("reviewer", "").strip() or None}
        if action == "confirm":
            return {"action": "confirm", **base}
        if action == "figure":
            key = form.get("key", "")
            if key not in template_keys(report):
                raise BadDecision(f"该报告没有数字项“{key}”")
            return {"action": "figure", **base, "key": key, "value": parse_value(form.get("value"))}
        if action == "undo":
            target = self.store.decision(form.get("decision", ""))
            if target is None or target["action"] not in ("figure", "confirm") or \
                    target.get("sha256", report["sha256"]) != report["sha256"]:
                raise BadDecision("没有这条可撤销的决定")
            return {"action": "undo", "undoes": target["id"], "note": base["note"], "reviewer": base["reviewer"]}
        raise BadDecision(f"未知的操作“{action}”")

    async def place(self, request: Request) -> Response:
        def record() -> Response:
            form = request.state.form
            name, region = form.get("agency", "").strip(), form.get("region", "").strip()
            names = {r["name"] for r in self.store.unplaced()}
            error = None
            if name not in names:
                error = f"“{name}”不在待定位机关中"
            elif not self.store.region_exists(region):
                error = f"“{region}”不是有效的行政区划代码（6 位数字，如 140828）"
            if error:
                return self.page(request, "agencies.html", status_code=400, rows=self.store.unplaced(), error=error,
                                 notice=None)
            try:
                _, done = self.publisher.record({"action": "agency", "agency": name, "region": region,
                                                 "note": form.get("note", "").strip() or None,
                                                 "reviewer": form.get("reviewer", "").strip() or None})
            except BadDecision as exc:
                return self.page(request, "agencies.html", status_code=400, rows=self.store.unplaced(), error=str(exc),
                                 notice=None)
            return RedirectResponse("/agencies?" + urlencode({"done": "1" if done else "later"}), status_code=303)
        return await run_in_threadpool(record)


def _report_id(request: Request) -> int:
    raw = request.path_params["report_id"]
    if not raw.isdigit() or len(raw) > 15:
        raise NotFound(f"报告编号“{raw}”无效")
    return int(raw)


def _notice(done: str | None, recomputed: str = "下面的核对结果已重新计算。") -> str | None:
    if done == "1":
        return "已记录并重新发布，" + recomputed
    if done == "later":
        return "已记录。数据仓库正在发布（例如夜间任务），完成后自动生效，请稍后刷新。"
    return None


def _download(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Content-Security-Policy": "sandbox; default-src 'none'"})


def create_app(data_dir: str | os.PathLike, token: str | None = None, loopback_only: bool = True,
               prefetch: bool = False) -> Starlette:
    """The desk's ASGI app. With `prefetch`, a background thread reads the sources of the reports
    awaiting review (and draws their boxed pages) after the start and after every publish."""
    desk = Desk(data_dir, prefetch=prefetch)
    static = resources.files("xxgk.desk").joinpath("static")
    routes = [
        Route("/", desk.county),
        Route("/report/{report_id}", desk.report),
        Route("/report/{report_id}/page/{page}.png", desk.page_image),
        Route("/report/{report_id}/document", desk.document),
        Route("/report/{report_id}/{action}", desk.decide, methods=["POST"]),
        Route("/county/{county}/{year}/totals", desk.totals),
        Route("/county/{county}/{year}/totals.{fmt}", desk.totals),
        Route("/agencies", desk.agencies),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/national.css", lambda request: Response(national_tables_css(), media_type="text/css")),
        Route("/agencies/place", desk.place, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, token=token, loopback_only=loopback_only)])
    app.state.desk = desk
    return app
