import tempfile
from collections.abc import Callable
from pathlib import Path

import brotli
import msgpack
import pytest

from campaign.geo import build_lookup, default_db_path

Row = tuple[str, object, float, float]  # pcd, laua (str or NaN), easting, northing

INSTANCE_PATH = Path(__file__).resolve().parents[2] / "instance"


@pytest.fixture(scope="session")
def postcode_db() -> Path:
    """The real lookup file, as the app would use it; built once (~6 s) if missing."""
    path = default_db_path(INSTANCE_PATH)
    if not path.exists():
        build_lookup(path)
    return path


@pytest.fixture
def make_source_dir(tmp_path: Path) -> Callable[[list[Row]], Path]:
    """Makes a directory of postcode files shaped like the package's, from given rows."""

    def make(rows: list[Row]) -> Path:
        source_dir = Path(tempfile.mkdtemp(prefix="source-", dir=tmp_path))
        by_letter: dict[str, list[Row]] = {}
        for row in rows:
            by_letter.setdefault(row[0][0], []).append(row)
        for letter, letter_rows in by_letter.items():
            pcd, laua, east, north = (list(column) for column in zip(*letter_rows, strict=True))
            packed = msgpack.packb(
                {
                    "columns": ["pcd", "laua", "oseast1m", "osnrth1m"],
                    "data": {"pcd": pcd, "laua": laua, "oseast1m": east, "osnrth1m": north},
                }
            )
            (source_dir / f"postcodes_{letter}.msgpack.br").write_bytes(brotli.compress(packed))
        return source_dir

    return make
