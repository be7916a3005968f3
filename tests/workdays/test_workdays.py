"""The statutory clocks against worked examples from the published English bank holidays."""
from datetime import date

import pytest

from portal.services.workdays import (
    Pause, add_months, add_working_days, bank_holidays, extend_for_pauses, is_working_day, next_working_day,
    paused_days, working_days_between,
)


@pytest.mark.parametrize("start, days, expected", [
    # Christmas 2026: Fri 25 Dec, Sat 26 Dec (Boxing Day), Mon 28 Dec substitute; New Year Fri 1 Jan 2027.
    (date(2026, 12, 24), 1, date(2026, 12, 29)),
    (date(2026, 12, 23), 2, date(2026, 12, 29)),
    (date(2026, 12, 24), 3, date(2026, 12, 31)),
    (date(2026, 12, 24), 4, date(2027, 1, 4)),
    (date(2026, 12, 18), 5, date(2026, 12, 29)),
    # Christmas 2027: Sat 25 and Sun 26 Dec, so Mon 27 and Tue 28 Dec are both substitute days.
    (date(2027, 12, 24), 1, date(2027, 12, 29)),
    (date(2027, 12, 23), 2, date(2027, 12, 29)),
    (date(2027, 12, 31), 1, date(2028, 1, 4)),  # New Year's Day 2028 is a Saturday: Mon 3 Jan substitute
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    (date(2026, 4, 2), 1, date(2026, 4, 7)),
    (date(2026, 4, 1), 5, date(2026, 4, 10)),
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    # Early May (4 May 2026), spring (25 May 2026) and summer (31 August 2026) bank holidays.
    (date(2026, 5, 1), 1, date(2026, 5, 5)),
    (date(2026, 5, 22), 1, date(2026, 5, 26)),
    (date(2026, 8, 28), 1, date(2026, 9, 1)),
    # Weekends; a start on a weekend; the start itself never counts.
    (date(2026, 1, 2), 5, date(2026, 1, 9)),
    (date(2026, 1, 3), 1, date(2026, 1, 5)),
    (date(2026, 1, 5), 0, date(2026, 1, 5)),
    # Month ends and the leap day.
    (date(2026, 1, 30), 1, date(2026, 2, 2)),
    (date(2028, 2, 28), 1, date(2028, 2, 29)),
    (date(2028, 2, 29), 1, date(2028, 3, 1)),
    (date(2027, 2, 26), 1, date(2027, 3, 1)),
])
def test_add_working_days_worked_examples(start, days, expected):
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


def test_bank_holidays_come_from_the_published_list_including_substitute_days():
    assert {date(2026, 12, 25), date(2026, 12, 28)} <= bank_holidays(2026)
    assert date(2026, 12, 26) in bank_holidays(2026)  # Saturday: the holiday itself, substituted on the Monday
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= bank_holidays(2027)
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)} <= bank_holidays(2026)
    assert not is_working_day(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))


def test_closure_days_are_not_working_days():
    closures = {date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)}
    # Council closed between Christmas and New Year: Thu 24 Dec + 1 = Mon 4 Jan 2027.
    assert add_working_days(date(2026, 12, 24), 1, closures=closures) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 24), 1, closures=frozenset(closures)) == date(2027, 1, 4)
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4), closures=closures) == 1
    assert next_working_day(date(2026, 12, 25), closures=closures) == date(2027, 1, 4)


def test_forty_working_days_for_a_review_across_christmas():
    # Not approved on Tue 1 Dec 2026: 40 working days skip 25 and 28 Dec and 1 Jan.
    assert add_working_days(date(2026, 12, 1), 40) == date(2027, 1, 29)
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 29)) == 40


def test_counting_backwards_and_between_in_reverse():
    assert add_working_days(date(2026, 12, 29), -1) == date(2026, 12, 24)
    assert working_days_between(date(2026, 12, 29), date(2026, 12, 24)) == -1


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2027, 12, 31), 2, date(2028, 2, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 3, 31), 2, date(2026, 5, 31)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 10, 31), 4, date(2027, 2, 28)),
    (date(2026, 11, 15), 2, date(2027, 1, 15)),
    (date(2026, 8, 31), -6, date(2026, 2, 28)),
])
def test_add_months_is_correct_at_month_ends(start, months, expected):
    assert add_months(start, months) == expected


def test_paused_time_moves_the_due_date_by_the_paused_days():
    due = date(2026, 3, 5)
    # Paused 1 to 15 February: 14 days.
    assert extend_for_pauses(due, [Pause(date(2026, 2, 1), date(2026, 2, 15))], today=date(2026, 6, 1)) == date(2026, 3, 19)
    # Two pauses add up; the second began before the moved date, so it counts.
    pauses = [Pause(date(2026, 2, 1), date(2026, 2, 15)), Pause(date(2026, 3, 10), date(2026, 3, 20))]
    assert extend_for_pauses(due, pauses, today=date(2026, 6, 1)) == date(2026, 3, 29)
    # A pause after the date has passed cannot rescue it.
    assert extend_for_pauses(due, [Pause(date(2026, 3, 10), date(2026, 3, 20))], today=date(2026, 6, 1)) == due
    # An open pause counts up to today.
    assert extend_for_pauses(due, [Pause(date(2026, 3, 1))], today=date(2026, 3, 11)) == date(2026, 3, 15)
    assert paused_days(pauses, since=date(2026, 1, 1), today=date(2026, 6, 1)) == 24
    assert paused_days([Pause(date(2026, 3, 1))], since=date(2026, 3, 5), today=date(2026, 3, 11)) == 6


def test_the_module_examples_hold():
    import doctest

    from portal.services import workdays

    assert doctest.testmod(workdays).failed == 0
