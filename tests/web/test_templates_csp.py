"""Every template satisfies the strict Content Security Policy (``style-src 'self'``, ``script-src
'self'``): no inline style attribute, event handler or script — the browser would block it."""

from __future__ import annotations

import re
from pathlib import Path

import truecount.entrypoints.web as web

TEMPLATES = Path(web.__file__).parent / "templates"
INLINE = re.compile(r"""\sstyle=|\son[a-z]+=|<script>|<style""", re.I)


def test_no_template_carries_inline_style_handlers_or_script() -> None:
    found = {
        f"{path.name}:{n}": line.strip()
        for path in sorted(TEMPLATES.rglob("*.html"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    }
    assert found == {}
    assert len(list(TEMPLATES.rglob("*.html"))) > 20  # the templates were read
