"""The one object the API and the pages share (built once per process, like datasette's ``Datasette``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from itsdangerous import URLSafeTimedSerializer

from truecount.adapters.db.engine import Database
from truecount.settings import Settings

SESSION_COOKIE = "truecount_session"


@dataclass
class Truecount:
    """Settings, the database and the cookie signer; routes reach it through ``request.app.state.truecount``."""

    settings: Settings
    db: Database
    signer: URLSafeTimedSerializer = field(init=False)

    def __post_init__(self) -> None:
        self.signer = URLSafeTimedSerializer(self.settings.secret_key, salt="truecount-session")
