"""AppTest smoke test: the dashboard runs on the shipped data without an exception."""
from streamlit.testing.v1 import AppTest

from conftest import ROOT


def test_dashboard_starts_on_the_shipped_data():
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "44 transcripts" in at.caption[0].value
