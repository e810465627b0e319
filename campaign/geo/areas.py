"""Local authority (ONS GSS code) names and the UK nations they belong to."""

from functools import cache

import qlacref_authorities

NATIONS: dict[str, str] = {
    "E": "England",
    "W": "Wales",
    "S": "Scotland",
    "N": "Northern Ireland",
}

# The authorities package covers England and Wales as they were in 2021. These are the
# English authorities created since (the 2023 reorganisations, plus Barnsley and
# Sheffield recoded after boundary changes), and Scotland's and Northern Ireland's.
_NAMES_NOT_IN_PACKAGE = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
    "S12000005": "Clackmannanshire",
    "S12000006": "Dumfries and Galloway",
    "S12000008": "East Ayrshire",
    "S12000010": "East Lothian",
    "S12000011": "East Renfrewshire",
    "S12000013": "Na h-Eileanan Siar",
    "S12000014": "Falkirk",
    "S12000017": "Highland",
    "S12000018": "Inverclyde",
    "S12000019": "Midlothian",
    "S12000020": "Moray",
    "S12000021": "North Ayrshire",
    "S12000023": "Orkney Islands",
    "S12000026": "Scottish Borders",
    "S12000027": "Shetland Islands",
    "S12000028": "South Ayrshire",
    "S12000029": "South Lanarkshire",
    "S12000030": "Stirling",
    "S12000033": "Aberdeen City",
    "S12000034": "Aberdeenshire",
    "S12000035": "Argyll and Bute",
    "S12000036": "City of Edinburgh",
    "S12000038": "Renfrewshire",
    "S12000039": "West Dunbartonshire",
    "S12000040": "West Lothian",
    "S12000041": "Angus",
    "S12000042": "Dundee City",
    "S12000045": "East Dunbartonshire",
    "S12000047": "Fife",
    "S12000048": "Perth and Kinross",
    "S12000049": "Glasgow City",
    "S12000050": "North Lanarkshire",
    "N09000001": "Antrim and Newtownabbey",
    "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast",
    "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane",
    "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh",
    "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster",
    "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
}

# Abolished in 2023 (or recoded), so no postcode maps to them any more; leaving them
# out keeps lists of councils to choose from current.
_ABOLISHED = frozenset(
    {
        "E07000026",  # Allerdale
        "E07000027",  # Barrow-in-Furness
        "E07000028",  # Carlisle
        "E07000029",  # Copeland
        "E07000030",  # Eden
        "E07000031",  # South Lakeland
        "E07000163",  # Craven
        "E07000164",  # Hambleton
        "E07000165",  # Harrogate
        "E07000166",  # Richmondshire
        "E07000167",  # Ryedale
        "E07000168",  # Scarborough
        "E07000169",  # Selby
        "E07000187",  # Mendip
        "E07000188",  # Sedgemoor
        "E07000189",  # South Somerset
        "E07000246",  # Somerset West and Taunton
        "E08000016",  # Barnsley, now E08000038
        "E08000019",  # Sheffield, now E08000039
    }
)


@cache
def _names() -> dict[str, str]:
    names = {
        record["LTLA21CD"]: record["LTLA21NM"]
        for record in qlacref_authorities.records
        if record["LTLA21CD"] not in _ABOLISHED
    }
    names.update(_NAMES_NOT_IN_PACKAGE)
    return dict(sorted(names.items()))


def all_areas() -> dict[str, str]:
    """Every current local authority in the UK: GSS code -> name, sorted by code."""
    return dict(_names())


def area_name(code: str) -> str:
    """The authority's name, or the code itself for one we have no name for.

    A newer postcode release can bring a new authority before we name it; showing its
    code is better than refusing the postcode. A test keeps the table complete.
    """
    return _names().get(code, code)


def nation_code(area_code: str) -> str:
    """The nation letter (E, W, S or N) that every ONS area code starts with."""
    nation = area_code[:1]
    if nation not in NATIONS:
        raise ValueError(f"{area_code!r} is not the code of an area in the UK")
    return nation
