"""An Agg canvas that draws the charts' text with the same pixels as matplotlib's, in less time.

matplotlib 3.11 draws text glyph by glyph in Python: for each glyph of each string it shapes the string,
sets the font's size and transform and has FreeType render the glyph, then composites it. The charts draw
a few hundred strings of a few thousand glyphs (the top-candidates chart alone about 1,900), and the same
glyphs come back again and again. :class:`FastRendererAgg` keeps, for the life of the process:

* the rendered image of each glyph, by font, size, resolution, rotation, glyph and the sub-pixel part of its
  position (FreeType works in 1/64 pixel: a glyph moved by whole pixels renders to the same image, moved by
  as many pixels, so the image and its offset from the whole-pixel position are all that is kept);
* the shaped layout of each string (glyphs and their offsets) and its measured size, by font, size and
  resolution (matplotlib caches measurements per renderer, i.e. per figure, and layouts not at all);
* the line-height metrics of each font and size (which matplotlib reads from the font's tables for every
  text it lays out).

Each cache entry is computed with exactly the calls matplotlib makes (the same font object, the same
arguments, the same arithmetic), so the PNGs are pixel-identical to those of the plain Agg canvas. Mathtext and
TeX are left to matplotlib. :func:`new_canvas` attaches the canvas to a figure; :func:`clear_caches` empties
the caches (their size is also capped).
"""

from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font
from matplotlib.ft2font import FT2Font, RenderMode  # RenderMode: matplotlib >= 3.10 (ImportError before)

# The canvas repeats matplotlib 3.11's own text drawing with the font's private calls; another release may draw
# differently, so there the charts keep matplotlib's canvas (see ``charts.base.new_figure``).
if (matplotlib.__version_info__[:2] != (3, 11)
        or not all(hasattr(FT2Font, name) for name in ("_layout", "_render_glyph", "_set_transform"))):
    raise ImportError(f"the fast canvas is made for matplotlib 3.11, not {matplotlib.__version__}")

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

#: Entries a cache holds at most before it is emptied (a report fills about 2,000 glyphs and 400 strings).
MAX_ENTRIES = 50_000

#: (font, size, dpi, hinting flags, angle, antialiased, glyph, x % 64, y % 64) -> (image, left, top), the
#: offsets from the glyph's whole-pixel position.
_glyphs: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
#: (font, size, dpi, hinting flags, features, language, text) -> ((font, glyph, x, y), ...)
_layouts: dict[tuple[Any, ...], tuple[tuple[Any, int, float, float], ...]] = {}
#: (font, size, dpi, hinting flags, text) -> (width, height, descent) in pixels
_sizes: dict[tuple[Any, ...], tuple[float, float, float]] = {}
#: (font, size, dpi) -> (ascent, descent, line gap) in pixels, or Nones when the font has no such tables
_line_metrics: dict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = {}


#: The settings that matplotlib's font lookup (``findfont`` and ``get_font``) reads.
_FONT_SETTINGS = ("font.family", "font.style", "font.variant", "font.weight", "font.stretch", "font.size",
                  "font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace",
                  "text.kerning_factor", "font.enable_last_resort")
#: (font properties, thread, :data:`_FONT_SETTINGS`) -> the FT2Font that matplotlib's lookup gives. Emptied in a
#: forked child, as matplotlib empties its own cache of fonts (a font must not be used across a fork).
_fonts: dict[tuple[Any, ...], Any] = {}
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fonts.clear)


def clear_caches() -> None:
    """Forget every cached glyph image, layout and text size."""
    for cache in (_glyphs, _layouts, _sizes, _line_metrics, _plain, _fonts):
        cache.clear()


