from datetime import date, datetime

import pytest

from portal.clock import UTC, NonexistentLocalTime, describe_date, describe_datetime, describe_time, london_to_utc


@pytest.mark.parametrize("utc, text", [
    (datetime(2026, 3, 3, 19, 0, tzinfo=UTC), "Tuesday 3 March 2026 at 7pm"),          # GMT
    (datetime(2026, 7, 7, 18, 30, tzinfo=UTC), "Tuesday 7 July 2026 at 7:30pm"),      # BST
    (datetime(2026, 7, 7, 11, 0, tzinfo=UTC), "Tuesday 7 July 2026 at midday"),
    (datetime(2026, 12, 24, 0, 0, tzinfo=UTC), "Thursday 24 December 2026 at midnight"),
])
def test_one_wording_for_every_time(utc, text):
    assert describe_datetime(utc) == text


def test_pages_and_services_share_the_wording(app):
    from portal.services import events
    from portal.web import format_datetime

    value = datetime(2026, 12, 24, 0, 0, tzinfo=UTC)
    assert format_datetime(value) == events.when(value) == describe_datetime(value)
    assert describe_time(value) == "midnight" and describe_date(date(2028, 2, 29)) == "29 February 2028"


def test_the_spring_forward_gap_is_refused_and_the_autumn_overlap_is_the_first():
    from datetime import time

    with pytest.raises(NonexistentLocalTime):
        london_to_utc(date(2026, 3, 29), time(1, 30))
    assert london_to_utc(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert london_to_utc(date(2026, 10, 24), time(19, 0)) == datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
