"""Every process that writes stock keeps offers current: the entrypoints wire the listeners, and a
process that never wired them is refused before it writes anything."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests import factories as f
from tests import offer_factories as o
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock.levels import stock

SCRIPT = textwrap.dedent(
    """
    import sys
    from truecount.services.bootstrap import open_database
    from truecount.services.stock.movements import PostMovement, post_movement
    from truecount.services.common.scope import Scope

    db = open_database(sys.argv[1])  # as every entrypoint opens it
    post_movement(db, Scope(int(sys.argv[2]), "script"), PostMovement("receive", "MUG", "WH", 5))
    db.dispose()
    """
)

UNWIRED = textwrap.dedent(
    """
    import sys
    from truecount.adapters.db.engine import Database
    from truecount.services.common.availability import NotWired
    from truecount.services.stock.movements import PostMovement, post_movement
    from truecount.services.common.scope import Scope

    db = Database(sys.argv[1])  # no bootstrap: nothing wired
    try:
        post_movement(db, Scope(int(sys.argv[2]), "script"), PostMovement("receive", "MUG", "WH", 5))
    except NotWired:
        sys.exit(3)
    """
)


def _run(script: str, db: Database, scope: Scope) -> subprocess.CompletedProcess[str]:
    url = db.engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-c", script, url, str(scope.merchant_id)], capture_output=True, text=True, timeout=120
    )


def _shop(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 3, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.listing(db, scope, "shop", "MUG")
    assert o.stored(db, scope) == {("shop", "MUG"): 3}


def test_a_process_that_opens_the_database_as_the_entrypoints_do_recomputes_offers(db: Database, scope: Scope) -> None:
    _shop(db, scope)

    done = _run(SCRIPT, db, scope)

    assert done.returncode == 0, done.stderr
    assert o.stored(db, scope) == {("shop", "MUG"): 8}


def test_a_process_that_never_wired_the_listeners_is_refused_and_writes_nothing(db: Database, scope: Scope) -> None:
    _shop(db, scope)

    done = _run(UNWIRED, db, scope)

    assert done.returncode == 3, done.stderr
    assert [row.on_hand for row in stock(db, scope, "MUG")] == [3]
    assert o.stored(db, scope) == {("shop", "MUG"): 3}
