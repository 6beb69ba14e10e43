"""The one object the API and the pages share (built once per process, like datasette's ``Datasette``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from itsdangerous import URLSafeTimedSerializer

from truecount.adapters.db.engine import Database
from truecount.services.accounts.throttle import SignInThrottle
from truecount.settings import Settings

SESSION_COOKIE = "truecount_session"


@dataclass
class Truecount:
    """Settings, the database, the cookie signer and the sign-in throttle; routes reach it through
    ``request.app.state.truecount``."""

    settings: Settings
    db: Database
    signer: URLSafeTimedSerializer = field(init=False)
    sign_in_throttle: SignInThrottle = field(init=False)

    def __post_init__(self) -> None:
        self.signer = URLSafeTimedSerializer(self.settings.secret_key, salt="truecount-session")
        self.sign_in_throttle = SignInThrottle(
            self.settings.sign_in_free_failures, self.settings.sign_in_pause_s, self.settings.sign_in_max_pause_s
        )