def _store(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _hashable(value: Any) -> Any:
    """``value`` as a cache-key part (lists become tuples); None when it cannot be one."""
    if isinstance(value, list):
        value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    try:
        hash(value)
    except TypeError:
        return None
    return value


#: character -> whether HarfBuzz (``FT2Font._layout``) shapes it as one glyph of its own, at the position
#: ``set_text`` gives it (see :func:`_plain_char`).
_plain: dict[str, bool] = {}


def _plain_char(c: str) -> bool:
    """Whether ``c`` is shaped as itself alone: a left-to-right or neutral character of the Latin, Greek and
    Cyrillic blocks, the punctuation or the symbols (no mark that combines, no format or control character such
    as a zero-width space, which the shaper replaces, no right-to-left or complex script)."""
    got = _plain.get(c)
    if got is None:
        import unicodedata

        o = ord(c)
        in_blocks = (0x20 <= o < 0x0590 or 0x1E00 <= o < 0x2C00) and not 0x2000 <= o <= 0x200F
        drawn = unicodedata.category(c)[0] not in "MCZ" or c == " "
        got = in_blocks and drawn and unicodedata.bidirectional(c) in ("L", "EN", "ES", "ET", "CS", "ON", "WS")
        _plain[c] = got
    return got


def _simple_layout(font: Any, text: str, positions: Any) -> tuple[tuple[Any, int, float, float], ...] | None:
    """The layout ``font._layout(text)`` makes, from the glyph positions (26.6) that ``font.set_text(text)`` just
    returned: for a text of plain characters (:func:`_plain_char`) that ``font`` itself has, HarfBuzz shapes the
    same glyphs at the same positions for both, one glyph per character (None for any other text: the drawing
    shapes it anew)."""
    if len(positions) != len(text):
        return None
    glyphs = []
    for c in text:
        if not _plain_char(c):
            return None
        g = font.get_char_index(ord(c))
        if not g:  # drawn with a fallback font
            return None
        glyphs.append(g)
    return tuple((font, g, float(x) / 64.0, float(y) / 64.0) for g, (x, y) in zip(glyphs, positions.tolist(),
                                                                              strict=True))


class FastRendererAgg(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` with the text caches described in the module."""

    def _font(self, prop: FontProperties) -> Any:
        """The FT2Font matplotlib draws ``prop`` with (its own lookup, kept by the font's properties and the
        settings that lookup reads), its transform reset as ``get_font`` resets it."""
        rc: Any = matplotlib.rcParams
        key = (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
               prop.get_size(), prop.get_file(), threading.get_ident(),
               *(tuple(v) if isinstance(v := rc[name], list) else v for name in _FONT_SETTINGS))
        font = _fonts.get(key)
        if font is None:
            font = _store(_fonts, key, get_font(fontManager._find_fonts_by_props(prop)))
        else:
            font._set_transform([[0x10000, 0], [0, 0x10000]], [0, 0])
        return font

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        """(ascent, descent, line gap) of ``prop``'s font in pixels, as :meth:`matplotlib.text.Text._get_layout`
        reads them from the font's tables when the renderer does not give them (its own arithmetic); Nones
        when the font has neither table (the text then measures "lp" itself, as before)."""
        font = self._font(prop)
        size = prop.get_size_in_points()
        key = (font, size, self.dpi)
        got = _line_metrics.get(key)
        if got is not None:
            return got
        result: tuple[float | None, float | None, float | None] = (None, None, None)
        for table_name, linegap_key, ascent_key, descent_key in (
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
            scale = 1 / units_per_em * size * self.dpi / 72
            result = (table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale)
            break
        return _store(_line_metrics, key, result)

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        """As matplotlib's (``font.set_text`` then its size), cached across figures."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        font = self._font(prop)
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        key = (font, size, self.dpi, flags, s)
        got = _sizes.get(key)
        if got is not None:
            return got
        font.clear()
        font.set_size(size, self.dpi)
        positions = font.set_text(s, 0.0, flags=flags)
        w, h = font.get_width_height()
        d = font.get_descent()
        # the text is measured before it is drawn: its layout taken from this shaping, not shaped again to draw it
        items = _simple_layout(font, s, positions)
        if items is not None:
            _store(_layouts, (font, size, self.dpi, flags, None, None, s), items)
        return _store(_sizes, key, (w / 64.0, h / 64.0, d / 64.0))

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        """As matplotlib's: the string shaped (cached), then each glyph's image (cached) composited."""
        if ismath:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        features = _hashable(mtext.get_fontfeatures()) if mtext is not None else None
        language = _hashable(mtext.get_language()) if mtext is not None else None
        if mtext is not None and ((features is None and mtext.get_fontfeatures() is not None)
                                  or (language is None and mtext.get_language() is not None)):
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # unusual values: no cache
            return
        font = self._font(prop)
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        key = (font, size, self.dpi, flags, features, language, s)
        items = _layouts.get(key)
        if items is None:
            font.clear()
            font.set_size(size, self.dpi)
            laid = font._layout(s, flags=flags, features=features, language=language)
            items = _store(_layouts, key, tuple((i.ft_object, i.glyph_index, i.x, i.y) for i in laid))
        self._draw_glyphs(gc, x, y, angle, size, flags, items)

    def _draw_glyphs(self, gc: Any, x: float, y: float, angle: float, size: float, flags: Any,
                     items: tuple[tuple[Any, int, float, float], ...]) -> None:
        """matplotlib's ``_draw_text_glyphs_and_boxes`` for unslanted, unstretched glyphs and no boxes, the
        images cached."""
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        antialiased = gc.get_antialiased()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        matrix = None
        height = self.height
        canvas_h = int(self.height)
        dpi = self.dpi
        draw = self._renderer.draw_text_image
        for font, glyph, dx, dy in items:  # dy is upwards
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font, size, dpi, flags, angle, antialiased, glyph, px & 63, py & 63)
            got = _glyphs.get(key)
            if got is None:
                if matrix is None:
                    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
                font.set_size(size, dpi)
                font._set_transform(matrix, [px, py])
                bitmap = font._render_glyph(glyph, flags, mode)
                buffer = bitmap.buffer
                if not antialiased:
                    buffer *= 0xff
                got = _store(_glyphs, key, (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6)))
            image, left, top = got
            # draw_text_image's y is downwards & the bitmap bottom side
            draw(image, left + (px >> 6), canvas_h - (top + (py >> 6)) + image.shape[0], 0, gc)


class FastCanvasAgg(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`FastRendererAgg`."""

    def get_renderer(self) -> FastRendererAgg:
        """The renderer for the figure's current size and resolution (made anew when they change)."""
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key or not isinstance(self.renderer, FastRendererAgg):
            self.renderer = FastRendererAgg(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def new_canvas(fig: Figure) -> FastCanvasAgg:
    """Attach a :class:`FastCanvasAgg` to ``fig``."""
    return FastCanvasAgg(fig)
