"""Cases (办件): case and sub-item records, their state machines and queries; the theme versions cases are accepted under."""
