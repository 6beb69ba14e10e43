"""Reading the daily-work forms: whole numbers and per-line quantities, refused in the API's words."""

from __future__ import annotations

from starlette.datastructures import FormData

from truecount.domain.errors import InvalidInput

MAX_FIELD = 200


def text(form: FormData, name: str, *, required: bool = False) -> str:
    """A text field, stripped; ``required`` refuses it empty."""
    value = form.get(name)
    found = value.strip() if isinstance(value, str) else ""
    if len(found) > MAX_FIELD:
        raise InvalidInput(f"is longer than {MAX_FIELD} characters", field=name)
    if required and not found:
        raise InvalidInput("is required", field=name)
    return found


def whole(value: str, field: str, *, signed: bool = False) -> int:
    """A whole number typed into a field (``signed``: may start with + or -)."""
    cleaned = value.strip()
    digits = cleaned[1:] if signed and cleaned[:1] in "+-" else cleaned
    if not digits.isdigit() or len(digits) > 12:
        raise InvalidInput("must be a whole number", field=field)
    return int(cleaned)


def line_quantities(form: FormData, prefix: str = "qty-") -> dict[int, int]:
    """``qty-<line>`` fields with a number above zero (empty or 0: the line is left alone)."""
    found: dict[int, int] = {}
    for name, value in form.multi_items():
        if not name.startswith(prefix) or not isinstance(value, str) or not value.strip():
            continue
        line = name.removeprefix(prefix)
        if not line.isdigit():
            raise InvalidInput("is not a line of this order", field=name)
        quantity = whole(value, name)
        if quantity:
            found[int(line)] = quantity
    return found
