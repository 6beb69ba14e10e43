"""A read-only command's settings, read without pydantic-settings, are what ``Settings`` reads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from truecount.read_settings import ReadSettings, read_settings
from truecount.settings import Settings, get_settings

FIELDS = ReadSettings.__slots__


def full() -> ReadSettings:
    settings = Settings()
    return ReadSettings(**{name: getattr(settings, name) for name in FIELDS})


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.lower().startswith("truecount_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()  # read_settings falls back on the process's (cached) settings
    yield
    get_settings.cache_clear()


def test_with_nothing_set_they_are_the_settings_defaults() -> None:
    assert read_settings() == full() == ReadSettings()


def test_string_settings_are_taken_from_the_environment_whatever_the_case_of_their_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUECOUNT_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("truecount_merchant", "acme")
    monkeypatch.setenv("TRUECOUNT_ACTOR", "")
    assert read_settings() == full()
    assert read_settings().merchant == "acme"


def test_numbers_and_dotenv_files_are_read_by_settings_with_its_validation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRUECOUNT_PG_POOL_SIZE", "3")
    (tmp_path / ".env").write_text("TRUECOUNT_MERCHANT=from-file\nTRUECOUNT_MAX_QUANTITY=50\n")
    assert read_settings() == full()
    read = read_settings()
    assert (read.pg_pool_size, read.merchant, read.max_quantity) == (3, "from-file", 50)
    monkeypatch.setenv("TRUECOUNT_PG_POOL_SIZE", "0")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="pg_pool_size"):
        read_settings()
