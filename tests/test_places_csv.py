"""Shelters and hotels to and from CSV: per-row errors, all rows or none, round trips."""

import io

import pytest
from sqlalchemy import func, select

from partners.needs import Need, ensure_vocabulary
from partners.places import Hotel, Policy, Shelter
from partners.places_csv import (
    CsvRejected,
    decode,
    export_hotels,
    export_shelters,
    import_hotels,
    import_shelters,
)
from placement.auth.models import Role
from placement.extensions import db

HEADER = "name,policy,location,capacity,pets,max_stay\n"


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_good_rows_add_shelters(app):
    summary = import_shelters(db.session, HEADER + "Harbor House,women,20001,12,no,30\n"
                                                   "Katy Men's Center,men,\"Katy, TX\",14,yes,\n")
    assert (summary.created, summary.updated) == (2, 0)
    katy = db.session.scalar(select(Shelter).where(Shelter.policy == Policy.MEN))
    assert katy.city == "Katy" and katy.pets and katy.max_stay is None and katy.confidential


def test_one_bad_row_imports_nothing_and_every_problem_is_named(app):
    rows = ["Harbor House,women,20001,12,no,30"] * 5 + [
        "Bad Place,female,20001,12,no,30",
        ",any,Atlantis ZZ,-3,maybe,0",
    ]
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, HEADER + "\n".join(rows))
    messages = [str(e) for e in rejected.value.errors]
    assert "row 7, policy: 'female' is not one of women, men, family, youth, any" in messages
    assert "row 8, name: is required" in messages
    assert any(m.startswith("row 8, location: Enter a 5-digit ZIP code") for m in messages)
    assert "row 8, capacity: -3 is not between 0 and 10000" in messages
    assert "row 8, pets: 'maybe' is not yes or no" in messages
    assert "row 8, max_stay: 0 is not between 1 and 3650" in messages
    assert count(Shelter) == 0


def test_unknown_and_missing_columns_are_reported_on_the_header_row(app):
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, "name,polcy,location\nX,women,20001\n")
    messages = [str(e) for e in rejected.value.errors]
    assert any(m.startswith("row 1, polcy: unknown column") for m in messages)
    assert "row 1, policy: this column is missing" in messages
    assert "row 1, capacity: this column is missing" in messages


def test_an_id_that_does_not_exist_or_repeats_is_an_error(app, create_shelter):
    shelter = create_shelter()
    source = f"id,{HEADER}{shelter.id},A,any,20001,1,no,\n{shelter.id},B,any,20001,1,no,\n" \
             "999999,C,any,20001,1,no,\n"
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, source)
    messages = [str(e) for e in rejected.value.errors]
    assert f"row 3, id: {shelter.id} appears on an earlier row" in messages
    assert messages[-1].startswith("row 4, id: there is no shelter 999999")


def test_export_then_import_round_trips_and_updates_in_place(app, create_shelter, create_hotel):
    create_shelter(name="=HYPERLINK(\"x\")", location="Houston, TX", max_stay=None,
                   intake_contact="+1 555 0100", pets=True, hold_hours=6,
                   intake_instructions="Staff meet you at the library")
    create_shelter(name="Harbor House", location="20001", max_stay=30, address=None)
    create_hotel(program="wyndham", location="77598", address="1 Lake Ave")
    shelters_csv, hotels_csv = export_shelters(db.session), export_hotels(db.session)
    assert "'=HYPERLINK" in shelters_csv and "'+1 555 0100" in shelters_csv
    assert ",Staff meet you at the library,6," in shelters_csv and "1 Lake Ave" in hotels_csv
    assert import_shelters(db.session, shelters_csv).updated == 2
    assert import_hotels(db.session, hotels_csv).updated == 1
    assert export_shelters(db.session) == shelters_csv
    assert export_hotels(db.session) == hotels_csv
    assert count(Shelter) == 2 and count(Hotel) == 1
    assert db.session.scalar(select(Shelter.name).where(Shelter.pets)) == '=HYPERLINK("x")'


