//! Reference data for the demo generator: markets (country, time zones, phone prefix,
//! domain ending, language, legal forms, names) and the lists leads draw from.
//!
//! Weights follow a typical inbound mix for a B2B software vendor selling from the US and
//! Europe: mostly North America and the large EU markets, a long tail elsewhere (which the
//! demo policy's catch-all rule sends to the inbound desk).

/// First and last names of one naming tradition.
pub struct Names {
    pub first: &'static [&'static str],
    pub last: &'static [&'static str],
}

pub const ENGLISH: Names = Names {
    first: &[
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
        "Emily", "William", "Olivia", "Daniel", "Sophia", "Matthew", "Grace", "Ethan", "Chloe",
        "Noah", "Hannah", "Liam", "Ava", "Lucas", "Zoe",
    ],
    last: &[
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
        "Anderson", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall", "Young",
        "King", "Wright", "Scott", "Green", "Baker", "Murphy",
    ],
};

pub const GERMAN: Names = Names {
    first: &[
        "Lukas",
        "Leonie",
        "Felix",
        "Marie",
        "Maximilian",
        "Sophie",
        "Paul",
        "Laura",
        "Jan",
        "Katharina",
        "Tobias",
        "Julia",
        "Florian",
        "Lea",
        "Stefan",
        "Sabine",
        "Matthias",
        "Nina",
    ],
    last: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Koch",
        "Richter",
        "Klein",
        "Wolf",
        "Neumann",
        "Zimmermann",
        "Huber",
        "Gruber",
    ],
};

pub const FRENCH: Names = Names {
    first: &[
        "Camille", "Louis", "Léa", "Hugo", "Manon", "Jules", "Chloé", "Arthur", "Inès", "Lucas",
        "Élodie", "Théo", "Claire", "Antoine",
    ],
    last: &[
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefebvre", "Michel",
    ],
};

pub const SPANISH: Names = Names {
    first: &[
        "Lucía",
        "Hugo",
        "Sofía",
        "Mateo",
        "Martina",
        "Pablo",
        "Valeria",
        "Alejandro",
        "Camila",
        "Diego",
        "Isabela",
        "Gabriel",
    ],
    last: &[
        "García",
        "Rodríguez",
        "González",
        "Fernández",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Silva",
        "Santos",
        "Oliveira",
        "Ramírez",
    ],
};

pub const NORDIC: Names = Names {
    first: &[
        "Erik", "Astrid", "Lars", "Ingrid", "Nils", "Freja", "Oskar", "Elin", "Anders", "Maja",
    ],
    last: &[
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsen",
        "Hansen",
        "Lindqvist",
        "Berg",
        "Holm",
    ],
};

pub const DUTCH: Names = Names {
    first: &[
        "Daan", "Emma", "Sem", "Julia", "Bram", "Tess", "Lars", "Sanne", "Ruben", "Fleur",
    ],
    last: &[
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "Mulder",
        "Bos",
    ],
};

pub const ITALIAN: Names = Names {
    first: &[
        "Giulia",
        "Marco",
        "Chiara",
        "Luca",
        "Francesca",
        "Matteo",
        "Sara",
        "Andrea",
    ],
    last: &[
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
    ],
};

pub const POLISH: Names = Names {
    first: &[
        "Jakub", "Zuzanna", "Kacper", "Julia", "Szymon", "Maja", "Piotr", "Anna",
    ],
    last: &[
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kowalczyk",
        "Kamiński",
        "Lewandowski",
    ],
};

pub const JAPANESE: Names = Names {
    first: &[
        "Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Yuto", "Sakura", "Kaito", "Mio",
    ],
    last: &[
        "Sato",
        "Suzuki",
        "Takahashi",
        "Tanaka",
        "Watanabe",
        "Ito",
        "Yamamoto",
        "Nakamura",
    ],
};

pub const INDIAN: Names = Names {
    first: &[
        "Aarav", "Ananya", "Vivaan", "Diya", "Arjun", "Priya", "Rohan", "Isha", "Karan", "Neha",
    ],
    last: &[
        "Sharma", "Verma", "Gupta", "Iyer", "Reddy", "Nair", "Patel", "Mehta", "Singh", "Rao",
    ],
};

pub const CHINESE: Names = Names {
    first: &[
        "Wei", "Jing", "Hao", "Mei", "Jun", "Xin", "Ming", "Li", "Yang", "Lin",
    ],
    last: &[
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Tan",
    ],
};

/// One country the demo sells into.
pub struct Market {
    /// ISO 3166-1 alpha-2.
    pub country: &'static str,
    /// Relative share of inbound leads.
    pub weight: u32,
    /// IANA zones leads come from (the first is the most common).
    pub zones: &'static [&'static str],
    /// E.164 country calling code, with `+`.
    pub phone_prefix: &'static str,
    /// Domain ending of local companies, e.g. `co.uk`.
    pub tld: &'static str,
    /// ISO 639-1 language most leads from here write in.
    pub language: &'static str,
    /// Legal forms appended to company names.
    pub legal_forms: &'static [&'static str],
    pub names: &'static Names,
    /// Local free-mail providers, tried before the global ones.
    pub local_free_mail: &'static [&'static str],
}

