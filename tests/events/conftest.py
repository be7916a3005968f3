import pytest


@pytest.fixture()
def app_context(app):
    """An application context around the whole test, for tests that call services directly
    (emails are rendered from templates). Not for tests that also use ``client``: requests
    would share this context's ``g`` (and its CSRF token); use ``with app.app_context()``."""
    context = app.app_context()
    context.push()
    yield context
    context.pop()


@pytest.fixture(autouse=True)
def exact_whats_on(app):
    """What's On re-checks its drawn pages on every visit here, so tests see changes at once."""
    app.config["WHATS_ON_RECHECK_SECONDS"] = 0
    app.extensions.pop("whats_on_pages", None)  # pages drawn from another test's data
    yield
    app.config.pop("WHATS_ON_RECHECK_SECONDS", None)
    app.extensions.pop("whats_on_pages", None)
