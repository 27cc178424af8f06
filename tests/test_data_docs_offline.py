"""Data Docs open offline: every script, style, font and image a page loads is a local file.

Great Expectations writes the pages for generated data; each page is parsed and every asset it
names must be a file on disk under the site, never an internet address; then a real browser
with the network cut off opens the index and the libraries the pages run on are there.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from data_contracts import validate
from data_contracts.config import ContractSettings
from data_contracts.errors import DataDocsAssetsError
from data_contracts.offline_docs import ASSETS_ROOT, check_assets
from data_contracts.schemas import spec
from tests.workbench_browser import CHROMIUM_ARGS, chromium_path


@pytest.fixture(autouse=True)
def _assets_installed() -> None:
    """Skip locally without the npm packages; fail in CI, where install-system.sh puts them."""
    if (ASSETS_ROOT / "jquery").is_dir():
        return
    reason = "Data Docs assets not installed: npm ci --prefix data_contracts/docs_assets"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


DATASET = "hotel_booking"
_REMOTE = re.compile(r"(?i)^(https?:)?//")


class _Assets(HTMLParser):
    """Every address a page loads: script src, link href (styles, icons), img src."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.found += [v for k, v in attrs if k == name and v]


def _assets(page: Path) -> list[str]:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def _css_urls(sheet: Path) -> list[str]:
    text = sheet.read_text(encoding="utf-8", errors="replace")
    urls = re.findall(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", text)
    return [u for u in urls if not u.startswith("data:")]


def raw_columns(world: Path) -> set[str]:
    header = (world / "agencies" / f"{DATASET}.csv").read_text(encoding="utf-8").splitlines()[0]
    return set(header.lstrip("\ufeff").split(","))


def _local(base: Path, ref: str) -> Path:
    return (base.parent / unquote(urlsplit(ref).path)).resolve()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import polars as pl

    from pipelines.synth import generate

    world = tmp_path_factory.mktemp("world")
    generate(world, size=300, seed=3, formats="csv")
    names = [f.name for f in spec(DATASET).fields]
    # as the reader hands a file over: every field text, with its file and row number
    raw = pl.read_csv(world / "agencies" / f"{DATASET}.csv", infer_schema=False).select(
        [pl.col(n) if n in raw_columns(world) else pl.lit(None, pl.String).alias(n) for n in names]
    )
    raw = raw.with_columns(
        pl.lit(f"{DATASET}.csv").alias("_source"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
    )
    docs = tmp_path_factory.mktemp("docs")
    result = validate(
        DATASET, raw, run_id="offline-docs", settings=ContractSettings(), docs_dir=docs
    )
    assert result.stats["data_docs"] == str(docs / DATASET / "index.html")
    return docs / DATASET


def test_every_page_loads_only_local_files(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 3  # the index, the suite and at least one validation result
    sheets: set[Path] = set()
    for page in pages:
        refs = _assets(page)
        scripts = [r for r in refs if r.endswith(".js")]
        assert scripts, f"{page} loads no script: the check would prove nothing"
        remote = [r for r in refs if _REMOTE.match(r)]
        assert not remote, f"{page.relative_to(site)} loads from the internet: {remote}"
        for ref in refs:
            target = _local(page, ref)
            assert target.is_file(), f"{page.relative_to(site)} names missing {ref}"
            assert site.resolve() in target.parents, f"{ref} lies outside the site"
            if target.suffix == ".css":
                sheets.add(target)
    assert sheets
    for sheet in sheets:  # fonts and images the style sheets load are local too
        for ref in _css_urls(sheet):
            assert not _REMOTE.match(ref), f"{sheet.name} loads {ref}"
            assert _local(sheet, ref).is_file(), f"{sheet.name} names missing {ref}"


def test_pages_run_in_a_browser_without_network(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    asked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()

        def cut_off(route):  # type: ignore[no-untyped-def]
            url = route.request.url
            if url.startswith("file:"):
                route.continue_()
            else:
                asked.append(url)
                route.abort()

        page.route("**/*", cut_off)
        for html in sorted(site.rglob("*.html")):
            page.goto(html.as_uri())
            page.wait_for_load_state("load")
            loaded = page.evaluate(
                "() => [typeof window.jQuery, typeof jQuery.fn.bootstrapTable,"
                " typeof jQuery.fn.datepicker, typeof window.vegaEmbed]"
            )
            assert loaded == ["function"] * 4, (html.name, loaded)
        browser.close()
    assert not asked, f"pages asked the network for {asked}"


def test_missing_assets_are_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(DataDocsAssetsError, match="npm ci --prefix data_contracts/docs_assets"):
        check_assets(tmp_path)
    check_assets()  # installed: no error
