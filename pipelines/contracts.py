"""Entity contracts: the input standard of sources.md, kept as data in data/contracts/*.yaml."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "data" / "contracts"

# Processing order: reference entities first so later checks can join on them.
ENTITIES: tuple[str, ...] = (
    "project",
    "project_corp",
    "team",
    "project_worker",
    "attendance",
    "payroll",
    "wage_account",
    "account_txn",
    "project_progress",
    "payment_guarantee",
    "wage_deposit",
    "complaint",
    "credit_event",
)

# What comes back from the users rather than from the platform: inspectors' returns of the lists (triage.md). Loaded
# like any extract, but never counted as a missing source and never generated as a platform delivery.
RETURN_ENTITIES: tuple[str, ...] = ("disposition",)

COLUMN_TYPES = {"str", "code", "area", "date", "datetime", "month", "decimal", "int", "bool"}
PII_KINDS = {"id", "name", "phone", "card"}
UNITS = ("元", "ratio")  # a decimal column's kind of quantity (Column.unit)


@dataclass(frozen=True)
class Column:
    """One column of an entity: canonical snake_case name, its two other spellings, type and rules."""

    name: str
    camel: str
    zh: str
    type: str
    required: bool = False
    width: int | None = None  # zero-pad codes to this width ("3" -> "003")
    codes: dict[str, str] | None = None  # code -> Chinese label; None = free
    aliases: dict[str, str] = field(default_factory=dict)  # vendor variant -> code
    open_set: bool = False  # codes outside the table are kept (padded), not quarantined
    pii: str | None = None  # id | name | phone | card
    check: str | None = None  # id_card | uscc
    check_type_column: str | None = None  # id_card check only applies when this column is 01
    min: float | None = None
    max: float | None = None
    min_exclusive: float | None = None
    max_length: int | None = None
    # the kind of quantity a decimal column holds, when it may be written in another unit (validate.UNIT_SHIFTS):
    # 元 (an amount: also 万元), ratio (a share 0–1: also a percentage)
    unit: str | None = None
    # the column's name from staging on, where the platform's name misleads (attendance `date` is a punch time:
    # stg_attendance has punched_at and work_date); raw_<entity>, the loader and the quarantine keep `name`
    staged_as: str | None = None
    # other headers that name this column in sheets made by hand and other systems' exports (身份证号 for 证件号码,
    # 实发工资 for 实发金额): data/contracts/_delivery.yaml `header_synonyms`, by column name
    synonyms: tuple[str, ...] = ()

    @property
    def labels(self) -> dict[str, str]:
        """A code's Chinese label → the code (在建 → 003), for a vendor system that exports labels instead of codes:
        the label as the load sees it (NFKC, no surrounding spaces), where it is neither a code nor an alias."""
        out: dict[str, str] = {}
        for code, label in (self.codes or {}).items():
            text = unicodedata.normalize("NFKC", label).strip()
            if text not in (self.codes or {}) and text.upper() not in self.aliases:
                out[text] = code
        return out

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every header spelling that means this column."""
        return (self.name, self.camel, self.zh, *self.synonyms)

    @property
    def staged_name(self) -> str:
        """The column's name in stg_<entity> and every model above it."""
        return self.staged_as or self.name


def _unambiguous_headers(entity: str, columns: list[Column]) -> None:
    """Every header spelling (as compared: case aside) names one column of the entity: a synonym that another
    column is spelled with would be read as either."""
    owner: dict[str, str] = {}
    for col in columns:
        for spelling in {s.lower() for s in col.spellings}:
            if owner.setdefault(spelling, col.name) != col.name:
                raise ValueError(f"{entity}: header {spelling!r} names both {owner[spelling]} and {col.name}")


