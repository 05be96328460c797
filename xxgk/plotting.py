"""Plots with Chinese labels: the CJK font, found through matplotlib's font manager.

    font = use_chinese_font()   # sets matplotlib's rcParams; the font's name, or None where none exists

Debian's fonts-noto-cjk (scripts/system-packages) gives Noto Sans CJK SC. matplotlib's font cache
may predate the font's installation, so the system's font files are scanned and the CJK ones added
when the cache knows none. The notebooks and the desk's plots use this; only on a machine with no
CJK font at all do they fall back to English labels.
"""

from __future__ import annotations

from functools import cache

# Simplified Chinese faces first (the same glyph shapes as the reports), then any CJK face.
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC",
             "Noto Sans CJK JP", "Droid Sans Fallback")
_FILE_HINTS = ("cjk", "wqy", "simhei", "msyh", "pingfang", "sourcehan", "droidsansfallback", "notosanssc")


@cache
def chinese_font() -> str | None:
    """The name of a CJK font matplotlib can draw with, or None."""
    from matplotlib import font_manager

    found = _best({f.name for f in font_manager.fontManager.ttflist})
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file is skipped
                continue
    return _best({f.name for f in font_manager.fontManager.ttflist})


def _best(names: set[str]) -> str | None:
    for name in PREFERRED:
        if name in names:
            return name
    return next((n for n in sorted(names) if "CJK" in n), None)


def use_chinese_font() -> str | None:
    """Make matplotlib draw with the CJK font (and a plain minus sign, which CJK fonts have);
    returns the font's name, or None where the machine has none."""
    import matplotlib.pyplot as plt

    font = chinese_font()
    if font:
        plt.rcParams["font.family"] = "sans-serif"
        plt.rcParams["font.sans-serif"] = [font, *[f for f in plt.rcParams["font.sans-serif"] if f != font]]
        plt.rcParams["axes.unicode_minus"] = False
    return font
