"""Array parameters packed whole (adapters.db.packed) arrive as the same arrays psycopg's lists would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truecount.adapters.db import packed
from truecount.adapters.db.engine import Database

_INT8 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_INT4 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@settings(max_examples=40, deadline=None)
@given(
    int8=st.lists(_INT8, max_size=40),
    int4=st.lists(_INT4, max_size=40),
    flags=st.lists(st.booleans(), max_size=40),
    words=st.lists(_TEXT, max_size=40),
)
def test_packed_arrays_arrive_as_the_lists_they_were_made_of(
    db: Database, int8: list[int], int4: list[int], flags: list[bool], words: list[str]
) -> None:
    params = {
        "a": packed.int8s(int8), "b": packed.int4s(int4), "c": packed.bools(flags), "d": packed.texts(words),
        "a2": int8, "b2": int4, "c2": flags, "d2": words,
    }  # fmt: skip
    with db.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT %(a)b::bigint[], %(b)b::integer[], %(c)b::boolean[], %(d)b::varchar[],"
            " %(a)b::bigint[] IS NOT DISTINCT FROM %(a2)b::bigint[]"
            " AND %(d)b::varchar[] IS NOT DISTINCT FROM %(d2)b::varchar[]",
            params,
        ).one()
    assert list(row[:4]) == [int8, int4, flags, words]
    assert row[4] is True  # the same arrays psycopg's own lists give (empty ones included)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_packed_array_feeds_unnest_in_order(db: Database) -> None:
    with db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT * FROM unnest(%(ids)b::bigint[], %(names)b::varchar[]) WITH ORDINALITY",
            {"ids": packed.int8s([7, 3, 9]), "names": packed.texts(["é", 'a"b', "c,d"])},
        ).all()
    assert [tuple(r) for r in rows] == [(7, "é", 1), (3, 'a"b', 2), (9, "c,d", 3)]
