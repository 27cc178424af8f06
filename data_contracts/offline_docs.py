"""Data Docs that open offline: the CDN assets Great Expectations' pages load, served locally.

GE's page templates load jQuery, Bootstrap, bootstrap-table, the datepicker, Vega and Font
Awesome from public CDNs (and its logo from a cloud bucket), so on a machine without internet
access the pages render blank. Local copies come from the npm packages pinned in
`data_contracts/docs_assets/package.json` (lock file beside it), installed at build time with
`npm ci --prefix data_contracts/docs_assets`; nothing is fetched at run time. After GE writes a
site, `localize_site` copies the assets into the site's `static/vendor/` folder and points every
page at them. A page that still names an asset on the internet is refused: a new GE template
needs its asset added here, not a page that silently breaks offline.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from data_contracts.errors import DataDocsAssetsError

ASSETS_ROOT = Path(__file__).parent / "docs_assets" / "node_modules"
"""Where `npm ci --prefix data_contracts/docs_assets` puts the packages."""
_VENDOR = Path("static") / "vendor"
_INSTALL_HINT = "npm ci --prefix data_contracts/docs_assets"


@dataclass(frozen=True)
class Asset:
    """One CDN address GE's templates use, the package file that replaces it, and folders the
    file refers to relatively (Font Awesome's CSS loads `../webfonts/`)."""

    url: str
    file: str
    beside: tuple[str, ...] = ()


ASSETS: tuple[Asset, ...] = (
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", "jquery/dist/jquery.min.js"),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
        "popper.js/dist/umd/popper.min.js",
    ),
    Asset(
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
        "bootstrap/dist/js/bootstrap.min.js",
    ),
    Asset(
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
        "bootstrap/dist/css/bootstrap.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        "bootstrap-table/dist/bootstrap-table.min.js",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
        "bootstrap-table/dist/bootstrap-table.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.js",
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    # GE's templates take the filter-control styles from 1.19.0 and the rest from 1.19.1; the
    # 1.19.1 styles serve both (one package version, matching its script)
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.css",
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css",
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
        "bootstrap-datepicker.min.js",
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
        "bootstrap-datepicker.min.css",
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
        beside=("@fortawesome/fontawesome-free/webfonts",),
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
        "bootstrap-prefers-dark.css",
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    ),
    Asset("https://cdn.jsdelivr.net/npm/vega@5", "vega/build/vega.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite/build/vega-lite.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed/build/vega-embed.min.js"),
)
_BY_URL = {a.url: a for a in ASSETS}
# GE's logo comes from a cloud bucket with a cache-busting query; GE ships the same image in
# the site's own static/images folder.
_LOGO = re.compile(r"https://great-expectations-web-assets\.[^\"']*/logo-long\.png[^\"']*")
_LOGO_LOCAL = Path("static") / "images" / "logo-long.png"
_ATTR = re.compile(r"""(?P<attr>\b(?:src|href))=(?P<q>["'])(?P<url>[^"']*)(?P=q)""")


def check_assets(root: Path = ASSETS_ROOT) -> None:
    """Refuse in one line when the local asset packages are not installed."""
    missing = [a.file for a in ASSETS if not (root / a.file).is_file()]
    if missing:
        raise DataDocsAssetsError(
            f"Data Docs assets not installed ({len(missing)} missing, e.g. {missing[0]}):"
            f" run `{_INSTALL_HINT}` or set contracts.write_data_docs: false"
        )


def _copy_assets(site: Path, root: Path) -> None:
    vendor = site / _VENDOR
    for asset in ASSETS:
        target = vendor / asset.file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / asset.file, target)
        for folder in asset.beside:
            shutil.copytree(root / folder, vendor / folder, dirs_exist_ok=True)


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def localize_page(text: str, page: Path, site: Path) -> str:
    """`text` of `page` (under `site`) with every known CDN asset pointing at the local copy."""
    text = _LOGO.sub(_relative(site / _LOGO_LOCAL, page), text)

    def local(m: re.Match[str]) -> str:
        url = m["url"]
        asset = _BY_URL.get(url)
        if asset is not None:
            target = _relative(site / _VENDOR / asset.file, page)
        elif _misplaced_static(url, page):
            # GE's validation pages climb one folder short to the favicon
            target = _relative(site / url[url.index("static/") :], page)
        else:
            return m[0]
        return f"{m['attr']}={m['q']}{target}{m['q']}"

    return _ATTR.sub(local, text)


def _misplaced_static(url: str, page: Path) -> bool:
    """A relative address into the site's `static/` folder that misses it from `page`."""
    if "static/" not in url or re.match(r"(?i)([a-z]+:|//|#)", url):
        return False
    return not (page.parent / url.split("?")[0]).is_file()


class _RemoteAssets(HTMLParser):
    """Collects `<script src>`, `<link href>` and `<img src>` addresses on the internet."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for key, value in attrs:
            if key == name and value and re.match(r"(?i)(https?:)?//", value):
                self.remote.append(value)


def remote_assets(text: str) -> list[str]:
    """Internet addresses a page loads its scripts, styles or images from."""
    parser = _RemoteAssets()
    parser.feed(text)
    return parser.remote


def localize_site(site: Path, root: Path = ASSETS_ROOT) -> int:
    """Copy the assets into `site/static/vendor` and rewrite every page of the site to use
    them; returns the number of pages. Idempotent: local pages are left as they are."""
    check_assets(root)
    _copy_assets(site, root)
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        local = localize_page(text, page, site)
        left = remote_assets(local)
        if left:
            raise DataDocsAssetsError(
                f"Data Docs page {page.relative_to(site)} loads {left[0]} from the internet,"
                " which data_contracts/offline_docs.py has no local copy of"
            )
        if local != text:
            page.write_text(local, encoding="utf-8")
    return len(pages)
