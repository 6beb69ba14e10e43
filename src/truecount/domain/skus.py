"""What a new SKU may be: the one rule every path that creates a variant applies (the API, the CLI,
the pages, product imports).

A SKU is part of web addresses (``/api/v1/variants/{sku}``, ``/stock/{sku}/history``, the variant
page, its label), of CSV cells and of channel listings, and people type or scan it. So a new SKU is
1 to 128 characters with no whitespace, no control characters and none of ``/ ? # % \\`` — the
characters that end, split or escape a path segment (a browser reads ``\\`` as ``/``). Anything else
is allowed (letters of any script, digits, ``- _ . : + ~ @`` …).

The rule applies when a SKU is created, never when one is looked up: a SKU stored before the rule
existed keeps working everywhere (percent-encoded in a path: ``TEE%2FBL%2FM``).
"""

from __future__ import annotations

MAX_SKU = 128
#: Characters a new SKU may not contain, besides whitespace and control characters.
PATH_BREAKING = "/?#%\\"


def sku_problem(sku: str) -> str | None:
    """Why ``sku`` cannot be a new SKU (a sentence naming the offending character), or None when it can."""
    if not sku or not sku.strip():
        return "is required"
    if len(sku) > MAX_SKU:
        return f"is longer than {MAX_SKU} characters ({len(sku)})"
    for ch in sku:
        if ch in PATH_BREAKING:
            shown = " ".join(PATH_BREAKING)
            return f"{sku!r} must not contain {ch!r}: a SKU is part of web addresses, so {shown} are refused"
        if ch.isspace():
            return f"{sku!r} must not contain spaces or other whitespace"
        if not ch.isprintable():
            return f"{sku!r} must not contain control characters ({ch!r})"
    return None
