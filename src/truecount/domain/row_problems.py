"""A file's bad rows, collected: an import checks every row and refuses the file once, naming each bad
row and column (the first :data:`MAX_LISTED` in row order) and how many there are, so one pass over
the file fixes it. Nothing is written when there is one."""

from __future__ import annotations

from typing import Any

from .errors import InvalidInput

MAX_LISTED = 50
"""Bad rows a refusal lists (its ``details``); the message counts them all."""


class RowProblems:
    """The refusals of a file's rows, in the order found; :meth:`check` refuses the file if there is one."""

    def __init__(self) -> None:
        self._found: list[tuple[int, str, str]] = []

    def add(self, row: int, column: str | None, message: str) -> None:
        self._found.append((row, column or "", message))

    def __len__(self) -> int:
        return len(self._found)

    def refusal(self) -> InvalidInput:
        """``N bad row(s), nothing imported; row R, column C: why`` (the first bad row by number); the
        details list the first :data:`MAX_LISTED` rows as ``{"row", "column", "message"}``."""
        ordered = sorted(self._found, key=lambda found: found[0])
        row, column, message = ordered[0]
        listed = "" if len(ordered) <= MAX_LISTED else f" (the first {MAX_LISTED} listed)"
        details: list[dict[str, Any]] = [{"row": r, "column": c, "message": m} for r, c, m in ordered[:MAX_LISTED]]
        return InvalidInput(
            f"{len(ordered)} bad row(s), nothing imported{listed}; row {row}, column {column}: {message}",
            field="file",
            details=details,
        )

    def check(self) -> None:
        """Refuse the file (:meth:`refusal`) if any row was refused."""
        if self._found:
            raise self.refusal()
