"""The benchmarks' client harness reports a client that cannot start instead of waiting for it forever."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from benchmarks import orders


def test_a_client_that_fails_to_start_stops_the_run_with_its_error() -> None:
    def make_worker(i: int) -> Callable[[], int]:
        if i == 1:
            raise RuntimeError("no connection for client 1")
        return lambda: 1

    with pytest.raises(RuntimeError, match="no connection for client 1"):
        orders._run_clients(3, make_worker)
