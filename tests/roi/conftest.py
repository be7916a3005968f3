import pytest


@pytest.fixture(autouse=True)
def people_type_at_machine_speed(app):
    """Tests post the enquiry form straight after fetching it: switch off the 'faster than
    a person' bot check, except where a test turns it back on."""
    before = app.config.get("ENQUIRY_MIN_SECONDS")
    app.config["ENQUIRY_MIN_SECONDS"] = 0
    yield
    if before is None:
        app.config.pop("ENQUIRY_MIN_SECONDS", None)
    else:
        app.config["ENQUIRY_MIN_SECONDS"] = before