def test_an_edited_export_updates_only_what_changed(app, create_shelter):
    shelter = create_shelter(capacity=10)
    edited = export_shelters(db.session).replace(",10,", ",14,")
    import_shelters(db.session, edited)
    db.session.refresh(shelter)
    assert shelter.capacity == 14 and shelter.address == "12 Confidential Lane"


def test_hotels_name_their_program_by_code_or_name(app, create_program):
    create_program("ihg")
    create_program("marriott")
    source = ("name,program,location,standard_points\nA,IHG,22202,20000\n"
              "B,Marriott Bonvoy,20005,35000\nC,hilton,20005,1\n")
    with pytest.raises(CsvRejected) as rejected:
        import_hotels(db.session, source)
    assert [str(e) for e in rejected.value.errors] == [
        "row 4, program: 'hilton' is not one of ihg, marriott"]
    assert import_hotels(db.session, source.rsplit("C,", 1)[0]).created == 2


def test_a_file_the_csv_reader_cannot_take_is_a_clear_error_not_a_crash(app):
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, HEADER + "x" * 200_000 + ",any,20001,1,no,\n")
    assert "could not be read as CSV" in str(rejected.value.errors[0])


def test_an_empty_file_says_which_columns_are_missing(app):
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, "")
    assert "row 1, name: this column is missing" in [str(e) for e in rejected.value.errors]


def test_a_file_that_is_not_utf8_is_refused_clearly():
    with pytest.raises(CsvRejected, match="nothing was imported") as rejected:
        decode("café".encode("latin-1"))
    assert "not UTF-8" in str(rejected.value.errors[0])
    assert decode("\ufeffname\n".encode()) == "name\n"


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.COORDINATOR))


def upload(client, url, text):
    return client.post(url, data={"file": (io.BytesIO(text.encode()), "places.csv")},
                       content_type="multipart/form-data")


def test_the_import_page_lists_row_errors_and_imports_nothing(coordinator):
    response = upload(coordinator, "/places/shelters/import",
                      HEADER + "Harbor House,women,20001,12,no,30\nX,female,20001,1,no,\n")
    assert response.status_code == 400
    assert "Nothing was imported" in response.text
    assert "row 3, policy: &#39;female&#39; is not one of" in response.text
    assert count(Shelter) == 0


def test_the_import_page_imports_a_good_file_and_says_what_it_did(coordinator):
    response = upload(coordinator, "/places/shelters/import",
                      HEADER + "Harbor House,women,20001,12,no,30\n")
    assert response.status_code == 302
    assert "1 added, 0 updated" in coordinator.get("/places/shelters").text
    assert count(Shelter) == 1


