"""The source registry: validation with errors that name entry and field; `xxgk sources check`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from extract.harvest.registry import RegistryError, load_registry, parse_registry
from xxgk.commands.sources import command as sources_command

REPO = Path(__file__).resolve().parent.parent
GOOD = {
    "id": "xiaxian", "region_code": "140828", "name": "夏县人民政府",
    "start_urls": ["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/index.html"], "allowed_hosts": ["www.xiaxian.gov.cn"],
}


def problems(*entries) -> list[str]:
    with pytest.raises(RegistryError) as info:
        parse_registry({"sources": list(entries)}, "test.yaml")
    return info.value.problems


def test_repository_registry_is_valid_and_has_the_demo_entry():
    registry = load_registry(REPO / "sources.yaml")
    demo = next(s for s in registry.sources if s.id == "demo")
    assert demo.allow_private_addresses and demo.discover_from and not demo.start_urls  # one address per county
    assert all(demo.allows(u) for u in demo.discover_from)


def test_discovery_defaults_and_discover_from_checks():
    entry = {**GOOD, "start_urls": [], "discover_from": ["http://www.xiaxian.gov.cn/xxgk/index.html"]}
    source = parse_registry({"sources": [entry]}).sources[0]
    assert (source.discovery.max_depth, source.discovery.max_pages, source.discovery.every_days) == (4, 400, 7)
    text = "\n".join(problems({**entry, "discover_from": ["http://elsewhere.gov.cn/"]}))
    assert "discover_from: 'http://elsewhere.gov.cn/' is on a host not in allowed_hosts" in text


def test_defaults_are_polite():
    source = parse_registry({"sources": [GOOD]}).sources[0]
    assert source.politeness.rate_per_host == 1.0 and source.politeness.concurrency_per_host == 2
    assert source.rules.is_default and not source.allow_private_addresses
    assert source.politeness.retries >= 1 and source.politeness.max_redirects >= 1


def test_errors_name_entry_and_field():
    bad_region = {**GOOD, "id": "a", "region_code": "14082"}
    no_urls = {**GOOD, "id": "b", "start_urls": []}
    unknown = {**GOOD, "id": "c", "colour": "red"}
    bad_politeness = {**GOOD, "id": "d", "politeness": {"concurrency_per_host": 0}}
    found = problems(GOOD, bad_region, no_urls, unknown, bad_politeness)
    text = "\n".join(found)
    assert "sources[1] (id 'a'): region_code: " in text and "six-digit" in text
    assert "sources[2] (id 'b'): (entry): give start_urls (the 年报 columns) or discover_from" in text
    assert "sources[3] (id 'c'): colour" in text
    assert "sources[4] (id 'd'): politeness.concurrency_per_host" in text


@pytest.mark.parametrize("change, expected", [
    ({"region_code": "990101"}, "region_code: 99 is not a GB/T 2260 province prefix"),
    ({"start_urls": ["ftp://x.gov.cn/a"]}, "is not an http(s) URL"),
    ({"start_urls": ["http://elsewhere.gov.cn/"]}, "is on a host not in allowed_hosts"),
    ({"allowed_hosts": ["http://www.x.gov.cn/"]}, "allowed_hosts: "),
    ({"rules": {"entry_text": "年报("}}, "rules.entry_text: not a valid regular expression"),
    ({"rules": {"entry_selector": "ul >> li["}}, "rules.entry_selector: not a valid CSS selector"),
    ({"rules": {"attachment_extensions": []}}, "rules.attachment_extensions"),
    ({"politeness": {"rate_per_host": -1}}, "politeness.rate_per_host"),
    ({"limits": {"max_bytes": 10}}, "limits.max_bytes"),
    ({"id": "Has Spaces"}, "id: "),
])
def test_each_field_is_checked(change, expected):
    found = problems({**GOOD, **change})
    assert any(expected in p for p in found), found
    assert all(p.startswith("sources[0]") for p in found)


def test_duplicate_ids_and_unreadable_files(tmp_path):
    assert any("duplicate source id 'xiaxian'" in p for p in problems(GOOD, GOOD))
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(broken)
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.yaml")


def test_wildcard_and_port_hosts():
    source = parse_registry({"sources": [{**GOOD, "allowed_hosts": ["*.xiaxian.gov.cn", "files.example.cn:8080"]}]}).sources[0]
    assert source.allows("http://www.xiaxian.gov.cn/a.html") and source.allows("https://xiaxian.gov.cn/")
    assert source.allows("http://files.example.cn:8080/a.pdf")
    assert not source.allows("http://files.example.cn:9090/a.pdf")
    assert not source.allows("http://evilxiaxian.gov.cn/") and not source.allows("http://xiaxian.gov.cn.evil.com/")
    assert not source.allows("file:///etc/passwd")


def test_select_only():
    registry = parse_registry({"sources": [GOOD, {**GOOD, "id": "off", "enabled": False}]})
    assert [s.id for s in registry.select()] == ["xiaxian"]
    assert [s.id for s in registry.select(["off"])] == ["off"]
    with pytest.raises(KeyError, match="unknown source id"):
        registry.select(["nope"])


def test_sources_check_prints_what_it_would_crawl(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [GOOD]}, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(sources_command, ["check", str(path)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "would crawl xiaxian: http://www.xiaxian.gov.cn/xxgk/zfxxgknb/index.html" in result.output
    assert "140828" in result.output and "1 source(s) would be crawled" in result.output


def test_sources_check_reports_errors(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{**GOOD, "region_code": "abc"}]}), encoding="utf-8")
    result = CliRunner().invoke(sources_command, ["check", str(path)], terminal_width=300)
    assert result.exit_code == 1
    assert "sources[0] (id 'xiaxian'): region_code" in result.output
