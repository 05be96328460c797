"""The source registry (`sources.yaml`): which county portals to crawl, and how.

Validated with pydantic on load; every error names the entry (by position and id) and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# GB/T 2260 province-level prefixes (the first two digits of every region code).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
# Scans are also published as pictures (JPEG, PNG, TIFF attachments of the report page).
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "txt", "jpg", "jpeg", "png", "tif", "tiff")
DEFAULT_USER_AGENT = "xxgk-harvester/0.1 (government information-disclosure annual reports; polite crawler)"


class RegistryError(ValueError):
    """A registry that cannot be used; `problems` lists one line per error, each naming entry and field."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """How hard one host may be pushed. `rate_per_host: 0` and a high concurrency turn politeness off."""

    rate_per_host: Annotated[float, Field(ge=0)] = 1.0  # requests per second per host; 0 = no limit
    concurrency_per_host: Annotated[int, Field(ge=1, le=64)] = 2
    connect_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    read_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    total_timeout_s: Annotated[float, Field(gt=0)] = 120.0  # one response, headers to last byte
    retries: Annotated[int, Field(ge=0, le=10)] = 3  # extra attempts after the first
    backoff_base_s: Annotated[float, Field(ge=0)] = 2.0  # waits base, 2*base, 4*base ... (Retry-After wins)
    backoff_max_s: Annotated[float, Field(ge=0)] = 60.0
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    user_agent: str = DEFAULT_USER_AGENT


class Limits(_Strict):
    max_list_pages: Annotated[int, Field(ge=1)] = 50  # listing pages per column (start URL or discovered), itself included
    max_entries: Annotated[int, Field(ge=1)] = 2000  # report pages per source
    max_documents: Annotated[int, Field(ge=1)] = 10000  # entries + attachments (and pictures) per source
    max_page_pictures: Annotated[int, Field(ge=0)] = 20  # pictures of a report page fetched with it (a scan's pages)
    max_bytes: Annotated[int, Field(ge=1024)] = 100 * 1024 * 1024  # per response


class Discovery(_Strict):
    """The walk from `discover_from` to the county's 年报 columns (extract/harvest/sitewalk.py)."""

    max_depth: Annotated[int, Field(ge=0, le=10)] = 4  # links from a discover_from page
    max_pages: Annotated[int, Field(ge=1)] = 400  # pages fetched per discovery
    every_days: Annotated[float, Field(gt=0)] = 7.0  # the nightly harvest re-runs discovery this often


class Rules(_Strict):
    """Optional link selection. Empty means the defaults described in `discover.py`."""

    entry_selector: str | None = None  # CSS: anchors (or containers of anchors) that are report entries
    entry_text: str | None = None  # regex on the link text (or title attribute)
    attachment_selector: str | None = None
    attachment_text: str | None = None
    attachment_extensions: tuple[str, ...] = ATTACHMENT_EXTENSIONS
    pagination_selector: str | None = None

    @field_validator("entry_text", "attachment_text")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @field_validator("entry_selector", "attachment_selector", "pagination_selector")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        if value is not None:
            from cssselect import GenericTranslator, SelectorError

            try:
                GenericTranslator().css_to_xpath(value)
            except SelectorError as exc:
                raise ValueError(f"not a valid CSS selector: {exc}") from None
        return value

    @field_validator("attachment_extensions")
    @classmethod
    def _extensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(v.lower().lstrip(".") for v in value)
        if not cleaned or not all(re.fullmatch(r"[a-z0-9]{1,8}", v) for v in cleaned):
            raise ValueError("must be a non-empty list of file extensions such as pdf, docx")
        return cleaned

    @property
    def is_default(self) -> bool:
        return self == Rules()


HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?")


