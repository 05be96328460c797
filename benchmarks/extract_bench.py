"""Extraction speed and memory: documents per second per format on one core, the PDF ratio to
pdfplumber's own extract_text(), and the peak memory of extracting each real report.

    .venv/bin/python benchmarks/extract_bench.py [--docs 40] [--repeats 5]

Targets (issue 2): PDF ratio ≤ 1.5; DOCX ≥ 50 documents/s; HTML and text ≥ 100 documents/s; peak
memory < 300 MB for any real report. Times are the best of several runs, so that a busy machine
inflates them as little as possible.

Start-up (issue 11), as whole processes: `xxgk extract --json` on one seed-sized text file
< 0.3 s wall; on each PDF ≤ 1.2 × a process that opens it with pdfplumber and calls
extract_text() on every page.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
from rich.console import Console
from rich.table import Table

from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
FORMATS = ("html", "txt", "docx", "xlsx", "pdf")


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def documents_per_second(n_docs: int, repeats: int) -> dict[str, float]:
    rates = {}
    for fmt in FORMATS:
        docs = [render(make_spec(seed, "2021" if seed % 2 else "2019"), fmt) for seed in range(n_docs)]

        def run() -> None:
            for data in docs:
                record = extract_bytes(data, f"bench.{fmt}")
                assert record["status"] == "ok", (fmt, record["issues"][:2], record["error"])

        rates[fmt] = n_docs / best_of(repeats, run)
    return rates


def pdfplumber_floor(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def pdf_ratios(repeats: int) -> list[tuple[str, float, float]]:
    pdfs = [(p.name, p.read_bytes()) for p in sorted(CORPUS.rglob("*.pdf"))] if CORPUS.is_dir() else []
    spec = make_spec(3, "2021")
    pdfs += [("generated-ruled.pdf", render(spec, "pdf")), ("generated-unruled.pdf", render(spec, "pdf", ruled=False)),
             ("generated-page-break.pdf", render(spec, "pdf", page_break_in_t3=True))]
    out = []
    for name, data in pdfs:
        floor, ours = [], []
        for _ in range(repeats):  # interleaved, so that both see the same machine
            floor.append(best_of(1, lambda: pdfplumber_floor(data)))
            ours.append(best_of(1, lambda: extract_bytes(data, name)))
        out.append((name, min(ours), min(floor)))
    return out


XXGK = [sys.executable, "-m", "xxgk"]
PDFPLUMBER_PROCESS = [sys.executable, "-c", "import sys, pdfplumber\n"
                      "with pdfplumber.open(sys.argv[1]) as pdf:\n    [p.extract_text() for p in pdf.pages]"]


def process_seconds(argv: list[str], repeats: int) -> float:
    """Best wall time of a whole process (interpreter start, imports, work, exit)."""
    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return best_of(repeats, run)


def startup(repeats: int, tmp: Path) -> tuple[list[tuple[str, float]], list[tuple[str, float, float]]]:
    """Whole-process times: xxgk extract on text files, and on PDFs against pdfplumber's own."""
    tmp.mkdir(parents=True, exist_ok=True)
    seed = CORPUS / "seed" / "000_1246336c5afa29b6.txt"
    texts = [(seed.name, seed)] if seed.is_file() else []
    generated = tmp / "generated.txt"
    generated.write_bytes(render(make_spec(5, "2021"), "txt"))
    texts.append((generated.name, generated))
    text_times = [(name, process_seconds(XXGK + ["extract", "--json", str(path)], repeats)) for name, path in texts]
    pdfs = [(p.name, p) for p in sorted(CORPUS.rglob("*.pdf"))] if CORPUS.is_dir() else []
    made = tmp / "generated-unruled.pdf"
    made.write_bytes(render(make_spec(3, "2021"), "pdf", ruled=False))
    pdfs.append((made.name, made))
    pdf_times = []
    for name, path in pdfs:
        ours, floor = [], []
        for _ in range(repeats):  # interleaved, so that both see the same machine
            ours.append(process_seconds(XXGK + ["extract", "--json", str(path)], 1))
            floor.append(process_seconds(PDFPLUMBER_PROCESS + [str(path)], 1))
        pdf_times.append((name, min(ours), min(floor)))
    return text_times, pdf_times


def peak_memory(path: Path) -> float:
    """Peak resident memory (MB) of a fresh process that extracts one document."""
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report this (larger) parent's peak.
    code = (
        "import sys\n"
        "from xxgk.extraction import extract_path\n"
        "extract_path(sys.argv[1])\n"
        "status = open('/proc/self/status').read()\n"
        "print(next(l.split()[1] for l in status.splitlines() if l.startswith('VmHWM')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(result.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--startup-only", action="store_true", help="measure the whole-process start-up only")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    console = Console()

    import tempfile
    text_times, pdf_times = startup(args.repeats, Path(tempfile.mkdtemp(prefix="xxgk-bench-")))
    table = Table(title=f"start-up: whole processes, best of {args.repeats}")
    for col in ("document", "xxgk extract s", "pdfplumber process s", "ratio (target ≤ 1.2; text < 0.3 s)"):
        table.add_column(col, justify="right" if col != "document" else "left")
    for name, seconds in text_times:
        table.add_row(name, f"{seconds:.3f}", "", "")
    for name, ours, floor in pdf_times:
        table.add_row(name, f"{ours:.3f}", f"{floor:.3f}", f"{ours / floor:.2f}")
    console.print(table)
    if args.startup_only:
        if args.json:
            print(json.dumps({"startup_text": text_times, "startup_pdf": pdf_times}, ensure_ascii=False))
        return

    rates = documents_per_second(args.docs, args.repeats)
    table = Table(title=f"documents per second, one core ({args.docs} generated documents, best of {args.repeats})")
    table.add_column("format")
    table.add_column("documents/s", justify="right")
    table.add_column("target", justify="right")
    targets = {"html": 100, "txt": 100, "docx": 50}
    for fmt, rate in rates.items():
        table.add_row(fmt, f"{rate:.1f}", f"≥ {targets[fmt]}" if fmt in targets else "")
    console.print(table)

    ratios = pdf_ratios(args.repeats)
    table = Table(title="PDF: xxgk's whole extraction vs pdfplumber extract_text() (best of runs)")
    for col in ("document", "xxgk s", "extract_text s", "ratio (target ≤ 1.5)"):
        table.add_column(col, justify="right" if col != "document" else "left")
    for name, ours, floor in ratios:
        table.add_row(name, f"{ours:.3f}", f"{floor:.3f}", f"{ours / floor:.2f}")
    console.print(table)

    memory = []
    if CORPUS.is_dir():
        table = Table(title="peak memory per real report (fresh process, target < 300 MB)")
        table.add_column("document")
        table.add_column("peak RSS MB", justify="right")
        for path in sorted(p for p in CORPUS.rglob("*") if p.is_file() and not p.name.endswith(".json")):
            mb = peak_memory(path)
            memory.append((path.name, mb))
            table.add_row(path.name, f"{mb:.0f}")
        console.print(table)
    else:
        console.print("(../shared/corpus absent: no real reports to measure memory on)")
    if args.json:
        print(json.dumps({"rates": rates, "pdf": ratios, "memory_mb": memory, "startup_text": text_times,
                          "startup_pdf": pdf_times}, ensure_ascii=False))


if __name__ == "__main__":
    main()
