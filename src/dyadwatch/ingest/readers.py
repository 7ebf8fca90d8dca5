"""The SQL that reads each format straight into the events schema (design §2 and §3).

Each reader returns a DuckDB ``SELECT`` over ``read_csv`` with typed columns, so that DuckDB
itself rejects malformed rows (wrong column count, impossible date, non-numeric score, bad UTF-8)
with their line numbers into its rejects table while the rest of the file loads. Checks that a
type cannot express (a Goldstein score outside -10..10, a missing event code, a 57/58-column
GDELT row cut short) become a ``problem`` text on the row; the loader files those as rejects too.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadwatch.codebook.countries import CAMEO_DIFFERS
from dyadwatch.errors import InputError, UsageError
from dyadwatch.ingest.formats import GDELT1_COLUMNS, GDELT2_COLUMNS, ICEWS_REQUIRED, POLECAT_REQUIRED
from dyadwatch.schema import EVENT_COLUMNS

#: The staging columns every reader produces (the events columns but ``load_id``).
STAGE_COLUMNS = tuple(column for column in EVENT_COLUMNS if column != "load_id")

#: Fields a ``--map`` may name, and the ones it must name.
MAP_FIELDS = frozenset(STAGE_COLUMNS) - {"source"}
MAP_REQUIRED = ("date", "actor1", "event_code")


@dataclass
class ReaderSQL:
    """A reader's query, plus what the loader needs to find the line of a row it flags."""

    select: str
    key_columns: list[int] = field(default_factory=list)  # 0-based fields that identify a row
    delimiter: str = "\t"
    header: bool = False
    # A query counting the rows beyond one per line (a POLECAT line naming several countries
    # becomes one row per dyad); the loader adds it to the rows read so that every row is accounted for.
    extra_rows: str | None = None
    encoding: str = "utf-8"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_csv(path: Path, columns: dict[str, str] | None, **options: str | None) -> str:
    """A ``read_csv`` call; an option given as None is left out."""
    opts: dict[str, str | None] = {
        "delim": "'\\t'",
        "quote": "''",
        "escape": "''",
        "store_rejects": "true",
        "rejects_table": "'dw_reject_errors'",
        "rejects_scan": "'dw_reject_scans'",
        **options,
    }
    if columns is not None:
        cols = ", ".join(f"{_quote(name)}: {_quote(kind)}" for name, kind in columns.items())
        opts["columns"] = "{" + cols + "}"
    rendered = ", ".join(f"{key}={value}" for key, value in opts.items() if value is not None)
    return f"read_csv({_quote(str(path))}, {rendered})"


def _actor(code: str, country: str, group: str) -> str:
    # GDELT codes international organisations in the actor code (IGOUNO, IGOUNOKID, IGOEUREEC)
    # and puts a region (EUR, WST) or nothing in the country field; design §2 stores them as
    # IGO + the known-group code (IGOKID, IGOEEC: the crosswalk's codes), or the first six
    # letters of the actor code when the known group is empty.
    # CAMEO country codes are ISO alpha-3 but for a few (ROM for Romania): CAMEO_DIFFERS.
    iso = " ".join(f"WHEN '{cameo}' THEN '{iso3}'" for cameo, iso3 in CAMEO_DIFFERS.items())
    return (
        f"CASE WHEN {code} LIKE 'IGO%' AND {group} IS NOT NULL AND {group} <> '' THEN 'IGO' || {group} "
        f"WHEN {code} LIKE 'IGO%' THEN left({code}, 6) "
        f"WHEN {country} IS NOT NULL AND {country} <> '' THEN CASE {country} {iso} ELSE {country} END END"
    )


#: GDELT's typed fields and their DuckDB types; every other field is text.
GDELT_TYPES = {
    "GLOBALEVENTID": "BIGINT",
    "SQLDATE": "DATE",
    "QuadClass": "dw_quad",
    "GoldsteinScale": "DOUBLE",
    "NumMentions": "INTEGER",
    "AvgTone": "DOUBLE",
}
#: The GDELT fields the events schema is built from (all a reader of either path needs).
GDELT_USED = (
    "GLOBALEVENTID", "SQLDATE", "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "EventCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "AvgTone", "DATEADDED", "SOURCEURL",
)  # fmt: skip