def host_allowed(host: str, port: int | None, allowed: tuple[str, ...]) -> bool:
    """`host` (lower case) matches an entry: exact name, `name:port`, or `*.suffix` (the suffix and below)."""
    for pattern in allowed:
        name, _, want_port = pattern.partition(":") if not pattern.startswith("[") else (pattern, "", "")
        if want_port and port is not None and int(want_port) != port:
            continue
        if name.startswith("*."):
            if host == name[2:] or host.endswith(name[1:]):
                return True
        elif host == name:
            return True
    return False


class Source(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    region_code: str
    name: Annotated[str, Field(min_length=1)]
    start_urls: tuple[str, ...] = ()  # 年报 columns' listing pages, crawled every night
    discover_from: tuple[str, ...] = ()  # the county's 政府信息公开 root or index pages: columns are found from here
    allowed_hosts: Annotated[tuple[str, ...], Field(min_length=1)]
    allow_private_addresses: bool = False  # loopback/private/link-local targets; only tests and the demo
    enabled: bool = True
    rules: Rules = Rules()
    limits: Limits = Limits()
    politeness: Politeness = Politeness()
    discovery: Discovery = Discovery()

    @field_validator("region_code", mode="before")
    @classmethod
    def _region(cls, value: Any) -> str:
        text = str(value).strip()
        if not re.fullmatch(r"\d{6}", text):
            raise ValueError("must be a six-digit GB/T 2260 code, e.g. '140828' (quote it in YAML)")
        if text[:2] not in PROVINCE_PREFIXES:
            raise ValueError(f"{text[:2]} is not a GB/T 2260 province prefix")
        return text

    @field_validator("start_urls", "discover_from")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(v.strip().lower() for v in value)
        for host in cleaned:
            if not HOST_PATTERN.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (use 'www.example.gov.cn', 'host:port' or '*.example.gov.cn')")
        return cleaned

    @model_validator(mode="after")
    def _start_urls_allowed(self) -> Source:
        if not self.start_urls and not self.discover_from:
            raise ValueError("give start_urls (the 年报 columns) or discover_from (the county's 政府信息公开 root), or both")
        for field_name in ("start_urls", "discover_from"):
            for url in getattr(self, field_name):
                parts = urlsplit(url)
                if not host_allowed(parts.hostname or "", parts.port, self.allowed_hosts):
                    raise ValueError(f"{field_name}: {url!r} is on a host not in allowed_hosts")
        return self

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and host_allowed(
            (parts.hostname or "").lower(), parts.port, self.allowed_hosts
        )


class Registry(_Strict):
    sources: tuple[Source, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Registry:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self

    def select(self, only: tuple[str, ...] | list[str] = ()) -> list[Source]:
        if only:
            known = {s.id for s in self.sources}
            unknown = [i for i in only if i not in known]
            if unknown:
                raise KeyError(f"unknown source id(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
            return [s for s in self.sources if s.id in set(only)]
        return [s for s in self.sources if s.enabled]


def _describe(loc: tuple[Any, ...], raw: Any) -> str:
    """('sources', 2, 'politeness', 'retries') -> "sources[2] (id 'x'): politeness.retries"."""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entry = f"sources[{loc[1]}]"
        try:
            entry_id = raw["sources"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            entry_id = None
        if entry_id:
            entry += f" (id {entry_id!r})"
        field = ".".join(str(p) for p in loc[2:]) or "(entry)"
        return f"{entry}: {field}"
    return ".".join(str(p) for p in loc) or "(file)"


def parse_registry(raw: Any, path: str = "<registry>") -> Registry:
    if raw is None:
        raw = {}
    if isinstance(raw, list):
        raw = {"sources": raw}
    if not isinstance(raw, dict):
        raise RegistryError(path, ["(file): must be a mapping with a 'sources' list"])
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_describe(tuple(error['loc']), raw)}: {message}")
        raise RegistryError(path, problems) from None


def load_registry(path: str | Path) -> Registry:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(str(path), [f"(file): cannot read: {exc.strerror or exc}"]) from None
    except yaml.YAMLError as exc:
        raise RegistryError(str(path), [f"(file): not valid YAML: {exc}"]) from None
    return parse_registry(raw, str(path))