@dataclass(frozen=True)
class Contract:
    """An entity's declared contract."""

    entity: str
    zh: str
    key: tuple[str, ...]
    mutable: bool
    columns: tuple[Column, ...]
    payload_arrays: tuple[str, ...] = ("dataList",)
    api: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def pii_columns(self) -> list[Column]:
        return [c for c in self.columns if c.pii]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.entity} has no column {name!r}")

    def header_map(self) -> dict[str, str]:
        """Map every accepted header spelling (case-insensitive for Latin) to the canonical name."""
        out: dict[str, str] = {}
        for c in self.columns:
            for s in c.spellings:
                out[s] = c.name
                out[s.lower()] = c.name
        return out

    def synonym_tokens(self) -> frozenset[str]:
        """loose_header of every synonym that is not also a column's own spelling (its name, camelCase or Chinese
        name): a header so written yields to the column's own header in the same file."""
        own = {loose_header(s) for c in self.columns for s in (c.name, c.camel, c.zh)}
        return frozenset(loose_header(s) for c in self.columns for s in c.synonyms) - own

    def header_reader(self) -> Callable[[str], str | None]:
        """The column a header names — as written, case aside, or loosely (loose_header: *项目编码, 应发金额（元）) —
        else None; the maps are built once for every header it is given."""
        exact, loose = self.header_map(), self.loose_header_map()

        def column_of(header: str) -> str | None:
            return exact.get(header) or exact.get(header.lower()) or loose.get(loose_header(header))

        return column_of

    def loose_header_map(self) -> dict[str, str]:
        """loose_header(spelling) → canonical name, for a header that header_map does not know as written; a
        loose form two columns share is left out (never guessed)."""
        owners: dict[str, set[str]] = {}
        for c in self.columns:
            for s in c.spellings:
                owners.setdefault(loose_header(s), set()).add(c.name)
        return {token: next(iter(names)) for token, names in owners.items() if len(names) == 1}


def read_yaml(path: Path) -> Any:
    """A YAML file as `yaml.safe_load` reads it, parsed by libyaml when PyYAML has it (the same objects, ≈ 10× less
    CPU: the contracts cost a regular night ≈ 0.7 s of pure-Python parsing before)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader


@cache
def _shared_codes() -> dict[str, dict]:
    return read_yaml(CONTRACTS_DIR / "_codes.yaml")


@cache
def load_contract(entity: str) -> Contract:
    """Read data/contracts/<entity>.yaml into a Contract."""
    raw = read_yaml(CONTRACTS_DIR / f"{entity}.yaml")
    shared = _shared_codes()
    cols = []
    for c in raw["columns"]:
        if c["type"] not in COLUMN_TYPES:
            raise ValueError(f"{entity}.{c['name']}: unknown type {c['type']!r}")
        if c.get("pii") and c["pii"] not in PII_KINDS:
            raise ValueError(f"{entity}.{c['name']}: unknown pii kind {c['pii']!r}")
        if c.get("pii") and c.get("staged_as"):  # staged as X_hash and X_masked, like raw
            raise ValueError(f"{entity}.{c['name']}: personal data cannot be renamed in staging")
        if c.get("unit") is not None and (c["type"] != "decimal" or c["unit"] not in UNITS):
            raise ValueError(
                f"{entity}.{c['name']}: unit {c['unit']!r} needs type decimal and one of {UNITS}"
            )
        ref = shared.get(c["ref"]) if c.get("ref") else None
        codes = c.get("codes") or (ref or {}).get("codes")
        cols.append(
            Column(
                name=c["name"],
                camel=c.get("camel", c["name"]),
                zh=c.get("zh", c["name"]),
                type=c["type"],
                required=bool(c.get("required", False)),
                width=c.get("width") or (ref or {}).get("width"),
                codes={str(k): str(v) for k, v in codes.items()} if codes else None,
                aliases={str(k): str(v) for k, v in (c.get("aliases") or {}).items()},
                open_set=bool(c.get("open", False)),
                pii=c.get("pii"),
                check=c.get("check"),
                check_type_column=c.get("check_type_column"),
                min=c.get("min"),
                max=c.get("max"),
                min_exclusive=c.get("min_exclusive"),
                max_length=c.get("max_length"),
                staged_as=c.get("staged_as"),
                unit=c.get("unit"),
                synonyms=tuple(
                    str(h) for h in delivery_conventions().get("header_synonyms", {}).get(c["name"], [])
                ),
            )
        )
    _unambiguous_headers(entity, cols)
    contract = Contract(
        entity=raw["entity"],
        zh=raw["zh"],
        key=tuple(raw["key"]),
        mutable=bool(raw["mutable"]),
        columns=tuple(cols),
        payload_arrays=tuple(raw.get("payload_arrays", ["dataList"])),
        api=raw.get("api"),
    )
    missing = set(contract.key) - set(contract.column_names)
    if missing:
        raise ValueError(f"{entity}: key columns {missing} not declared")
    return contract


@cache
def delivery_conventions() -> dict:
    """data/contracts/_delivery.yaml: payload array names and personal-data header spellings shared by entities."""
    return read_yaml(CONTRACTS_DIR / "_delivery.yaml")


@cache
def payload_arrays() -> tuple[str, ...]:
    """Every name under which an API payload may carry its records: the shared list, then each contract's own."""
    names = list(delivery_conventions()["payload_arrays"])
    for contract in all_contracts().values():
        names += [a for a in contract.payload_arrays if a not in names]
    return tuple(names)


