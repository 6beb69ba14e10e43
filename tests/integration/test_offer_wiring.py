"""Every process that writes stock keeps offers current, whatever its entrypoint imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests import factories as f
from tests import offer_factories as o
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope

SCRIPT = textwrap.dedent(
    """
    import sys
    from truecount.adapters.db.engine import Database
    from truecount.services.stock.movements import PostMovement, post_movement
    from truecount.services.common.scope import Scope

    assert "truecount.services.offers.recompute" not in sys.modules  # nothing imported it for us
    db = Database(sys.argv[1])
    post_movement(db, Scope(int(sys.argv[2]), "script"), PostMovement("receive", "MUG", "WH", 5))
    db.dispose()
    """
)


def test_a_process_that_only_imports_the_movement_service_recomputes_offers(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 3, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.listing(db, scope, "shop", "MUG")
    assert o.stored(db, scope) == {("shop", "MUG"): 3}

    url = db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, str(scope.merchant_id)], capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert o.stored(db, scope) == {("shop", "MUG"): 8}