def test_an_upload_without_a_file_is_a_400(coordinator):
    response = coordinator.post("/places/hotels/import", data={},
                                content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a CSV file." in response.text


def test_the_export_is_a_csv_download_kept_out_of_caches(coordinator, create_shelter):
    create_shelter()
    response = coordinator.get("/places/shelters.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"shelters-")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Harbor House" in response.text
    assert coordinator.get("/places/hotels.csv").text.startswith("id,name,program")


# -- offers (issue 16): need codes separated by ";" ------------------------------------------

@pytest.fixture
def needs(app) -> dict[str, Need]:
    return ensure_vocabulary(db.session)


def offers_of(place) -> set[str]:
    db.session.expire_all()
    return {n.code for n in db.session.get(type(place), place.id).offers}


def test_offers_are_exported_as_codes_and_round_trip(app, needs, create_shelter, create_hotel):
    shelter = create_shelter(offers={needs["no-id"], needs["lang:es"]})
    hotel = create_hotel(offers={needs["hotel-age:18"]})
    create_shelter(name="Bare")
    shelters_csv, hotels_csv = export_shelters(db.session), export_hotels(db.session)
    assert shelters_csv.splitlines()[0].endswith(",offers")
    assert shelters_csv.splitlines()[1].endswith(",lang:es;no-id")
    assert shelters_csv.splitlines()[2].endswith(",")
    assert hotels_csv.splitlines()[1].endswith(",hotel-age:18")
    assert import_shelters(db.session, shelters_csv).updated == 2
    assert import_hotels(db.session, hotels_csv).updated == 1
    assert offers_of(shelter) == {"no-id", "lang:es"} and offers_of(hotel) == {"hotel-age:18"}
    assert export_shelters(db.session) == shelters_csv


def test_an_unknown_need_code_names_its_row_and_code_and_imports_nothing(app, needs):
    source = ("name,policy,location,capacity,offers\nA,any,20001,4,lang:es\n"
              "B,any,20001,4,lang:es; lang:xx\n")
    with pytest.raises(CsvRejected) as rejected:
        import_shelters(db.session, source)
    assert [str(e) for e in rejected.value.errors] == [
        "row 3, offers: 'lang:xx' is not a need code"]
    assert count(Shelter) == 0


def test_a_need_of_the_other_kind_or_a_retired_one_is_refused_unless_already_offered(
        app, needs, create_hotel, create_program):
    create_program("ihg")
    needs["lang:ko"].active = False
    kept = create_hotel(offers={needs["lang:ko"]})
    source = (f"id,name,program,location,standard_points,offers\n"
              f"{kept.id},Kept,ihg,22202,20000,lang:ko\n"
              ",New,ihg,22202,20000,pregnant;lang:ko\n")
    with pytest.raises(CsvRejected) as rejected:
        import_hotels(db.session, source)
    assert [str(e) for e in rejected.value.errors] == [
        "row 3, offers: 'lang:ko' is no longer offered for new choices",
        "row 3, offers: 'pregnant' does not apply to hotels"]
    import_hotels(db.session, source.rsplit("\n,New", 1)[0])
    assert offers_of(kept) == {"lang:ko"}


def test_a_new_place_without_offers_gets_the_defaults_of_its_kind_and_policy(
        app, needs, create_program):
    import_shelters(db.session, "name,policy,location,capacity,pets,offers\n"
                                "Family,family,20001,4,yes,\nWomen,women,20001,4,no,\n"
                                "Chosen,family,20001,4,no,LANG:ES ; no-id\n")
    import_shelters(db.session, "name,policy,location,capacity\nNo column,any,20001,4\n")
    by_name = {s.name: {n.code for n in s.offers} for s in db.session.scalars(select(Shelter))}
    assert by_name == {"Family": {"mixed-adults", "dog:under-25"}, "Women": set(),
                       "Chosen": {"lang:es", "no-id"}, "No column": {"mixed-adults"}}
    create_program("ihg")
    import_hotels(db.session, "name,program,location,standard_points,pets,offers\n"
                              "Inn,ihg,22202,20000,yes,\n")
    assert {n.code for n in db.session.scalar(select(Hotel)).offers} == {
        "mixed-adults", "hotel-age:21", "dog:under-25"}


def test_an_empty_cell_clears_an_existing_places_offers_but_a_missing_column_keeps_them(
        app, needs, create_shelter):
    cleared = create_shelter(name="Cleared", offers={needs["no-id"]})
    kept = create_shelter(name="Kept", offers={needs["no-id"]})
    import_shelters(db.session, f"id,name,policy,location,capacity,offers\n"
                                f"{cleared.id},Cleared,women,20001,10,\n")
    import_shelters(db.session, f"id,name,policy,location,capacity\n"
                                f"{kept.id},Kept,women,20001,10\n")
    assert offers_of(cleared) == set() and offers_of(kept) == {"no-id"}


def test_the_import_page_says_what_an_empty_offers_cell_means_and_lists_the_codes(
        coordinator, needs):
    page = coordinator.get("/places/hotels/import").text
    assert "offers" in page and "hotel-age:18" in page and "pregnant" not in page
    assert "removes its offers" in page and "leave the column out of the file" in page
