"""The enquiry, triage and registration of interest rows of the wrong-person check.

``tests/foundation/test_authorisation.py`` runs every row as the wrong person (404, nothing
changed). What it cannot see is a row left behind here for a page that no longer exists, or a
feature page whose row was put in another feature's table: this file checks that the
feature's table names exactly the feature's record pages.
"""
from __future__ import annotations

from tests.enquiries.authorisation_records import OTHER_RECORD


def test_the_table_covers_every_record_rule_of_the_feature(app):
    prefixes = ("/staff/enquiries/<", "/staff/registrations/<", "/register-interest/")
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(prefixes) and set(rule.arguments) - {"token"}}
    assert rules == set(OTHER_RECORD)
