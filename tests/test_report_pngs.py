"""The static PNG figures draw Chinese with a real CJK font, found by file.

The font is looked up by file (fontconfig, then the system font folders) and registered with
matplotlib by path, so a matplotlib font cache that predates the font does not hide it; with
no CJK font at all one warning names the package to install. The drawn text is compared with
the same text drawn from the font file directly, and with what DejaVu Sans alone draws
(boxes).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from toolkit.report import load_run, pngs
from toolkit.report.pngs import CJK_FONT_PACKAGES, cjk_font_file, png_font_families, write_pngs
from toolkit.report.synthetic import write_synthetic_run

ROOT = Path(__file__).resolve().parents[1]
needs_cjk_font = pytest.mark.skipif(cjk_font_file() is None,
                                    reason="no CJK font installed (apt-get install fonts-wqy-microhei)")


@pytest.fixture
def fresh_font_lookup():
    cjk_font_file.cache_clear()
    png_font_families.cache_clear()
    yield
    cjk_font_file.cache_clear()
    png_font_families.cache_clear()


def draw(text: str, **font) -> np.ndarray:
    fig = Figure(figsize=(2, 0.6), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, text, fontsize=18, **font)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


@needs_cjk_font
def test_chinese_is_drawn_with_the_cjk_font_file():
    families = png_font_families()
    assert len(families) == 2 and families[0] == "DejaVu Sans"
    with matplotlib.rc_context({"font.family": list(families)}):
        ours = draw("医疗合作")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            draw("中医药文化")
    assert not [w for w in caught if "missing from" in str(w.message)]
    reference = draw("医疗合作", fontproperties=font_manager.FontProperties(fname=cjk_font_file()))
    assert np.array_equal(ours, reference)
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        boxes = draw("医疗合作")
        assert np.array_equal(draw("医"), draw("疗"))  # DejaVu draws the same box for each
    assert not np.array_equal(ours, boxes)
    assert not np.array_equal(reference[..., 0] < 128, boxes[..., 0] < 128)


@needs_cjk_font
def test_a_font_cache_without_the_cjk_font_does_not_hide_it(monkeypatch, fresh_font_lookup):
    path = cjk_font_file()
    name = font_manager.FontProperties(fname=path).get_name()
    stale = [f for f in font_manager.fontManager.ttflist if f.fname != path and f.name != name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    monkeypatch.setattr(pngs, "_fontconfig_files", lambda: [])  # only the font folders left
    cjk_font_file.cache_clear()
    png_font_families.cache_clear()
    assert cjk_font_file() == path
    assert png_font_families() == ("DejaVu Sans", name)
    assert any(f.fname == path for f in font_manager.fontManager.ttflist)


def test_no_cjk_font_warns_once_naming_the_package(monkeypatch, fresh_font_lookup, caplog, tmp_path):
    monkeypatch.setattr(pngs, "_fontconfig_files", lambda: [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    run = write_synthetic_run(tmp_path / "run", segments_per_lang=6, seed=0)
    with caplog.at_level(logging.WARNING, logger="toolkit.report.pngs"):
        write_pngs(load_run(run), tmp_path / "a")
        write_pngs(load_run(run), tmp_path / "b")
    notes = [r.getMessage() for r in caplog.records if "Chinese" in r.getMessage()]
    assert len(notes) == 1
    assert "fonts-wqy-microhei" in notes[0] and "fonts-noto-cjk" in notes[0]
    assert CJK_FONT_PACKAGES in notes[0]
    assert png_font_families() == ("DejaVu Sans",)


def test_a_file_without_chinese_glyphs_is_not_taken(monkeypatch, fresh_font_lookup):
    dejavu = font_manager.findfont("DejaVu Sans")
    monkeypatch.setattr(pngs, "_fontconfig_files", lambda: [dejavu, str(ROOT / "README.md")])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    assert cjk_font_file() is None


@needs_cjk_font
@pytest.mark.slow
def test_seeds_pngs_draw_their_chinese_glyphs(tmp_path):
    from toolkit.config import load_config
    from toolkit.experiment import run_experiment

    cfg = load_config(ROOT / "configs" / "seeds.yaml", [f"corpus.path={ROOT / 'seeds'}"])
    run = run_experiment(cfg, out=tmp_path / "seeds").path
    data = load_run(run)
    assert any("\u4e00" <= ch <= "\u9fff" for t in data.topics for w in t.keywords_by_lang.get("zh", []) for ch in w)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = write_pngs(data, tmp_path / "figures")
    assert {p.name for p in written} >= {"map.png", "topic_language.png"}
    assert not [w for w in caught if "missing from" in str(w.message)], [str(w.message) for w in caught]
    # the same map drawn without the CJK font differs: its Chinese labels were drawn as glyphs
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pngs, "png_font_families", lambda: ("DejaVu Sans",))
        write_pngs(data, tmp_path / "boxes")
    assert (tmp_path / "figures" / "map.png").read_bytes() != (tmp_path / "boxes" / "map.png").read_bytes()
