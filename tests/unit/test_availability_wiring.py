"""Every process wires the same availability listeners, in the documented order, in one place."""

from __future__ import annotations

from truecount.services import bootstrap
from truecount.services.common import availability
from truecount.services.offers import recompute as offers
from truecount.services.orders import backorders
from truecount.services.trackers import watch as trackers


def test_the_listeners_are_wired_in_the_documented_order() -> None:
    bootstrap.wire()
    assert availability.listeners() == (backorders.LISTENER, offers.LISTENER, trackers.LISTENER)


def test_wiring_twice_keeps_one_of_each() -> None:
    bootstrap.wire()
    bootstrap.wire()
    assert len(availability.listeners()) == 3


def test_a_listener_added_for_a_block_is_gone_after_it() -> None:
    bootstrap.wire()
    extra: availability.Listener = lambda conn, merchant_id, variant_ids: None  # noqa: E731
    with availability.also(extra):
        assert availability.listeners()[-1] is extra
    assert extra not in availability.listeners()