pub const MARKETS: &[Market] = &[
    Market {
        country: "US",
        weight: 300,
        zones: &[
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "America/Denver",
        ],
        phone_prefix: "+1",
        tld: "com",
        language: "en",
        legal_forms: &["Inc.", "LLC", "Corp."],
        names: &ENGLISH,
        local_free_mail: &["aol.com"],
    },
    Market {
        country: "DE",
        weight: 120,
        zones: &["Europe/Berlin"],
        phone_prefix: "+49",
        tld: "de",
        language: "de",
        legal_forms: &["GmbH", "AG", "GmbH & Co. KG"],
        names: &GERMAN,
        local_free_mail: &["web.de", "gmx.de", "t-online.de"],
    },
    Market {
        country: "GB",
        weight: 100,
        zones: &["Europe/London"],
        phone_prefix: "+44",
        tld: "co.uk",
        language: "en",
        legal_forms: &["Ltd", "PLC"],
        names: &ENGLISH,
        local_free_mail: &["btinternet.com"],
    },
    Market {
        country: "FR",
        weight: 70,
        zones: &["Europe/Paris"],
        phone_prefix: "+33",
        tld: "fr",
        language: "fr",
        legal_forms: &["SAS", "SA", "SARL"],
        names: &FRENCH,
        local_free_mail: &["orange.fr", "free.fr"],
    },
    Market {
        country: "CA",
        weight: 60,
        zones: &["America/Toronto", "America/Vancouver"],
        phone_prefix: "+1",
        tld: "ca",
        language: "en",
        legal_forms: &["Inc.", "Ltd."],
        names: &ENGLISH,
        local_free_mail: &[],
    },
    Market {
        country: "AU",
        weight: 50,
        zones: &["Australia/Sydney", "Australia/Melbourne"],
        phone_prefix: "+61",
        tld: "com.au",
        language: "en",
        legal_forms: &["Pty Ltd"],
        names: &ENGLISH,
        local_free_mail: &["bigpond.com"],
    },
    Market {
        country: "NL",
        weight: 30,
        zones: &["Europe/Amsterdam"],
        phone_prefix: "+31",
        tld: "nl",
        language: "nl",
        legal_forms: &["B.V.", "N.V."],
        names: &DUTCH,
        local_free_mail: &[],
    },
    Market {
        country: "AT",
        weight: 20,
        zones: &["Europe/Vienna"],
        phone_prefix: "+43",
        tld: "at",
        language: "de",
        legal_forms: &["GmbH", "AG"],
        names: &GERMAN,
        local_free_mail: &["gmx.at"],
    },
    Market {
        country: "CH",
        weight: 20,
        zones: &["Europe/Zurich"],
        phone_prefix: "+41",
        tld: "ch",
        language: "de",
        legal_forms: &["AG", "GmbH", "SA"],
        names: &GERMAN,
        local_free_mail: &["bluewin.ch"],
    },
    Market {
        country: "SE",
        weight: 20,
        zones: &["Europe/Stockholm"],
        phone_prefix: "+46",
        tld: "se",
        language: "sv",
        legal_forms: &["AB"],
        names: &NORDIC,
        local_free_mail: &[],
    },
    Market {
        country: "IN",
        weight: 30,
        zones: &["Asia/Kolkata"],
        phone_prefix: "+91",
        tld: "in",
        language: "en",
        legal_forms: &["Pvt Ltd", "Ltd"],
        names: &INDIAN,
        local_free_mail: &["rediffmail.com"],
    },
    Market {
        country: "ES",
        weight: 20,
        zones: &["Europe/Madrid"],
        phone_prefix: "+34",
        tld: "es",
        language: "es",
        legal_forms: &["S.L.", "S.A."],
        names: &SPANISH,
        local_free_mail: &[],
    },
    Market {
        country: "IT",
        weight: 18,
        zones: &["Europe/Rome"],
        phone_prefix: "+39",
        tld: "it",
        language: "it",
        legal_forms: &["S.r.l.", "S.p.A."],
        names: &ITALIAN,
        local_free_mail: &["libero.it"],
    },
    Market {
        country: "SG",
        weight: 15,
        zones: &["Asia/Singapore"],
        phone_prefix: "+65",
        tld: "com.sg",
        language: "en",
        legal_forms: &["Pte Ltd"],
        names: &CHINESE,
        local_free_mail: &[],
    },
    Market {
        country: "JP",
        weight: 15,
        zones: &["Asia/Tokyo"],
        phone_prefix: "+81",
        tld: "co.jp",
        language: "ja",
        legal_forms: &["K.K."],
        names: &JAPANESE,
        local_free_mail: &[],
    },
    Market {
        country: "IE",
        weight: 10,
        zones: &["Europe/Dublin"],
        phone_prefix: "+353",
        tld: "ie",
        language: "en",
        legal_forms: &["Ltd", "DAC"],
        names: &ENGLISH,
        local_free_mail: &["eircom.net"],
    },
    Market {
        country: "PL",
        weight: 10,
        zones: &["Europe/Warsaw"],
        phone_prefix: "+48",
        tld: "pl",
        language: "pl",
        legal_forms: &["Sp. z o.o.", "S.A."],
        names: &POLISH,
        local_free_mail: &["wp.pl", "onet.pl"],
    },
    Market {
        country: "NZ",
        weight: 8,
        zones: &["Pacific/Auckland"],
        phone_prefix: "+64",
        tld: "co.nz",
        language: "en",
        legal_forms: &["Ltd"],
        names: &ENGLISH,
        local_free_mail: &["xtra.co.nz"],
    },
    // The long tail: no regional team, so the catch-all rule routes these.
    Market {
        country: "BR",
        weight: 25,
        zones: &["America/Sao_Paulo"],
        phone_prefix: "+55",
        tld: "com.br",
        language: "pt",
        legal_forms: &["Ltda.", "S.A."],
        names: &SPANISH,
        local_free_mail: &["uol.com.br"],
    },
    Market {
        country: "MX",
        weight: 15,
        zones: &["America/Mexico_City"],
        phone_prefix: "+52",
        tld: "com.mx",
        language: "es",
        legal_forms: &["S.A. de C.V."],
        names: &SPANISH,
        local_free_mail: &[],
    },
    Market {
        country: "ZA",
        weight: 8,
        zones: &["Africa/Johannesburg"],
        phone_prefix: "+27",
        tld: "co.za",
        language: "en",
        legal_forms: &["(Pty) Ltd"],
        names: &ENGLISH,
        local_free_mail: &[],
    },
    Market {
        country: "AE",
        weight: 8,
        zones: &["Asia/Dubai"],
        phone_prefix: "+971",
        tld: "ae",
        language: "en",
        legal_forms: &["LLC", "FZE"],
        names: &INDIAN,
        local_free_mail: &[],
    },
];

