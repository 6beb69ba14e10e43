"""The CLI and every process of a multi-process ``serve`` derive one channel-secrets key."""

from __future__ import annotations

from pathlib import Path

from truecount.services.channels.secrets import Vault
from truecount.settings import DEFAULT_SECRET_KEY, Settings


def _vault(settings: Settings) -> Vault:
    return Vault(settings.channel_secrets_key or settings.effective_secret_key())


def test_a_secret_sealed_by_the_cli_opens_in_a_serve_process_given_the_stored_key(tmp_path: Path) -> None:
    key_file = tmp_path / "truecount.secret"
    key_file.write_text("a-random-stored-key\n")
    cli = Settings(secret_key=DEFAULT_SECRET_KEY, secret_key_file=str(key_file), channel_secrets_key="")
    served = Settings(
        secret_key="a-random-stored-key", secret_key_file="", channel_secrets_key=""
    )  # as serve hands it on

    sealed = _vault(cli).seal("shpat_123")

    assert _vault(served).open(sealed, "access_token") == "shpat_123"


def test_without_a_stored_key_the_configured_key_is_used(tmp_path: Path) -> None:
    settings = Settings(secret_key=DEFAULT_SECRET_KEY, secret_key_file=str(tmp_path / "none"), channel_secrets_key="")
    assert settings.effective_secret_key() == DEFAULT_SECRET_KEY
    assert Settings(secret_key="set", secret_key_file="", channel_secrets_key="").effective_secret_key() == "set"


def test_a_secret_sealed_before_the_key_file_existed_still_opens() -> None:
    sealed = Vault(DEFAULT_SECRET_KEY).seal("shpat_123")  # sealed while no key file existed yet
    assert Vault("a-random-stored-key", DEFAULT_SECRET_KEY).open(sealed, "access_token") == "shpat_123"
    assert Vault("a-random-stored-key", DEFAULT_SECRET_KEY).seal("x") != Vault(DEFAULT_SECRET_KEY).seal("x")
