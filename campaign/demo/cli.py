from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaign.demo.content import SECTORS
from campaign.extensions import db
from campaign.pledges import services
from campaign.pledges.models import Sector


def load_demo_content() -> int:
    """Add the default sectors and pledges, as an admin would (audited as the system);
    returns how many pledges were added."""
    added = 0
    for position, item in enumerate(SECTORS):
        sector = services.create_sector(
            actor=None,
            slug=item["slug"],
            name=item["name"],
            description=item["description"],
            position=position,
        )
        for pledge_position, pledge in enumerate(item["pledges"]):
            services.create_pledge(
                actor=None,
                sector=sector,
                slug=pledge["slug"],
                title=pledge["title"],
                statement=pledge["statement"],
                target=pledge["target"],
                position=pledge_position,
            )
            added += 1
    return added


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the default campaign's sectors and pledges into an empty database."""
    if db.session.scalar(db.select(Sector).limit(1)) is not None:
        click.echo("The database already has sectors; demo content not loaded.")
        return
    added = load_demo_content()
    db.session.commit()
    click.echo(f"Loaded {len(SECTORS)} sectors and {added} pledges.")
