"""The migrations form one line: one head, each revision named after its file, no two files with one number."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from truecount.adapters.db.migrate import alembic_config


def test_the_migrations_have_one_head_and_one_revision_per_number() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()}"
    files = sorted(Path(scripts.versions).glob("[0-9]*.py"))
    numbers = [f.name.split("_", 1)[0] for f in files]
    assert len(numbers) == len(set(numbers)), f"two migrations share a number: {numbers}"
    walked = [rev.revision for rev in scripts.walk_revisions()]
    assert len(walked) == len(files), "a migration file is not on the chain"
