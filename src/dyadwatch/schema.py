"""The event store's tables (design §3, §11): ``events``, ``loads``, ``rejects`` and ``indicators``.

Kept apart from :mod:`dyadwatch.store` so that readers of the schema (the ingest SQL, the Spark
backend, the tests) import one small module.
"""

from __future__ import annotations

# Column order of the events table; exports and the Python API keep it.
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "source",
    "date",
    "actor1",
    "actor2",
    "actor1_name",
    "actor2_name",
    "event_code",
    "quad_class",
    "goldstein",
    "weight",
    "tone",
    "group_id",
    "summary",
    "reference",
    "load_id",
)

#: The events columns as Ibis types, for backends that read events without the store (Spark
#: over a Parquet export, an unbound table compiled to BigQuery SQL).
EVENT_TYPES: dict[str, str] = {
    "event_id": "string",
    "source": "string",
    "date": "date",
    "actor1": "string",
    "actor2": "string",
    "actor1_name": "string",
    "actor2_name": "string",
    "event_code": "string",
    "quad_class": "int8",
    "goldstein": "decimal(3, 1)",
    "weight": "int32",
    "tone": "float64",
    "group_id": "string",
    "summary": "string",
    "reference": "string",
    "load_id": "int32",
}

SOURCES: tuple[str, ...] = (
    "gdelt1",
    "gdelt2",
    "icews",
    "polecat",
    "chronology",
    "provocations",
    "missile_tests",
    "un_resolutions",
    "exercises",
    "csv",
    "kcna",
)

#: Sources whose events ``code-texts`` codes from texts (design §9, §13). A selection that names no
#: source reads every source but these: coding the bundled KCNA texts must not change what the
#: chronology's series, breaks and pinned numbers mean; ``--source kcna`` reads them explicitly.
#: The coder writes only these sources (:func:`dyadwatch.ingest.code_texts.code_texts` checks).
TEXT_CODED_SOURCES: tuple[str, ...] = ("kcna",)

