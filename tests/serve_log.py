"""Reading what ``truecount serve`` wrote (its output and uvicorn's log, one file) in the tests that start it."""

from __future__ import annotations

import re
from pathlib import Path

SERVING = re.compile(r"truecount serving \S+ at (http://\S+/) ")


def printed_url(log: Path) -> str | None:
    """The URL ``serve`` printed, once it has; the log must show a server process started before it
    (uvicorn logs ``Application startup complete.`` before that process accepts connections)."""
    text = log.read_text()
    found = SERVING.search(text)
    if found is None:
        return None
    assert "Application startup complete." in text[: found.start()], text[-3000:]
    return found.group(1)
