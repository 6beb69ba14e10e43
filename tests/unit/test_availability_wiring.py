"""Every process wires the same availability listeners, in the documented order."""

from __future__ import annotations

from truecount.services.common import availability


def test_the_listeners_are_wired_in_the_documented_order() -> None:
    availability.wire()
    modules = [getattr(listener, "act", listener).__module__ for listener in availability._listeners]
    wired = [m for m in modules if m in availability.LISTENER_MODULES]
    assert wired == list(availability.LISTENER_MODULES)
