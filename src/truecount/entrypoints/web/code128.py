"""Code 128 (code set B) drawn as SVG: printable labels without a barcode library.

Set B covers printable ASCII (32–126), which every SKU, barcode and location code
truecount accepts is made of (codes have no spaces and no control characters).
"""

from __future__ import annotations

from html import escape

# Bar/space widths in modules for symbol values 0–106 (ISO/IEC 15417); 106 is STOP (13 modules).
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
)
PATTERNS: tuple[str, ...] = tuple(_TABLE.split())
START_B = 104
STOP = 106
QUIET = 10  # modules of white either side


def symbols(text: str) -> list[int]:
    """Symbol values for ``text`` in code set B: start, data, checksum, stop."""
    if not text:
        raise ValueError("nothing to encode")
    values = []
    for ch in text:
        if not 32 <= ord(ch) <= 126:
            raise ValueError(f"{ch!r} cannot be encoded in Code 128 set B")
        values.append(ord(ch) - 32)
    checksum = (START_B + sum(i * v for i, v in enumerate(values, start=1))) % 103
    return [START_B, *values, checksum, STOP]


def modules(text: str) -> list[tuple[bool, int]]:
    """(is_bar, width) runs, bar first, quiet zones excluded."""
    runs = []
    for value in symbols(text):
        for i, width in enumerate(PATTERNS[value]):
            runs.append((i % 2 == 0, int(width)))
    return runs


def svg(text: str, caption: str | None = None, module_px: float = 2.0, height_px: float = 60.0) -> str:
    """A standalone SVG of ``text`` as Code 128 with a human-readable caption underneath."""
    runs = modules(text)
    width = (sum(w for _, w in runs) + 2 * QUIET) * module_px
    x = QUIET * module_px
    bars = []
    for is_bar, w in runs:
        if is_bar:
            bars.append(f'<rect x="{x:g}" y="0" width="{w * module_px:g}" height="{height_px:g}"/>')
        x += w * module_px
    label = escape(caption if caption is not None else text)
    total_h = height_px + 18
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{total_h:g}" '
        f'viewBox="0 0 {width:g} {total_h:g}" role="img" aria-label="{escape(text)}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(bars)}</g>'
        f'<text x="{width / 2:g}" y="{height_px + 14:g}" font-family="monospace" font-size="12" '
        f'text-anchor="middle">{label}</text></svg>'
    )
