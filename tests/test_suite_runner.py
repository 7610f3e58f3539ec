"""The suite runner's split of the browser tests between backends run at once."""

import zlib

import pytest

from tests.conftest import browser_share_range
from tests.run_suites import browser_shares


def test_the_backends_shares_cover_every_part_once_with_sqlite_taking_five_in_seven():
    shares = browser_shares(["embedded", "postgres"])
    assert shares == {
        "embedded": "--browser-share=0-4/7",
        "postgres": "--browser-share=5-6/7",
    }
    ranges = [browser_share_range(share.split("=", 1)[1]) for share in shares.values()]
    names = [f"tests/test_browser.py::test_{n}" for n in range(300)]
    owners = [
        [first <= zlib.crc32(name.encode()) % count <= last for first, last, count in ranges]
        for name in names
    ]
    assert all(sum(owned) == 1 for owned in owners)
    taken_by_sqlite = sum(owned[0] for owned in owners) / len(names)
    assert 0.6 < taken_by_sqlite < 0.82


def test_a_share_reads_as_a_single_part_or_a_range_and_a_bad_one_is_refused():
    assert browser_share_range("1/2") == (1, 1, 2)
    assert browser_share_range("0-1/3") == (0, 1, 3)
    for bad in ("2/2", "1-0/3", "0-3/3"):
        with pytest.raises(pytest.UsageError):
            browser_share_range(bad)