@cache
def payload_fields() -> frozenset[str]:
    """Fields that describe a payload, not its records (data/contracts/_delivery.yaml): never reported unknown."""
    return frozenset(delivery_conventions().get("payload_fields", []))


@cache
def _row_number_tokens() -> frozenset[str]:
    return frozenset(header_token(h) for h in delivery_conventions().get("row_number_headers", []))


def is_row_number(header: str) -> bool:
    """A sheet's row-number column (序号, No.: data/contracts/_delivery.yaml), never reported unknown."""
    return header_token(header).rstrip(".") in _row_number_tokens()


@cache
def envelopes() -> tuple[str, ...]:
    """The names under which a gateway's response wrapper carries the payload (data/contracts/_delivery.yaml)."""
    return tuple(delivery_conventions().get("envelopes", []))


def header_token(header: str) -> str:
    """A header compared loosely: case, spaces, "_" and "-" ignored (`id_card_no` = `idCardNo` = `ID-CARD-NO`)."""
    return "".join(ch for ch in header.strip().lower() if ch not in " _-\u3000")


# what spreadsheet templates add to a header: a leading required-field mark (*项目编码) and the contract's own money
# unit (应发金额（元）); any other unit (万元) is not the column's and leaves the header unknown
_TEMPLATE_MARKS = re.compile(r"^[*]+|[(]元[)]$")


# a header giving its values' unit in brackets at its end, when the unit is another than the column's own: 合同金额（万元）,
# 人工费用比例（%） (validate.UNIT_SHIFTS says which units are read, and for which kind of column)
_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[(]\s*([^()]+?)\s*[)]$")


def header_unit(header: str) -> tuple[str, str] | None:
    """A header that ends with a unit in brackets, as (the header without it, the unit), after NFKC (full-width
    brackets and ％); None when it has none."""
    m = _UNIT_IN_HEADER.match(unicodedata.normalize("NFKC", header).strip())
    return (m.group(1), m.group(2)) if m and m.group(1) else None


def loose_header(header: str) -> str:
    """A header as a spreadsheet template may write it, reduced to header_token's form: NFKC (full-width letters
    and brackets), a leading * and a trailing (元) dropped."""
    return header_token(_TEMPLATE_MARKS.sub("", unicodedata.normalize("NFKC", header).strip()))


@cache
def personal_headers() -> dict[str, str]:
    """Header spelling (as header_token) → personal-data kind, for every contract's personal columns and the
    shared list of other spellings; unknown extra columns and nested fields so named are always protected."""
    out: dict[str, str] = {}
    for contract in all_contracts().values():
        for col in contract.pii_columns:
            for spelling in col.spellings:
                out[header_token(spelling)] = col.pii or "id"
    for kind, names in delivery_conventions()["personal_names"].items():
        if kind not in PII_KINDS:
            raise ValueError(f"_delivery.yaml: unknown personal-data kind {kind!r}")
        for name in names:
            out.setdefault(header_token(str(name)), kind)
    return out


def personal_kind_of_header(header: str) -> str | None:
    """The personal-data kind a header names: a known spelling, or a Chinese header containing a personal part."""
    token = header_token(header)
    kind = personal_headers().get(token)
    if kind is not None:
        return kind
    for part_kind, parts in delivery_conventions().get("personal_name_parts", {}).items():
        if any(part in token for part in parts):
            return part_kind
    return None


def all_contracts() -> dict[str, Contract]:
    """Every entity's contract, in processing order."""
    return {e: load_contract(e) for e in (*ENTITIES, *RETURN_ENTITIES)}


def entity_of_file(filename: str) -> str | None:
    """The entity a delivered file holds, from the start of its name (`attendance_0630_part2.csv`)."""
    stem = Path(filename).name.lower()
    # longest entity name first, so `project_worker_…` is not read as `project`
    for e in sorted((*ENTITIES, *RETURN_ENTITIES), key=len, reverse=True):
        if stem == e or stem.startswith(e + "_") or stem.startswith(e + "."):
            return e
    return None
