"""Every setting in one place, read from the environment (prefix ``TRUECOUNT_``) or a ``.env`` file.

(:mod:`truecount.read_settings` reads the few a read-only CLI command needs without pydantic-settings.)

The domain never reads settings; services receive the values they need.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from truecount import defaults
from truecount.domain.ledger import MAX_REQUEST_QUANTITY, MAX_STORED_QUANTITY

#: The default secret key: ``serve`` refuses it unless it listens on loopback only.
DEFAULT_SECRET_KEY = "change-me-in-production"


class Settings(BaseSettings):
    """truecount's configuration. Units are in the names."""

    model_config = SettingsConfigDict(env_prefix="TRUECOUNT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=defaults.DATABASE_URL,
        description="SQLAlchemy URL. SQLite (embedded default, file in the working directory) "
        "or postgresql+psycopg://user@host/db for production.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=defaults.SQLITE_BUSY_TIMEOUT_MS, ge=0, description="How long a SQLite writer waits for the write lock."
    )
    pg_pool_size: int = Field(
        default=defaults.PG_POOL_SIZE, ge=1, description="PostgreSQL connection pool size per process."
    )
    auth_cache_s: float = Field(
        default=1.0,
        ge=0,
        description="How long a server process reuses a bearer token's or a sign-in session's lookup (0: look it "
        "up on every request). A revoke, a sign-out or a user change holds at once in the process that made it, "
        "within this in the others; a session never outlives its expiry.",
    )
    merchant: str = Field(default=defaults.MERCHANT, description="Merchant code the CLI acts for.")
    actor: str = Field(default="", description="Who the CLI records as actor; empty means cli:$USER.")
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs session cookies and CSRF tokens. Left unset, `init` stores a random one in the "
        "database and `serve` uses it; `serve` refuses the default value unless bound to loopback.",
    )
    secret_key_file: str = Field(
        default="truecount.secret",
        description="Where `init` (or the first `serve`) stores a random secret key, mode 0600, used when "
        "TRUECOUNT_SECRET_KEY is not set; empty: no file.",
    )
    channel_secrets_key: str = Field(
        default="",
        description="Encrypts channel secrets (tokens, client secrets, API keys) at rest: a Fernet key "
        "(`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`) or any "
        "long random text. Empty: derived from the secret key (TRUECOUNT_SECRET_KEY, else the stored key "
        "file). Changing it makes stored secrets unreadable.",
    )

    def effective_secret_key(self) -> str:
        """The key sessions are signed with: ``secret_key``, or, left at its default, the key stored in
        ``secret_key_file`` once there is one (``init`` and ``serve`` write it)."""
        if self.secret_key == DEFAULT_SECRET_KEY and self.secret_key_file:
            path = Path(self.secret_key_file)
            if path.is_file():
                return path.read_text().strip() or self.secret_key
        return self.secret_key

    push_interval_s: float = Field(default=600.0, gt=0, description="Default interval for interval channels.")
    worker_poll_interval_s: float = Field(default=0.5, gt=0, description="How often the sync worker polls.")
    push_lease_s: float = Field(
        default=60.0, gt=0, description="How long a sync worker holds a claimed push before another may take it."
    )
    max_quantity: int = Field(
        default=defaults.MAX_QUANTITY,
        ge=1,
        le=MAX_REQUEST_QUANTITY,
        description=f"Largest quantity one request (a movement, an order line, a count) may carry; above is "
        f"refused (422) as absurd. At most {MAX_REQUEST_QUANTITY:,}. Stored levels, bookings and offers are 64-bit "
        f"on both backends (up to {MAX_STORED_QUANTITY:,}); a write that would go past that is refused (422).",
    )
    max_json_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest JSON request body (API writes), refused with 413 while read."
    )
    max_form_body_bytes: int = Field(
        default=65_536, ge=1024, description="Largest form body (the pages' forms, sign-in), refused with 413."
    )
    max_upload_body_bytes: int = Field(
        default=20_971_520, ge=1024, description="Largest upload (multipart or spreadsheet/CSV body), refused with 413."
    )
    max_webhook_body_bytes: int = Field(
        default=2_097_152, ge=1024, description="Largest channel webhook body, refused with 413 before it is verified."
    )
    sign_in_free_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins allowed per account and per client address before a pause."
    )
    sign_in_pause_s: float = Field(
        default=1.0, gt=0, description="First pause after the free failures; it doubles with each further failure."
    )
    sign_in_max_pause_s: float = Field(default=900.0, gt=0, description="The longest pause between sign-in attempts.")
    password_hash_concurrency: int = Field(
        default=2, ge=1, description="Password hashes (argon2, 64 MiB each) computed at once; others wait their turn."
    )
    pg_lock_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="How long a PostgreSQL statement waits for a row lock before the request "
        "is answered 503 busy (0: forever).",
    )
    busy_retry_after_s: int = Field(
        default=2, ge=1, description="Retry-After of a 503 answered when the database is busy."
    )
    smtp_host: str = Field(
        default="",
        description="SMTP server purchase orders are mailed through; empty: none (sends fail and are retried).",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="The SMTP server's port (587 for STARTTLS).")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS before sending.")
    smtp_ca_file: str = Field(
        default="",
        description="PEM file of the CA the SMTP server's certificate is checked against; empty: the system's.",
    )
    smtp_user: str = Field(default="", description="SMTP login user; empty: no login.")
    smtp_password: str = Field(default="", description="SMTP login password.")
    smtp_from: str = Field(default="truecount@localhost", description="From address of purchase order mails.")
    smtp_timeout_s: float = Field(default=30.0, gt=0, description="How long one SMTP conversation may take.")
    po_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="How often the worker mails due purchase orders, amendments and follow-ups of late ones.",
    )
    po_retry_s: float = Field(
        default=60.0, gt=0, description="Wait before retrying a failed purchase order send; doubles, at most an hour."
    )
    po_inbox: str = Field(
        default="",
        description="A Maildir directory or mbox file of suppliers' replies the worker reads every po_interval_s "
        "(tracking numbers become shipments, acknowledgements acknowledge); empty: none.",
    )
    feed_folders: str = Field(
        default="",
        description="Comma-separated folders supplier feeds may read local files from; empty: only sftp:// and "
        "http(s):// feeds (a local path is refused).",
    )
    feed_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="How often the worker looks for due supplier feeds (runs them) and late ones (marks them stale).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