/// Global free-mail providers with their rough popularity.
pub const FREE_MAIL: &[(&str, u32)] = &[
    ("gmail.com", 60),
    ("outlook.com", 15),
    ("hotmail.com", 10),
    ("yahoo.com", 10),
    ("icloud.com", 5),
];

/// Company name parts: a stem and an ending make names like `Cobaltforge`.
pub const COMPANY_STEMS: &[&str] = &[
    "Alder", "Birch", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz", "Raven", "Summit",
    "Tundra", "Vertex", "Willow", "Zephyr", "Nord", "Berg", "Stern", "Hafen", "Atlas", "Beacon",
    "Cedar", "Crest", "Drift", "Fjord", "Helix", "Ionic", "Lark", "Meridian", "Onyx", "Polar",
    "Sable",
];
pub const COMPANY_ENDINGS: &[&str] = &[
    "works", "soft", "data", "labs", "logic", "link", "stack", "wave", "point", "field", "forge",
    "line", "scale", "path", "bridge", "systems", "metrics", "cloud",
];

/// Industries with their share of inbound leads (the demo sells to SaaS and fintech first).
pub const INDUSTRIES: &[(&str, u32)] = &[
    ("software", 30),
    ("fintech", 15),
    ("manufacturing", 12),
    ("healthcare", 10),
    ("retail", 9),
    ("logistics", 8),
    ("education", 6),
    ("media", 5),
    ("energy", 3),
    ("public_sector", 2),
];

/// Where the form submission came from.
pub const SOURCES: &[(&str, u32)] = &[
    ("website-demo-request", 35),
    ("pricing-page", 20),
    ("contact-sales", 15),
    ("webinar-signup", 12),
    ("g2-review", 8),
    ("partner-referral", 6),
    ("trade-show", 4),
];

/// Employee-count bands: (low, high, share). About 15 % are 1000+ (enterprise rule).
pub const EMPLOYEE_BANDS: &[((u64, u64), u32)] = &[
    ((1, 10), 14),
    ((11, 50), 26),
    ((51, 200), 25),
    ((201, 999), 20),
    ((1000, 4999), 11),
    ((5000, 50_000), 4),
];

/// The demo policy's reps who own accounts, by account country (see `cli/demo/policy.yaml`).
pub const DEMO_OWNERS: &[(&str, &[&str])] = &[
    ("US", &["sarah", "priya", "diego"]),
    ("CA", &["diego"]),
    ("DE", &["anna", "jonas"]),
    ("AT", &["lena"]),
    ("CH", &["lena", "anna"]),
    ("GB", &["oliver"]),
    ("IE", &["oliver"]),
    ("FR", &["amelie"]),
    ("SE", &["sven"]),
    ("NL", &["oliver"]),
    ("AU", &["chloe"]),
    ("SG", &["kenji"]),
    ("JP", &["kenji"]),
];

pub fn market(country: &str) -> Option<&'static Market> {
    MARKETS.iter().find(|m| m.country == country)
}