def gdelt(path: Path, version: int) -> ReaderSQL:
    """GDELT 1.0 or 2.0 read by DuckDB's CSV reader, which files malformed rows as rejects."""
    names = GDELT1_COLUMNS if version == 1 else GDELT2_COLUMNS
    types = dict.fromkeys(names, "VARCHAR")
    types.update(GDELT_TYPES)
    # GDELT 1.0 backfiles have 57 fields (no SOURCEURL): pad them; a row with fewer than 57
    # fields then shows as a NULL DATEADDED and is rejected below.
    scan = _read_csv(
        path,
        types,
        header="false",
        auto_detect="false",
        dateformat="'%Y%m%d'",
        null_padding="true" if version == 1 else "false",
    )
    return ReaderSQL(_gdelt_select(scan, version), key_columns=[0])


def gdelt_parsed(table_name: str, version: int, carry: str | None = None) -> ReaderSQL:
    """GDELT rows already split into text fields (:func:`parse_gdelt`), typed as :func:`gdelt` types them.

    Only for a file whose fields all convert (:func:`fields_convert`): a field that does not would
    be NULL here where DuckDB's CSV reader rejects the row, so such a file goes through :func:`gdelt`.
    ``carry`` names one more column of the table passed through as it is, after ``row_key`` (the
    file each row came from, when several files load together).
    """
    typed = ", ".join(f"{_typed_field(name)} AS {name}" for name in (*GDELT_USED, *([carry] if carry else [])))
    return ReaderSQL(_gdelt_select(f"(SELECT {typed} FROM {table_name})", version, carry), key_columns=[0])


def _typed_field(name: str) -> str:
    kind = GDELT_TYPES.get(name)
    if kind is None:
        return name
    if kind == "DATE":
        return f"CAST(try_strptime({name}, '%Y%m%d') AS DATE)"
    return f"TRY_CAST({name} AS {kind})"


#: What each typed GDELT field must look like for the fields split ahead to be used as they are:
#: forms DuckDB's casts (:func:`_typed_field`) certainly convert, a subset of what they accept.
#: Real GDELT fields look like this (ids, YYYYMMDD dates from 1979, -10.0, -3.57142857142857).
_CONVERTIBLE = {
    "GLOBALEVENTID": r"^[0-9]{1,18}$",
    "SQLDATE": r"^[12][0-9]{7}$",  # years 1000-2999; a real date, checked apart
    "QuadClass": r"^[1-4]$",
    "GoldsteinScale": r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$",
    "NumMentions": r"^[0-9]{1,9}$",
    "AvgTone": r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$",
}


def fields_convert(parsed: Any) -> bool:
    """Whether every typed field of :func:`parse_gdelt`'s table certainly converts to its type.

    A field that does not would be NULL in :func:`gdelt_parsed` where DuckDB's CSV reader rejects
    the row, naming its line: such a file goes through :func:`gdelt` instead. So the test is
    strict (:data:`_CONVERTIBLE`, and SQLDATE a calendar date): a field in an unusual form that
    DuckDB would still convert (``+5``, ``1e3``) only costs that file the slower reader. Done with
    pyarrow's compute functions in the thread that prepares the file (no GIL held, no database).
    """
    import pyarrow.compute as pc

    # Each test runs once per distinct value: most of these fields repeat a few hundred values
    # (dates, codes, scores), and finding them costs less than a regex or strftime on every row
    # (the date's strftime, ~2 µs a value, was a tenth of a file's preparation).
    distinct = {name: pc.unique(parsed[name]).drop_null() for name in _CONVERTIBLE}  # empty fields are NULL
    for name, pattern in _CONVERTIBLE.items():
        values = distinct[name]
        if len(values) and not pc.all(pc.match_substring_regex(values, pattern)).as_py():
            return False
    # A calendar date: pyarrow's strptime (C's) takes 20190231 for 3 March, so the parsed day must
    # print back as the field itself.
    dates = distinct["SQLDATE"]
    days = pc.strptime(dates, format="%Y%m%d", unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(days, format="%Y%m%d"), dates)
    return bool(same.null_count == 0 and pc.all(same).as_py() is not False)


