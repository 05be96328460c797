"""Bytes to text for Chinese pages: BOMs, declared charsets that lie, GBK without a declaration."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# GB2312 and GBK pages routinely use characters outside their declared set: read them as GB18030.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030"}


def declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def decode_text(data: bytes, declared: str | None = None) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    # UTF-8 first: it almost never decodes GBK bytes by accident, while GB18030 decodes nearly
    # anything (a UTF-8 page that declares gbk would come out as mojibake).
    candidates = [c for c in ("utf-8", declared, "gb18030") if c]
    for encoding in candidates:
        encoding = _WIDEN.get(encoding.lower(), encoding)
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes  # only for bytes no candidate decodes (slow to import)

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best else "gb18030"
    return data.decode(_WIDEN.get(encoding, encoding), errors="replace")
