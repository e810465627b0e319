import tempfile
from collections.abc import Callable
from pathlib import Path

import brotli
import msgpack
import pytest

Row = tuple[str, object, float, float]  # pcd, laua (str or NaN), easting, northing


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
