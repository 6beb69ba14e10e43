"""Code 128 set B: the symbol table and the checksum."""

from __future__ import annotations

import pytest

from truecount.entrypoints.web import code128


def test_every_symbol_is_eleven_modules_and_the_stop_thirteen() -> None:
    assert len(code128.PATTERNS) == 107 and len(set(code128.PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in code128.PATTERNS[:106])
    assert sum(map(int, code128.PATTERNS[106])) == 13


def test_the_checksum_is_the_weighted_sum_modulo_103() -> None:
    # (104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7) mod 103 = 879 mod 103 = 55
    values = code128.symbols("PJJ123C")
    assert values[0] == 104 and values[-1] == 106
    assert values[1:-2] == [48, 42, 42, 17, 18, 19, 35]
    assert values[-2] == 55


def test_characters_outside_set_b_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be encoded"):
        code128.symbols("caf\u00e9")