def id_numbers(parsed: Any) -> tuple[bool, int | None, int | None]:
    """For a table that passed :func:`fields_convert`: whether no GLOBALEVENTID repeats, as a
    number (``0123`` and ``123`` are one event id, as the load counts them), and the lowest and
    highest (None, None when there are none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pc.cast(parsed["GLOBALEVENTID"], pa.int64()).drop_null()
    if not len(ids):
        return True, None, None
    lowest, highest = pc.min_max(ids).values()
    return pc.count_distinct(ids).as_py() == len(ids), lowest.as_py(), highest.as_py()


def parse_gdelt(path: Path, version: int) -> Any | None:
    """The fields :data:`GDELT_USED` of every line of ``path`` as a pyarrow table of text, or None.

    Why: DuckDB's CSV reader runs in the one thread that writes to the store, and on the few
    thousand focus lines of a GDELT file it costs more than the rest of the load; pyarrow's parser
    runs in the threads that prepare the files, beside the writer, and does not hold the GIL.
    None when a line is not a well-formed GDELT row (a field too many or too few, bad UTF-8):
    then the file goes through :func:`gdelt`, whose rejects name the line and the reason.
    Empty fields are NULL, as in DuckDB's reader; nothing else is (no "NA", "NULL").
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = list(GDELT1_COLUMNS if version == 1 else GDELT2_COLUMNS)
    malformed: list[int] = []

    def on_invalid(row: Any) -> str:
        malformed.append(1)
        return "skip"

    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter="\t", quote_char=False, escape_char=False, invalid_row_handler=on_invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=list(GDELT_USED),
                column_types=dict.fromkeys(GDELT_USED, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                check_utf8=True,
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    return None if malformed else table


def _gdelt_select(scan: str, version: int, carry: str | None = None) -> str:
    """The SELECT turning GDELT fields (``scan``, typed as :data:`GDELT_TYPES`) into staging rows
    (and ``carry``, a column of ``scan`` passed through, last)."""
    source = f"gdelt{version}"
    select = f"""
        SELECT '{source}:' || g.GLOBALEVENTID AS event_id, '{source}' AS source, g.SQLDATE AS date,
               {_actor("g.Actor1Code", "g.Actor1CountryCode", "g.Actor1KnownGroupCode")} AS actor1,
               {_actor("g.Actor2Code", "g.Actor2CountryCode", "g.Actor2KnownGroupCode")} AS actor2,
               g.Actor1Name AS actor1_name, g.Actor2Name AS actor2_name, g.EventCode AS event_code,
               CAST(CAST(g.QuadClass AS VARCHAR) AS TINYINT) AS quad_class, g.GoldsteinScale AS goldstein,
               coalesce(g.NumMentions, 1) AS weight, g.AvgTone AS tone, NULL::VARCHAR AS group_id,
               coalesce(g.Actor1Name, '?') || ' → ' || coalesce(g.Actor2Name, '?') || ': '
                   || coalesce(cb.name, g.EventCode) AS summary,
               g.SOURCEURL AS reference,
               CASE WHEN g.DATEADDED IS NULL
                        THEN 'wrong column count: expected {"57 or 58" if version == 1 else "61"} tab-separated fields'
                    WHEN g.EventCode IS NULL THEN 'missing EventCode'
                    WHEN g.GoldsteinScale IS NULL THEN 'missing GoldsteinScale'
                    WHEN g.GoldsteinScale NOT BETWEEN -10 AND 10 THEN 'GoldsteinScale outside -10..10'
               END AS problem,
               CAST(g.GLOBALEVENTID AS VARCHAR) AS row_key{f", g.{carry} AS {carry}" if carry else ""}
        FROM {scan} AS g
        LEFT JOIN dw_cameo AS cb ON cb.code = g.EventCode
    """
    return select


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    return next(csv.reader(io.StringIO(first), delimiter=delimiter))


def icews(path: Path) -> ReaderSQL:
    header = _header(path, "\t")
    missing = [name for name in ICEWS_REQUIRED if name not in header]
    if missing:
        raise InputError(path, f"ICEWS header lacks the columns {', '.join(missing)}")
    types = dict.fromkeys(header, "VARCHAR")
    types.update({"Event ID": "BIGINT", "Event Date": "DATE", "Intensity": "DOUBLE"})
    scan = _read_csv(path, types, header="true", auto_detect="false", dateformat="'%Y-%m-%d'")
    if "Publisher" in header and "Story ID" in header:
        reference = """coalesce(i."Publisher", 'ICEWS') || ', story ' || coalesce(i."Story ID", '?')"""
    else:
        reference = "'ICEWS'"
    select = f"""
        SELECT 'icews:' || i."Event ID" AS event_id, 'icews' AS source, i."Event Date" AS date,
               s.code AS actor1, t.code AS actor2,
               i."Source Name" AS actor1_name, i."Target Name" AS actor2_name,
               i."CAMEO Code" AS event_code, cb.quad_class AS quad_class, i."Intensity" AS goldstein,
               1 AS weight, NULL::DOUBLE AS tone, NULL::VARCHAR AS group_id,
               coalesce(i."Source Name", '?') || ' → ' || coalesce(i."Target Name", '?') || ': '
                   || coalesce(cb.name, i."Event Text", i."CAMEO Code") AS summary,
               {reference} AS reference,
               CASE WHEN i."CAMEO Code" IS NULL THEN 'missing CAMEO Code'
                    WHEN i."Intensity" NOT BETWEEN -10 AND 10 THEN 'Intensity outside -10..10'
               END AS problem,
               CAST(i."Event ID" AS VARCHAR) AS row_key
        FROM {scan} AS i
        LEFT JOIN dw_aliases AS s ON s.alias = lower(i."Source Country")
        LEFT JOIN dw_aliases AS t ON t.alias = lower(i."Target Country")
        LEFT JOIN dw_cameo AS cb ON cb.code = i."CAMEO Code"
    """
    return ReaderSQL(select, key_columns=[header.index("Event ID")], header=True)


#: Spare columns for POLECAT lines longer than their header (a stray trailing tab, extra columns).
POLECAT_SPARE_COLUMNS = 8


def polecat(path: Path) -> ReaderSQL:
    """POLECAT weekly or yearly files (design §2): PLOVER type and mode, ISO3 countries.

    Tab-separated with a header, ISO-8859-1, the text ``None`` for missing values. A header may
    say ``Intensity`` or ``Event Intensity``; lines may carry more fields than the header (extra
    trailing columns, a stray trailing tab), which are ignored. The score and quad class come from
    the PLOVER manual (:mod:`dyadwatch.codebook.plover`); POLECAT's own intensity is used only for
    a type the manual does not list. A country field holding several codes (``RUS;BLR``) becomes
    one row per actor–recipient pair, with ids ``polecat:<Event ID>:<actor>-<recipient>`` and the
    group id ``polecat:<Event ID>`` (design §2's rule for multilateral events).
    """
    header, intensity = _polecat_header(path)
    types = dict.fromkeys(header, "VARCHAR")
    types.update({"Event Date": "DATE", intensity: "DOUBLE"})
    for index in range(POLECAT_SPARE_COLUMNS):
        types[f"dw_spare_{index}"] = "VARCHAR"
    options = {
        "header": "true",
        "auto_detect": "false",
        "dateformat": "'%Y-%m-%d'",
        "encoding": "'latin-1'",
        "nullstr": "['None', '']",
        "null_padding": "true",
    }
    scan = _read_csv(path, types, **options)
    plain_scan = _read_csv(
        path, types, **options, ignore_errors="true", store_rejects=None, rejects_table=None, rejects_scan=None
    )
    select = _polecat_select(scan, header, intensity)
    extra = f"SELECT coalesce(sum({_POLECAT_CODES} - 1), 0) FROM {plain_scan} AS p"
    return ReaderSQL(select, key_columns=[header.index("Event ID")], header=True, extra_rows=extra, encoding="latin-1")


#: A POLECAT line's number of actor–recipient pairs (its country fields may name several, ``RUS;BLR``).
_POLECAT_CODES = """len(string_split(coalesce(p."Actor Country", ''), ';'))
               * len(string_split(coalesce(p."Recipient Country", ''), ';'))"""
#: The event mode as the PLOVER table spells it (lower case, words joined by hyphens).
_POLECAT_MODE = """regexp_replace(lower(trim(coalesce(y."Event Mode", ''))), '[ _]+', '-', 'g')"""


def _polecat_header(path: Path) -> tuple[list[str], str]:
    """The header's column names (less a stray trailing tab) and the name of its intensity column;
    a header lacking a required column or naming one twice is an :class:`InputError`."""
    with path.open("rb") as handle:
        first = handle.readline().decode("latin-1").lstrip("\ufeff").rstrip("\r\n")
    header = first.split("\t")
    while header and not header[-1].strip():
        header.pop()  # a stray trailing tab
    intensity = next((name for name in ("Intensity", "Event Intensity") if name in header), None)
    missing = [name for name in POLECAT_REQUIRED if name not in header]
    if intensity is None:
        missing.append("Intensity (or Event Intensity)")
    if missing or intensity is None:
        raise InputError(path, f"POLECAT header lacks the columns {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise InputError(path, "POLECAT header names a column twice")
    return header, intensity


def _polecat_select(scan: str, header: list[str], intensity: str) -> str:
    """The query turning the POLECAT ``scan`` into staged rows: one per actor–recipient pair,
    scored from the PLOVER table, each with the problem that makes it a reject, if any."""
    codes, mode = _POLECAT_CODES, _POLECAT_MODE
    source = """coalesce(y."Source", 'POLECAT')""" if "Source" in header else "'POLECAT'"
    published = 'y."Publication Date"' if "Publication Date" in header else "NULL"
    select = f"""
        SELECT CASE WHEN y.dw_pairs = 1 THEN 'polecat:' || y."Event ID"
                    ELSE 'polecat:' || y."Event ID" || ':' || coalesce(y.a1, '') || '-' || coalesce(y.a2, '') END
                   AS event_id,
               'polecat' AS source, y."Event Date" AS date,
               coalesce(c1.code, y.a1) AS actor1, coalesce(c2.code, y.a2) AS actor2,
               y."Actor Name" AS actor1_name, y."Recipient Name" AS actor2_name,
               upper(trim(y."Event Type")) || CASE WHEN {mode} = '' THEN '' ELSE ':' || {mode} END AS event_code,
               coalesce(pm.quad, pt.quad) AS quad_class,
               coalesce(pm.score, pt.score, y."{intensity}") AS goldstein,
               1 AS weight, NULL::DOUBLE AS tone,
               CASE WHEN y.dw_pairs = 1 THEN NULL ELSE 'polecat:' || y."Event ID" END AS group_id,
               coalesce(y."Actor Name", '?') || ' → ' || coalesce(y."Recipient Name", '?') || ': '
                   || lower(coalesce(y."Event Type", '?'))
                   || CASE WHEN {mode} = '' THEN '' ELSE ' (' || {mode} || ')' END AS summary,
               {source} || CASE WHEN {published} IS NULL THEN '' ELSE ', ' || {published} END
                   || ' (POLECAT ' || y."Event ID" || ')' AS reference,
               CASE WHEN y."Event ID" IS NULL THEN 'missing Event ID'
                    WHEN y."Event Date" IS NULL THEN 'missing Event Date'
                    WHEN y."Event Type" IS NULL THEN 'missing Event Type'
                    WHEN y.dw_spare_{POLECAT_SPARE_COLUMNS - 1} IS NOT NULL
                        THEN 'more than {POLECAT_SPARE_COLUMNS} fields beyond the header'
                    WHEN coalesce(pm.score, pt.score, y."{intensity}") IS NULL
                        THEN 'unknown PLOVER type without an intensity'
                    WHEN coalesce(pm.score, pt.score, y."{intensity}") NOT BETWEEN -10 AND 10
                        THEN 'intensity outside -10..10'
               END AS problem,
               y."Event ID" AS row_key
        FROM (
            SELECT x.*, nullif(trim(unnest(string_split(coalesce(x."Recipient Country", ''), ';'))), '') AS a2
            FROM (
                SELECT p.*, {codes} AS dw_pairs,
                       nullif(trim(unnest(string_split(coalesce(p."Actor Country", ''), ';'))), '') AS a1
                FROM {scan} AS p
            ) AS x
        ) AS y
        LEFT JOIN dw_aliases AS c1 ON c1.alias = lower(y.a1)
        LEFT JOIN dw_aliases AS c2 ON c2.alias = lower(y.a2)
        LEFT JOIN dw_plover AS pt ON pt.category = upper(trim(y."Event Type")) AND pt.mode = ''
        LEFT JOIN dw_plover AS pm ON pm.category = upper(trim(y."Event Type")) AND pm.mode = {mode} AND pm.mode <> ''
    """
    return select


def parse_map(spec: str | None) -> dict[str, str]:
    """Parse ``--map date=Date,actor1=Source,...`` into {schema field: file column}."""
    if not spec:
        raise UsageError(
            "a csv file needs --map FIELD=COLUMN,... naming at least "
            + ", ".join(MAP_REQUIRED)
            + " (for example --map date=Date,actor1=Src,actor2=Tgt,event_code=Code)"
        )
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        field_name, sep, column = part.partition("=")
        field_name, column = field_name.strip(), column.strip()
        if not sep or not column:
            raise UsageError(f"--map entries look like field=column, not {part!r}")
        if field_name not in MAP_FIELDS:
            raise UsageError(f"--map field {field_name!r} is not one of {', '.join(sorted(MAP_FIELDS))}")
        mapping[field_name] = column
    missing = [name for name in MAP_REQUIRED if name not in mapping]
    if missing:
        raise UsageError(f"--map must name {', '.join(missing)}")
    return mapping


def _mapped_header(path: Path, mapping: dict[str, str]) -> tuple[str, list[str]]:
    """The file's delimiter (tab or comma, whichever the first line has more of) and header; a
    ``--map`` naming a column the header lacks is an :class:`InputError` listing the header."""
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    header = _header(path, delimiter)
    absent = [column for column in mapping.values() if column not in header]
    if absent:
        raise InputError(
            path,
            f"--map names columns the header does not have: {', '.join(absent)} (the header has: {', '.join(header)})",
        )
    return delimiter, header


def _mapped_types(header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The column types to read: text, but for the mapped date, scores, weight and quad class."""
    types = dict.fromkeys(header, "VARCHAR")
    types[mapping["date"]] = "DATE"
    for numeric in ("goldstein", "tone"):
        if numeric in mapping:
            types[mapping[numeric]] = "DOUBLE"
    if "weight" in mapping:
        types[mapping["weight"]] = "INTEGER"
    if "quad_class" in mapping:
        types[mapping["quad_class"]] = "dw_quad"
    return types


def mapped_csv(path: Path, mapping: dict[str, str], date_format: str = "%Y-%m-%d") -> ReaderSQL:
    delimiter, header = _mapped_header(path, mapping)
    types = _mapped_types(header, mapping)
    scan = _read_csv(
        path,
        types,
        header="true",
        auto_detect="false",
        delim=_quote(delimiter),
        quote="'\"'",
        escape="'\"'",
        dateformat=_quote(date_format),
        # An empty field and R's / ICEWS's "NA" both mean "missing" (an ICEWS event with no target
        # country is a one-sided event, actor2 null, not an unknown country code "NA").
        nullstr="['', 'NA']",
    )

    def col(name: str) -> str:
        return f"c.{_ident(mapping[name])}" if name in mapping else "NULL"

    key_names = [mapping[name] for name in sorted(mapping)]
    content = " || '\x1f' || ".join(f"coalesce(CAST(c.{_ident(n)} AS VARCHAR), '')" for n in key_names)
    event_id = f"'csv:' || {col('event_id')}" if "event_id" in mapping else f"'csv:' || left(md5({content}), 20)"
    select = f"""
        SELECT {event_id} AS event_id, 'csv' AS source, {col("date")} AS date,
               coalesce(a1.code, {col("actor1")}) AS actor1, coalesce(a2.code, {col("actor2")}) AS actor2,
               coalesce({col("actor1_name")}, {col("actor1")}) AS actor1_name,
               coalesce({col("actor2_name")}, {col("actor2")}) AS actor2_name,
               {col("event_code")} AS event_code,
               coalesce(CAST(CAST({col("quad_class")} AS VARCHAR) AS TINYINT), cb.quad_class) AS quad_class,
               coalesce(CAST({col("goldstein")} AS DOUBLE), cb.goldstein) AS goldstein,
               coalesce(CAST({col("weight")} AS INTEGER), 1) AS weight, CAST({col("tone")} AS DOUBLE) AS tone,
               CAST({col("group_id")} AS VARCHAR) AS group_id,
               coalesce({col("summary")}, coalesce({col("actor1")}, '?') || ' → '
                   || coalesce({col("actor2")}, '?') || ': ' || coalesce(cb.name, {col("event_code")})) AS summary,
               CAST({col("reference")} AS VARCHAR) AS reference,
               CASE WHEN {col("event_code")} IS NULL THEN 'missing event code'
                    WHEN {col("actor1")} IS NULL THEN 'missing actor1'
                    WHEN a1.code IS NULL
                        THEN 'actor1 ' || {col("actor1")} || ' is not a known country or IGO code (design §3)'
                    WHEN {col("actor2")} IS NOT NULL AND a2.code IS NULL
                        THEN 'actor2 ' || {col("actor2")} || ' is not a known country or IGO code (design §3)'
                    WHEN cb.code IS NULL THEN 'event code ' || {col("event_code")} || ' is not a CAMEO code'
                    WHEN coalesce(CAST({col("goldstein")} AS DOUBLE), cb.goldstein) NOT BETWEEN -10 AND 10
                        THEN 'goldstein outside -10..10'
               END AS problem,
               {content} AS row_key
        FROM {scan} AS c
        LEFT JOIN dw_aliases AS a1 ON a1.alias = lower({col("actor1")})
        LEFT JOIN dw_aliases AS a2 ON a2.alias = lower({col("actor2")})
        LEFT JOIN dw_cameo AS cb ON cb.code = {col("event_code")}
    """
    return ReaderSQL(select, key_columns=[header.index(n) for n in key_names], delimiter=delimiter, header=True)
