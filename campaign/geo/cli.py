import time

import click
from flask.cli import AppGroup

from .lookup import build_lookup, configured_db_path

geo = AppGroup("geo", help="Postcode lookup data (ONS Postcode Directory).")


@geo.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if the lookup file exists.")
def build(force: bool) -> None:
    """Build the postcode lookup file (POSTCODE_DB, or one in the instance folder)."""
    db_path = configured_db_path()
    if db_path.exists() and not force:
        click.echo(f"{db_path} already exists; use --force to rebuild it.")
        return
    started = time.perf_counter()
    rows = build_lookup(db_path)
    click.echo(f"Built {db_path}: {rows:,} postcodes in {time.perf_counter() - started:.1f} s.")