DDL = """
CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1;

CREATE TABLE IF NOT EXISTS loads (
    load_id            INTEGER PRIMARY KEY,
    file               VARCHAR NOT NULL,
    sha256             VARCHAR NOT NULL,
    format             VARCHAR NOT NULL,
    focus              VARCHAR NOT NULL,
    dedupe             BOOLEAN NOT NULL,
    rows_read          BIGINT NOT NULL,
    rows_kept          BIGINT NOT NULL,
    rows_outside_focus BIGINT NOT NULL,
    rows_duplicate     BIGINT NOT NULL,
    rows_reemitted     BIGINT NOT NULL,
    rows_rejected      BIGINT NOT NULL,
    started            TIMESTAMP NOT NULL,
    finished           TIMESTAMP NOT NULL
);
-- Rows left out on purpose, each kind with its reason in the load report (an empty text, an event
-- dated to the month only): not bad rows, so not in `rejects`. Added after the table.
ALTER TABLE loads ADD COLUMN IF NOT EXISTS rows_skipped BIGINT DEFAULT 0;

-- event_id is unique by construction: the statements that insert events (ingest/pipeline.py,
-- _finish_load, and _load_together, which takes only files whose ids repeat nowhere) leave out ids
-- already stored or repeated in the file. Not by a PRIMARY KEY: its
-- index cost a sixth of a GDELT load's time (insert, commit and checkpoint; docs/benchmarks.md). The
-- one lookup by id (a shift's evidence, a few ids per report) scans the column instead. Stores
-- created before 2026-11-30 keep the key.
CREATE TABLE IF NOT EXISTS events (
    event_id    VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    date        DATE NOT NULL,
    actor1      VARCHAR,
    actor2      VARCHAR,
    actor1_name VARCHAR,
    actor2_name VARCHAR,
    event_code  VARCHAR NOT NULL,
    quad_class  TINYINT,
    goldstein   DECIMAL(3, 1),
    weight      INTEGER NOT NULL,
    tone        DOUBLE,
    group_id    VARCHAR,
    summary     VARCHAR,
    reference   VARCHAR,
    load_id     INTEGER NOT NULL
);

-- The range of numeric event ids each GDELT load inserted (NULLs: it inserted none). A new GDELT
-- file whose ids lie outside every stored range of its source cannot repeat a stored id, so its
-- insert skips the anti join against all stored ids, whose cost grows with the store (into 16 M
-- events, a 15-minute file loaded in 1.1-1.5 s with it, 0.22-0.38 s without: docs/benchmarks.md).
-- A load of the source without a row here (stores from before 2026-11-30) makes every later
-- load of it check all ids, as before. This holds because every event is inserted by
-- ingest/pipeline.py's _finish_load or _load_together, which write the row (_record_id_ranges):
-- another way of inserting GDELT events must write it too.
CREATE TABLE IF NOT EXISTS load_id_ranges (
    load_id INTEGER NOT NULL,
    source  VARCHAR NOT NULL,
    id_min  BIGINT,
    id_max  BIGINT
);

CREATE TABLE IF NOT EXISTS rejects (
    load_id INTEGER NOT NULL,
    line    BIGINT,
    reason  VARCHAR NOT NULL,
    raw     VARCHAR
);

-- Rows per day in each loaded GDELT file, all rows whatever the focus (base of --normalize all);
-- load_id 0: the day's total as GDELT publishes it (sync gdelt --version 1), in place of counted ones.
CREATE TABLE IF NOT EXISTS daily_totals (
    source  VARCHAR NOT NULL,
    date    DATE NOT NULL,
    events  BIGINT NOT NULL,
    load_id INTEGER NOT NULL
);

-- GDELT 1.0's published events per day and country (normfiles/daily_country.csv; FIPS 10-4 codes
-- of where the event took place), kept by sync gdelt --version 1 --country-totals.
CREATE TABLE IF NOT EXISTS daily_country_totals (
    source  VARCHAR NOT NULL,
    date    DATE NOT NULL,
    country VARCHAR NOT NULL,
    events  BIGINT NOT NULL
);

-- Dyad-year evidence beside the events (design §11): UN vote agreement, trade shares.
CREATE TABLE IF NOT EXISTS indicators (
    focus   VARCHAR NOT NULL,
    partner VARCHAR NOT NULL,
    year    INTEGER NOT NULL,
    name    VARCHAR NOT NULL,
    value   DOUBLE,
    n       BIGINT,
    source  VARCHAR NOT NULL,
    issue   VARCHAR NOT NULL DEFAULT 'all',
    load_id INTEGER
);

-- Texts (state media, speeches) and the partners each is about (design §10).
CREATE TABLE IF NOT EXISTS texts (
    text_id    VARCHAR PRIMARY KEY,
    collection VARCHAR NOT NULL,
    date       DATE NOT NULL,
    language   VARCHAR,
    title      VARCHAR,
    text       VARCHAR NOT NULL,
    reference  VARCHAR,
    load_id    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS texts_partners (
    text_id VARCHAR NOT NULL,
    partner VARCHAR NOT NULL,
    how     VARCHAR NOT NULL
);

-- Lexicon scores per text, cached at load time (tokenizing Korean is slow); keyed by version.
CREATE TABLE IF NOT EXISTS text_scores (
    text_id         VARCHAR NOT NULL,
    lexicon_version VARCHAR NOT NULL,
    ideological     INTEGER NOT NULL,
    pragmatic       INTEGER NOT NULL,
    juche           INTEGER NOT NULL
);

-- Events coded from texts (design §13, `dyadwatch code-texts`): what the events table has no
-- column for, keyed by event_id: the text, the PLOVER type and mode, the confidence, the coder.
CREATE TABLE IF NOT EXISTS coded_events (
    event_id      VARCHAR NOT NULL,
    text_id       VARCHAR NOT NULL,
    plover_type   VARCHAR NOT NULL,
    plover_mode   VARCHAR,
    confidence    DOUBLE NOT NULL,
    method        VARCHAR NOT NULL,
    coder_version VARCHAR NOT NULL
);
-- A delegation or visit's kind (state, party, government, military, parliamentary,
-- friendship/cultural, other) and whether North Korea received or sent it (`dyadwatch
-- delegations`); NULL for other events. Added after the table, so stores made before get them too.
ALTER TABLE coded_events ADD COLUMN IF NOT EXISTS delegation_kind VARCHAR;
ALTER TABLE coded_events ADD COLUMN IF NOT EXISTS delegation_way VARCHAR;

-- What code-texts made of each text it read: coded (events), no_event (no interaction between
-- the focus and a foreign party) or uncoded (with the reason: not English, unknown partner …).
CREATE TABLE IF NOT EXISTS texts_coding (
    text_id       VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    coder_version VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    reason        VARCHAR,
    events        INTEGER NOT NULL
);

-- Watching (design §14, `dyadwatch watch`): one row per alert, opened once per focus, partner and
-- kind and cleared when the shift is gone; `key` names what it is about (for a multilateral
-- occasion its group or day). `numbers` and `evidence` are JSON (rate ratio, adjusted p, windows;
-- the events with their links).
CREATE SEQUENCE IF NOT EXISTS alert_id_seq START 1;
CREATE TABLE IF NOT EXISTS alerts (
    alert_id  INTEGER PRIMARY KEY,
    focus     VARCHAR NOT NULL,
    partner   VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    key       VARCHAR NOT NULL,
    opened    TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    cleared   TIMESTAMP,
    data_until DATE,
    summary   VARCHAR NOT NULL,
    numbers   VARCHAR NOT NULL,
    evidence  VARCHAR NOT NULL
);

-- One row per alert and channel it is to reach (feed, webhook, smtp, stdout): pending until
-- delivered; a failed delivery keeps its attempts and last error and is sent again next cycle.
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id     INTEGER NOT NULL,
    channel      VARCHAR NOT NULL,
    target       VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   VARCHAR,
    delivered_at TIMESTAMP
);

-- Every cycle's per-partner probabilities, append-only and hash-chained (design §14).
CREATE TABLE IF NOT EXISTS forecasts (
    seq            INTEGER NOT NULL,
    made_at        TIMESTAMP NOT NULL,
    as_of          DATE NOT NULL,
    data_until     DATE NOT NULL,
    focus          VARCHAR NOT NULL,
    partner        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    horizon_months INTEGER NOT NULL,
    probability    DOUBLE NOT NULL,
    code_version   VARCHAR NOT NULL,
    prev_hash      VARCHAR NOT NULL,
    hash           VARCHAR NOT NULL
);

-- The watcher's state, one row per name (last cycle, last new data, the load analysed last …).
CREATE TABLE IF NOT EXISTS watch_status (
    name  VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""

#: Column order of the indicators table (design §11, then ``issue`` and ``load_id``).
INDICATOR_COLUMNS: tuple[str, ...] = ("focus", "partner", "year", "name", "value", "n", "source", "issue", "load_id")

#: Column order of the texts table (design §10).
TEXT_COLUMNS: tuple[str, ...] = ("text_id", "collection", "date", "language", "title", "text", "reference", "load_id")
