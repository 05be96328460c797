"""Plots speak Chinese: the CJK font is found through matplotlib's font manager and draws every glyph."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from xxgk.plotting import chinese_font, use_chinese_font  # noqa: E402


def _system_has_cjk() -> bool:
    if not shutil.which("fc-list"):
        return False
    return "CJK" in subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout


@pytest.mark.skipif(not _system_has_cjk(), reason="no CJK font installed (fonts-noto-cjk)")
def test_a_plot_with_chinese_labels_draws_every_glyph(tmp_path):
    import matplotlib.pyplot as plt

    font = use_chinese_font()
    assert font is not None and font == chinese_font() and ("CJK" in font or "Hei" in font)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be raised here
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.bar(["夏县", "稷山县", "洪泽区"], [3, 5, 2])
        ax.set_title("新收政府信息公开申请")
        fig.savefig(tmp_path / "plot.png")
        plt.close(fig)
    assert (tmp_path / "plot.png").stat().st_size > 1000
    assert plt.rcParams["font.sans-serif"][0] == font and not plt.rcParams["axes.unicode_minus"]
