"""Legacy DOC and WPS files: converted to DOCX by LibreOffice (headless), in a temporary folder,
with a time limit; then read as DOCX."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from extract import docx as docx_reader
from extract.document import RawDocument, ReadError
from extract.settings import Limits
from extract.sniff import sniff

INSTALL_HINT = "install LibreOffice (Debian: apt-get install libreoffice-writer-nogui) to read DOC and WPS files"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read(data: bytes, limits: Limits) -> RawDocument:
    fmt = "wps" if sniff(data) == "wps" else "doc"
    binary = soffice()
    if binary is None:
        raise ReadError(f"{fmt.upper()} file: LibreOffice is not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="xxgk-convert-") as tmp:
        # Kingsoft's .wps is Word's binary format; LibreOffice takes ".wps" for Microsoft Works.
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        profile = Path(tmp) / "profile"
        command = [
            binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=limits.convert_timeout_s, check=False,
                           env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired as exc:
            raise ReadError(f"{fmt.upper()} file: conversion took longer than {limits.convert_timeout_s:.0f} s") from exc
        converted = Path(tmp) / "input.docx"
        if not converted.exists() or converted.stat().st_size == 0:
            raise ReadError(f"damaged {fmt.upper()} file: LibreOffice could not convert it")
        document = docx_reader.read(converted.read_bytes(), limits)
    document.format = fmt
    return document
