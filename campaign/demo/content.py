"""Demo content: the sectors, pledges and consent wording of the default campaign.

Pure data, so an admin (or another campaign) can replace every word. Each pledge's facts
come from shared/reference/agreements.md and nothing else; every promise is one a worker
can keep without breaking the law: share no more than the law compels, ask questions,
tell people their rights and stand by colleagues.
"""

from typing import Any

SECTORS: list[dict[str, Any]] = [
    {
        "slug": "health",
        "name": "Health",
        "description": (
            "GP surgeries, hospitals and community health services. Nobody should stay away "
            "from a doctor because registering or being treated could bring the Home Office "
            "to their door."
        ),
        "pledges": [
            {
                "slug": "gp-surgeries",
                "title": "GP surgery staff: registering with a GP should never be a risk",
                "statement": (
                    "I work in a GP surgery. From January 2017 until November 2018, the "
                    "Home Office could ask NHS Digital for the details patients gave when "
                    "they registered with a GP – name, date of birth, last known address "
                    "and date of registration – to trace people. I will not pass on any "
                    "patient's details for immigration enforcement unless the law compels "
                    "me to. I will not ask for more about a patient's immigration status "
                    "than registration actually requires, and I will explain plainly what "
                    "happens to the information they give us. If a request for a patient's "
                    "details reaches me, I will raise it with our practice manager or data "
                    "protection lead before anything is shared. I will stand by colleagues "
                    "who do the same."
                ),
                "target": 5000,
            },
            {
                "slug": "hospitals",
                "title": "Hospital staff: care comes first, not immigration checks",
                "statement": (
                    "I work in a hospital. Since 2011 the NHS has passed details of some "
                    "patients with unpaid bills to the Home Office, and since 2016 a debt "
                    "of £500 or more left unpaid for two months can lead to someone's "
                    "immigration application being refused. I will not share any patient's "
                    "details for immigration purposes beyond what the law requires of my "
                    "trust. I will make sure the patients I deal with know how unpaid "
                    "charges can affect them. I will speak up whenever I see "
                    "someone put off treatment they need out of fear of the Home Office. I "
                    "will take any request I doubt to our data protection officer or "
                    "Caldicott Guardian, and I will support colleagues who do the same."
                ),
                "target": 10000,
            },
        ],
    },
    {
        "slug": "education",
        "name": "Education",
        "description": (
            "Nurseries, schools and sixth forms. A child's school record exists to help them "
            "learn, not to help trace their family."
        ),
        "pledges": [
            {
                "slug": "schools",
                "title": "School staff: pupil records are for learning, not enforcement",
                "statement": (
                    "I work in a school. Since July 2015 the Home Office has been able to "
                    "ask the Department for Education to match children against the "
                    "National Pupil Database and send back their address and school; by "
                    "September 2022 it had made 6,883 such requests. From 2016 to 2018 "
                    "the school census in England also collected pupils' nationality and "
                    "country of birth. I will not collect or record "
                    "more about a pupil's nationality or immigration status than the law "
                    "requires, and I will tell families plainly what the census gathers "
                    "and where it goes. If I am asked to share pupils' details for "
                    "immigration purposes, I will raise it with my head teacher or our data "
                    "protection officer, and I will support colleagues who do the same."
                ),
                "target": 15000,
            },
        ],
    },
    {
        "slug": "social-care",
        "name": "Social care",
        "description": (
            "Children's services, adult social care, care homes and home care. Safeguarding "
            "depends on people trusting us with the truth."
        ),
        "pledges": [
            {
                "slug": "social-care-workers",
                "title": "Social care workers: safeguarding, not reporting",
                "statement": (
                    "I work in social care. People come to us at their most vulnerable: "
                    "children at risk, disabled and older adults, families in crisis. In "
                    "January 2019 the borders inspectorate found that the Home Office could "
                    "not even produce a complete list of its data-sharing partnerships, so "
                    "nobody can be sure where information ends up. I will not pass on "
                    "anyone's details for immigration enforcement unless the law compels me "
                    "to, and I will never let questions about status get in the way of "
                    "safeguarding. I will be honest with the people I support about what I "
                    "record and who may see it. I will raise concerns through my employer's "
                    "proper channels, and I will support colleagues who do the same."
                ),
                "target": 5000,
            },
        ],
    },
    {
        "slug": "housing-and-homelessness",
        "name": "Housing and homelessness",
        "description": (
            "Housing officers, hostels and street outreach teams. Someone sleeping rough "
            "should be able to ask for help without that help being used against them."
        ),
        "pledges": [
            {
                "slug": "housing-and-homelessness-workers",
                "title": "Housing and homelessness workers: help without strings",
                "statement": (
                    "I work in housing or homelessness services. In 2016 the Home Office "
                    "was given access to a London map of rough sleepers that could be "
                    "filtered by nationality. From 2018 a Home Office scheme took rough "
                    "sleepers' details for immigration checks; it was exposed in 2019 and "
                    "relaunched in 2020 on the basis of consent. I will not pass anyone's "
                    "details to the Home Office for immigration purposes unless the law "
                    "compels me to or they have given free and informed consent. I will "
                    "never make help depend on that consent, and I will make sure people "
                    "know that saying no is fine. I will raise concerns when I see pressure "
                    "to share, and I will support colleagues who do the same."
                ),
                "target": 3000,
            },
        ],
    },
    {
        "slug": "policing-and-victim-services",
        "name": "Policing and victim services",
        "description": (
            "Police staff, call handlers and victim support services. Victims and witnesses "
            "of crime must be able to come forward without fearing for their immigration "
            "status."
        ),
        "pledges": [
            {
                "slug": "police-staff-and-victim-services",
                "title": "Police staff and victim services: victims and witnesses first",
                "statement": (
                    "I work for a police force or a victim service. In December 2018 a "
                    "super-complaint challenged the police practice of passing the details "
                    "and immigration status of victims and witnesses, including survivors "
                    "of domestic abuse, to Immigration Enforcement. The inspectorate "
                    "reported in December 2020, and in December 2021 the Home Office "
                    "rejected a firewall. I will treat everyone who reports a crime as a "
                    "victim or witness first. I will not pass on their details for "
                    "immigration enforcement beyond what the law and my lawful duties "
                    "require, and I will raise concerns through proper channels when I "
                    "think a referral would put people off reporting. I will support "
                    "colleagues who do the same."
                ),
                "target": 2000,
            },
        ],
    },
    {
        "slug": "welfare-and-pensions",
        "name": "Welfare and pensions",
        "description": (
            "Jobcentres, benefits offices, child maintenance and pensions services. People "
            "asking for support should be able to trust what happens to what they tell us."
        ),
        "pledges": [
            {
                "slug": "benefits-and-pensions-offices",
                "title": "Benefits and pensions staff: support, not suspicion",
                "statement": (
                    "I work in a jobcentre, a benefits service or a pensions office. In "
                    "November 2017 it came to light that Child Maintenance Service records "
                    "were being shared with the Home Office; whether that still happens is "
                    "not known. People claiming support must be able to trust that what "
                    "they tell a work coach is used to help them. I will not pass on "
                    "anyone's details for immigration enforcement beyond what the law "
                    "requires of me. I will explain honestly to claimants what we record "
                    "and why. When I am asked to share more than the law demands, I will "
                    "raise it through my department's proper channels, and I will support "
                    "colleagues who do the same."
                ),
                "target": 3000,
            },
        ],
    },
    {
        "slug": "local-government",
        "name": "Local government",
        "description": (
            "Council staff in every department, from registration and council tax to "
            "libraries and youth services. Local services should serve every resident."
        ),
        "pledges": [
            {
                "slug": "councils",
                "title": "Council staff: local services for every resident",
                "statement": (
                    "I work for a local council. Councils hold details of residents' homes, "
                    "families, schooling and support needs, and from 2018 some councils took "
                    "part in a Home Office scheme that passed rough sleepers' details on "
                    "for immigration checks. I will not pass on residents' details for "
                    "immigration enforcement unless the law compels me to, and I will check "
                    "that any request has a clear legal basis before anything is shared. I "
                    "will ask my council to publish any data-sharing agreements it has with "
                    "the Home Office, and I will raise concerns with our data protection "
                    "officer when I see them. I will support colleagues who do the same."
                ),
                "target": 5000,
            },
        ],
    },
    {
        "slug": "higher-education",
        "name": "Higher education",
        "description": (
            "Universities and colleges. Academic and professional staff can keep "
            "immigration compliance to what the law requires, and no further."
        ),
        "pledges": [
            {
                "slug": "universities-and-colleges",
                "title": "University and college staff: students, not suspects",
                "statement": (
                    "I work at a university or college. Institutions that sponsor "
                    "international students must tell UK Visas and Immigration when a "
                    "student does not enrol, misses required contact points or withdraws. "
                    "I will help my institution meet those legal duties and go no further: "
                    "I will not report students beyond what the sponsor rules require, nor "
                    "support attendance monitoring that reaches further than the law asks. "
                    "I will make sure students know what is reported, when and why, and "
                    "that they are offered support before a report is made wherever the "
                    "rules allow. I will raise concerns through proper channels and support "
                    "colleagues who do the same."
                ),
                "target": 5000,
            },
        ],
    },
    {
        "slug": "advice-and-charities",
        "name": "Advice and charities",
        "description": (
            "Advice services, food banks, refuges and community charities that work "
            "alongside public services. The people we help trust us with their stories."
        ),
        "pledges": [
            {
                "slug": "advice-services-and-charities",
                "title": "Advice and charity workers: trust is our work",
                "statement": (
                    "I work or volunteer for an advice service, food bank, refuge or other "
                    "charity. Charities have been drawn into Home Office schemes before: "
                    "from 2018 homelessness charities took part in a scheme that passed "
                    "rough sleepers' details on for immigration checks. I will not pass on "
                    "the details of anyone we help to the Home Office for immigration "
                    "enforcement without their free and informed consent, unless the law "
                    "compels me to. I will tell people plainly what we record and who could "
                    "see it. I will urge my organisation to publish any data-sharing "
                    "arrangements it has, and I will support colleagues who do the same."
                ),
                "target": 2000,
            },
        ],
    },
]
