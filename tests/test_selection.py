"""Selection decides like flake8: longest prefix wins; opt-in codes are off only by default."""

from __future__ import annotations

import pytest

from fake_async_lint.suppress import Selection

OFF = frozenset({"FAS204"})


@pytest.mark.parametrize(
    ("select", "extend", "ignore", "code", "enabled"),
    [
        (None, (), (), "FAS100", True),
        (None, (), (), "FAS204", False),  # opt-in: off under the default selection
        (("FAS",), (), (), "FAS204", True),  # an explicit select turns it on (as flake8 does)
        (None, ("FAS204",), (), "FAS204", True),
        (None, ("FAS2",), (), "FAS204", True),
        (("FAS1",), (), (), "FAS204", False),
        (("FAS1",), (), (), "FAS200", False),
        (None, (), ("FAS1",), "FAS101", False),
        (None, ("FAS101",), ("FAS1",), "FAS101", True),  # the longer prefix wins
        (("FAS10",), (), ("FAS101",), "FAS101", False),
        (("FAS101",), (), ("FAS101",), "FAS101", False),  # a tie goes to ignore
        (("FAS",), (), ("FAS204",), "FAS204", False),
    ],
)
def test_decision(
    select: tuple[str, ...] | None, extend: tuple[str, ...], ignore: tuple[str, ...], code: str, enabled: bool
) -> None:
    assert Selection(select, extend, ignore, OFF).enabled(code) is enabled
