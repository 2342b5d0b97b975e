"""A kiosk browser that stays open loads the front end once; a visitor's page finds its
kernel already connected; the pool refills behind the visitor.

Real kiosk server on loopback, real kernels, Debian's Chromium; what reached the server
is read from the browser's own network log (Chrome DevTools Protocol).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.kiosk.browser import CHROMIUM_ARGS, LOOPBACK_HOSTS, LOCAL_SCHEMES, chromium_path, kiosk_server
from tests.kiosk.plays import PLAYS
from youthlab.kiosk.app import SHARE_DIR
from youthlab.kiosk import page_scripts
from youthlab.kiosk.page_assets import PageAssetUnavailable, page_asset_hook
from youthlab.kiosk.page_scripts import bundle_start_chunks, start_chunks, voila_page_script
from youthlab.kiosk.page_styles import PAGE_CONFIG_KEY, extract_page_styles, voila_style_script
from youthlab.kiosk.voila_config import TEMPLATE
from youthlab.kiosk.voila_handlers import IMMUTABLE, asset_build_id
from youthlab.paths import labs_dir

APP = "voila/render/00-welcome/kiosk.ipynb"
WIDGET = ".youthlab-kiosk-app input"


def test_the_build_id_changes_with_any_front_end_file(tmp_path):
    (tmp_path / "static").mkdir()
    chunk = tmp_path / "static" / "1.voila.js"
    chunk.write_text("a")
    roots = [str(tmp_path / "static"), str(tmp_path / "missing")]
    first = asset_build_id(roots)
    assert asset_build_id(roots) == first
    chunk.write_text("bb")  # an upgrade rewrites a chunk under the same name
    second = asset_build_id(roots)
    assert second != first
    os.utime(chunk, ns=(1, 1))  # same size, other time
    assert asset_build_id(roots) != second
    (tmp_path / "static" / "2.voila.js").write_text("c")
    assert len({first, second, asset_build_id(roots)}) == 3


def _config(page_text: str) -> dict:
    return json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                page_text, re.S).group(1))


def _reset(url: str, config: dict) -> None:
    requests.post(f"{url}kiosk/reset/{config['kernelId']}", timeout=30)


def _ready(url: str, count: int = 2, timeout: float = 120) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if requests.get(f"{url}kiosk/status", timeout=10).json()["ready_kernels"] >= count:
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError("the preheated pool did not refill")


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    log = tmp_path_factory.mktemp("kiosk") / "kiosk.log"
    with kiosk_server(labs_dir(), "--pool-size", "1", "--app", "00-welcome", log=log) as url:
        _ready(url)
        yield url, log


@pytest.mark.e2e
def test_front_end_files_are_served_under_the_build_and_kept_for_good(kiosk):
    url, _ = kiosk
    page = requests.get(f"{url}{APP}?lang=ko", timeout=60)
    config = _config(page.text)
    try:
        static, labext = config["fullStaticUrl"], config["fullLabextensionsUrl"]
        build = re.fullmatch(r"/voila/static/v-([0-9a-f]+)", static).group(1)
        assert labext == f"/voila/labextensions/v-{build}"
        assert f'src="{static}/voila.js"' in page.text  # the page itself loads it from there
        main = requests.get(f"http://{urlparse(url).netloc}{static}/voila.js", timeout=30)
        assert main.status_code == 200 and main.headers["Cache-Control"] == IMMUTABLE
        assert main.content == requests.get(f"{url}voila/static/voila.js", timeout=30).content
        # The widget bundles the page loads (each extension's entry point).
        entries = [f"{labext}/{ext['name']}/{ext['load']}" for ext in config["federated_extensions"]]
        assert any("jupyter-widgets" in e for e in entries)
        for entry in entries:
            answer = requests.get(f"http://{urlparse(url).netloc}{entry}", timeout=30)
            assert answer.status_code == 200, entry
            assert answer.headers["Cache-Control"] == IMMUTABLE, entry
        # A page from before an upgrade names another build: today's file, never kept.
        stale = requests.get(f"{url}voila/static/v-0123456789abcdef/voila.js", timeout=30)
        assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
        assert requests.get(f"{url}voila/static/v-{build}/nothing-here.js", timeout=30).status_code in (403, 404)
        assert requests.get(f"{url}voila/static/v-{build}/..%2F..%2Fapp.py", timeout=30).status_code in (403, 404)
    finally:
        _reset(url, config)


class NetworkLog:
    """Which of the page's requests the server answered, and which the browser's cache (CDP)."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.responses: dict[str, tuple[str, bool]] = {}
        self.cached: set[str] = set()
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._response)

    def _response(self, event: dict) -> None:
        response = event["response"]
        self.responses[event["requestId"]] = (response["url"], bool(response.get("fromDiskCache")
                                                                    or response.get("fromMemoryCache")))

    @property
    def asked(self) -> list[str]:
        """Every URL the page asked for, answered by the server or by the cache."""
        return [url for url, _ in self.responses.values()]

    @property
    def from_server(self) -> list[str]:
        return [url for rid, (url, cached) in self.responses.items()
                if not cached and rid not in self.cached and not url.startswith(("blob:", "data:"))]

    def clear(self) -> None:
        self.responses.clear()
        self.cached.clear()


@pytest.mark.e2e
def test_a_kiosk_browser_that_stays_open_loads_the_front_end_once(kiosk, monkeypatch):
    from playwright.sync_api import sync_playwright

    url, log = kiosk
    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))  # where the kiosk server finds its template
    start_up = set(start_chunks(voila_page_script(TEMPLATE)))
    left, chunks_asked = [], []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        # A kiosk screen's browser keeps its profile. No request routing here: Playwright
        # turns the browser's cache off when it routes.
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium_path(), headless=True,
                                                       args=CHROMIUM_ARGS)
        try:
            page = context.new_page()
            page.on("request", lambda r: None if urlparse(r.url).scheme in LOCAL_SCHEMES
                    or urlparse(r.url).hostname in LOOPBACK_HOSTS else left.append(r.url))
            network = NetworkLog(context, page)
            visits = []
            for visit, lang in enumerate(("ko", "ko", "en")):
                _ready(url)
                network.clear()
                page.goto(f"{url}{APP}?lang={lang}&reset={visit}")  # as the idle reset navigates
                page.wait_for_selector(f"{WIDGET}:not([disabled])", state="visible", timeout=120_000)
                page.wait_for_load_state("networkidle")
                visits.append(list(network.from_server))
                chunks_asked += [u for u in network.asked if urlparse(u).path.rsplit("/", 1)[-1] in start_up]
                if visit == 2:  # the pre-connected channels carry a whole play-through
                    PLAYS["00-welcome"](page, lang)
                _reset(url, json.loads(page.inner_text("#jupyter-config-data")))
            first, *later = visits
            # The first visitor's browser fetched them: voila.js, the widget bundles, Voila's
            # styles as one file and its start-up chunks as one script.
            assert sum("/voila/static/v-" in u for u in first) >= 1
            assert sum("/voila/labextensions/v-" in u for u in first) > 5
            assert sum("/kiosk/page-styles/" in u for u in first) == 1
            assert sum("/kiosk/page-scripts/" in u for u in first) == 1
            assert chunks_asked == []  # not one of those chunks asked for on its own, not even from the cache
            for fetched in later:
                assets = [u for u in fetched if "/voila/static/" in u or "/voila/labextensions/" in u
                          or "/kiosk/page-styles/" in u or "/kiosk/page-scripts/" in u]
                assert assets == [], assets
                assert len(fetched) <= 4, fetched  # the page, its kernel, kiosk.js's settings, ...
        finally:
            context.close()
    assert left == []
    text = Path(log).read_text()
    assert "could not pre-connect" not in text
    assert len(re.findall(r"page of kernel \S+ on its pre-connected channels", text)) >= 3


@pytest.mark.e2e
def test_the_pool_refills_when_a_visitor_page_never_connects(kiosk):
    url, _ = kiosk
    _ready(url)
    page = requests.get(f"{url}{APP}?lang=en", timeout=60)  # a page that never opens its kernel
    config = _config(page.text)
    try:
        assert requests.get(f"{url}kiosk/status", timeout=10).json()["ready_kernels"] == 1
        _ready(url, timeout=90)  # within the refill wait, plus a kernel's start
    finally:
        _reset(url, config)


def test_voilas_page_styles_are_taken_out_of_its_script_with_the_fonts_they_name(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))  # where the kiosk server finds its template
    script = voila_style_script(TEMPLATE)
    folder = f"/voila/templates/{TEMPLATE}/static/"
    styles = extract_page_styles(script, folder)
    css = styles.data.decode()
    assert re.fullmatch(r"[0-9a-f]{32}", styles.digest)
    assert styles.url("/services/kiosk/") == f"/services/kiosk/kiosk/page-styles/{styles.digest}.css"
    # JupyterLab's widget base rules, the widgets' and Font Awesome 5's, as the script builds them.
    assert ".lm-Widget" in css and ".jp-" in css and "Font Awesome 5 Free" in css
    assert "youthlab.invalid" not in css
    fonts = {u.split("?")[0].split("#")[0] for u in re.findall(r"url\(['\"]?([^)'\"]+)", css)
             if not u.startswith(("data:", "#", "%23"))}  # not inline, not a reference inside an SVG
    assert len(fonts) >= 10
    for url in fonts:  # every file the CSS names is one the kiosk serves from the template's static folders
        assert url.startswith(folder), url
        assert (script.parent / url[len(folder):]).is_file(), url


def _bundle(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "bundle.js"
    script.write_text(body)
    return script


def _style(css: str) -> str:
    """What style-loader does for one stylesheet."""
    return ("(() => { const s = document.createElement('style'); "
            f"document.querySelector('head').appendChild(s); s.appendChild(document.createTextNode({css!r})); "
            "return s; })()")


def test_the_styles_come_out_in_the_order_the_page_would_have_them_and_removed_ones_do_not(tmp_path):
    script = _bundle(tmp_path, _style(".a{x:1}") + "; const gone = " + _style(".b{y:2}") + "; "
                     + _style(".c{z:3} .f{src:url(/s/f.woff)}") + "; gone.parentNode.removeChild(gone);")
    styles = extract_page_styles(script, "/s/")
    assert styles.data.decode() == ".a{x:1}\n.c{z:3} .f{src:url(/s/f.woff)}"


@pytest.mark.parametrize("body, reason", [
    ("document.body.appendChild(1);", "has no body"),  # the page's own DOM: not style-loader
    ("const s = document.createElement('style'); s.textContent = '.a{}'; document.head.appendChild(s);",
     "cannot set textContent"),  # CSS set another way would be lost
    ("const s = document.createElement('style'); s.setAttribute('media', 'print');", "attribute media"),
    ("document.createElement('link');", "creates a <link>"),
    (_style(".a{color:red"), "leaves a block open"),  # it would swallow the next sheet's rules
    (_style("@import url(x.css); .a{}"), "must come first"),
    (_style(".a{background:url(img/x.png)}"), "cannot keep: img/x.png"),  # relative: the page's, not ours
    (_style(".a{background:url('https://cdn.example/x.png')}"), "cannot keep: https://cdn"),  # not offline
    (_style(".a{background:URL( //cdn.example/x.png)}"), "cannot keep: //cdn"),
    (_style(".a{color:red} /* unfinished"), "leaves a comment open"),
    (_style(".a{content:'/*'} .b{}") + ";" + _style(".x"), "ends inside a rule"),  # ".x .next{}" joined
    ("Promise.resolve().then(() => document.body);", "has no body"),  # an error a turn later, its reason kept
    (_style(".a{}") + "; Promise.resolve().then(() => { " + _style(".late{}") + "; });",
     "changes its styles after it ran"),  # a late style would land after the kiosk's own CSS
    ("var quiet = 1;", "no <style> element"),
])
def test_a_script_that_does_more_than_style_loader_leaves_voilas_script_and_says_why(tmp_path, body, reason):
    with pytest.raises(PageAssetUnavailable) as err:
        extract_page_styles(_bundle(tmp_path, body), "/s/")
    assert err.value.code == "node_failed"
    assert reason in str(err.value)


def test_no_node_or_an_upgraded_script_leaves_voilas_script(tmp_path, monkeypatch):
    script = _bundle(tmp_path, _style(".a{x:1}"))
    styles = extract_page_styles(script, "/s/")
    told: list[str] = []
    hook = page_asset_hook(styles, PAGE_CONFIG_KEY, lambda: told.append("stale"))
    assert hook({}, base_url="/")[PAGE_CONFIG_KEY] == styles.url("/")
    script.write_text(_style(".a{x:1} .b{y:2}"))  # Voila upgraded under the running kiosk
    assert PAGE_CONFIG_KEY not in hook({}, base_url="/")
    assert PAGE_CONFIG_KEY not in hook({}, base_url="/")
    assert told == ["stale"]  # the log says so once
    assert PAGE_CONFIG_KEY not in page_asset_hook(None, PAGE_CONFIG_KEY)({}, base_url="/")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PageAssetUnavailable) as err:
        extract_page_styles(script, "/s/")
    assert err.value.code == "node_missing"


@pytest.mark.e2e
def test_the_page_links_voilas_styles_as_one_stylesheet_kept_for_good(kiosk):
    url, log = kiosk
    page = requests.get(f"{url}{APP}?lang=ko", timeout=60)
    config = _config(page.text)
    try:
        assert "voila-style.js" not in page.text
        links = re.findall(r'<link rel="stylesheet" href="(/kiosk/page-styles/[0-9a-f]{32}\.css)"', page.text)
        assert links == [config[PAGE_CONFIG_KEY]]
        origin = f"http://{urlparse(url).netloc}"
        sheet = requests.get(origin + links[0], timeout=30)
        assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == IMMUTABLE
        assert sheet.headers["Content-Type"].startswith("text/css")
        assert ".lm-Widget" in sheet.text
        for font in sorted(set(re.findall(r"url\((/voila/templates/[^)?#'\"]+)", sheet.text)))[:5]:
            assert requests.get(origin + font, timeout=30).status_code == 200, font
        assert requests.head(origin + links[0], timeout=30).status_code == 200
        assert requests.get(f"{url}kiosk/page-styles/{'0' * 32}.css", timeout=30).status_code == 404
    finally:
        _reset(url, config)
    assert "keep Voila's style script" not in Path(log).read_text()


@pytest.mark.e2e
def test_when_node_fails_the_kiosk_pages_keep_voilas_style_script(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "node").write_text("#!/bin/sh\necho 'node: broken' >&2\nexit 1\n")
    (fake / "node").chmod(0o755)
    log = tmp_path / "kiosk.log"
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    with kiosk_server(labs_dir(), "--pool-size", "0", "--app", "00-welcome", env=env, log=log) as url:
        page = requests.get(f"{url}{APP}?lang=en", timeout=120)
        config = _config(page.text)
        _reset(url, config)
    assert page.status_code == 200
    assert "voila-style.js" in page.text and "/kiosk/page-styles/" not in page.text
    assert PAGE_CONFIG_KEY not in config
    assert "keep Voila's style script (node_failed: node: broken)" in log.read_text()
    # The start-up chunks: the page loads them one by one, as Voila's does.
    assert "/kiosk/page-scripts/" not in page.text and page_scripts.PAGE_CONFIG_KEY not in config
    assert "keep Voila's chunk loading (node_failed: node: broken)" in log.read_text()
    assert f'src="{config["fullStaticUrl"]}/voila.js"' in page.text


def test_voilas_start_up_chunks_are_found_beside_its_page_script_and_bundled_in_order(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))  # where the kiosk server finds its template
    script = voila_page_script(TEMPLATE)
    names = start_chunks(script)
    assert len(names) > 20
    assert all("/" not in name and (script.parent / name).is_file() for name in names)
    # voila.js's entry asks for its chunks by number: every one that is a file is there (the
    # others hold only modules shared with the extensions, which have no file of their own).
    entry = re.search(r"Promise\.all\(\[((?:\w+\.e\(\d+\),?)+)\]\)", script.read_text())
    assert entry, "voila.js's entry no longer asks for its chunks in one Promise.all"
    asked = {f"{n}.voila.js" for n in re.findall(r"\((\d+)\)", entry.group(1))}
    files = asked & {p.name for p in script.parent.iterdir()}
    assert files and files <= set(names)
    bundle = bundle_start_chunks(script)
    text = bundle.data.decode()
    places = [text.index((script.parent / name).read_text()) for name in names]  # each chunk whole ...
    assert places == sorted(places)  # ... in the order voila.js asks for them
    assert re.fullmatch(r"[0-9a-f]{32}", bundle.digest)
    assert bundle.url("/services/kiosk/") == f"/services/kiosk/kiosk/page-scripts/{bundle.digest}.js"


def _loader(*asks: str, later: tuple[str, ...] = ()) -> str:
    """A page script that asks for chunks as webpack's loader does: a <script> in <head>
    at the folder of its own URL, some of them a turn later."""
    def ask(name: str) -> str:
        return ("{ const s = document.createElement('script'); s.charset = 'utf-8'; "
                f"s.setAttribute('data-webpack', 'x:' + {name!r}); s.src = base + {name!r}; "
                "document.head.appendChild(s); }")

    return ("const base = document.currentScript.src.replace(/[^/]+$/, ''); "
            + " ".join(ask(name) for name in asks)
            + " Promise.resolve().then(() => { " + " ".join(ask(name) for name in later) + " });")


def _chunk(name: str, body: str = "", strict: bool = False) -> str:
    """A chunk as webpack writes one: it hands its one module to the runtime, nothing else."""
    number = name.split(".")[0]
    return (('"use strict";' if strict else "") + "(self.webpackChunk_t = self.webpackChunk_t || [])"
            f".push([[{number}], {{{number}: function () {{ {body} }}}}]);")


def _page_script(tmp_path: Path, body: str, *chunks: str, strict: tuple[str, ...] = ()) -> Path:
    script = tmp_path / "voila.js"
    script.write_text(body)
    for name in chunks:
        (tmp_path / name).write_text(_chunk(name, "return this;", strict=name in strict))
    return script


def test_the_chunks_come_in_the_order_asked_each_once_a_turn_later_too(tmp_path):
    script = _page_script(tmp_path, _loader("7.voila.js", "3.voila.js", later=("5.voila.js", "7.voila.js")),
                          "3.voila.js", "5.voila.js", "7.voila.js", "9.voila.js")
    assert start_chunks(script) == ["7.voila.js", "3.voila.js", "5.voila.js"]
    text = bundle_start_chunks(script).data.decode()
    places = [text.index(_chunk(name, "return this;")) for name in ("7.voila.js", "3.voila.js", "5.voila.js")]
    assert places == sorted(places) and "[[9]]" not in text


def test_each_chunk_keeps_its_own_strict_mode_in_the_bundle(tmp_path):
    """A "use strict" counts only at the top of a script: joined as they are, every chunk
    would take the first one's mode. Run the bundle as a page would (Node, one global scope)."""
    script = _page_script(tmp_path, _loader("1.voila.js", "2.voila.js", "3.voila.js"),
                          "1.voila.js", "2.voila.js", "3.voila.js", strict=("2.voila.js",))
    bundle = tmp_path / "bundle.js"
    bundle.write_bytes(bundle_start_chunks(script).data)
    run = ("const vm = require('vm'); const page = {}; page.self = page; vm.createContext(page);"
           f"vm.runInContext(require('fs').readFileSync({str(bundle)!r}, 'utf8'), page);"
           "const modes = {}; for (const [[id], modules] of page.webpackChunk_t) "
           "{ const factory = modules[id]; modes[id] = factory() === undefined ? 'strict' : 'sloppy'; }"
           "process.stdout.write(JSON.stringify(modes));")
    done = subprocess.run(["node", "-e", run], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"1": "sloppy", "2": "strict", "3": "sloppy"}


@pytest.mark.parametrize("body, reason", [
    ("document.body.appendChild(1);", "has no body"),  # the page's own DOM: not the script loader
    ("document.createElement('link');", "creates a <link>"),
    (_loader("sub/1.voila.js"), "from elsewhere: http://youthlab.invalid/static/sub/"),
    ("const s = document.createElement('script'); s.src = 'https://cdn.example/x.js'; document.head.appendChild(s);",
     "from elsewhere: https://cdn.example/x.js"),
    (_loader("99.voila.js"), "not beside voila.js: 99.voila.js"),  # no such file
    (_loader("1.voila.css"), "not beside voila.js: 1.voila.css"),
    (_loader("voila.js"), "the page script asks for itself"),  # the runtime, twice
    ("var quiet = 1;", "asked for no chunk"),
    ("Promise.resolve().then(() => document.body);", "has no body"),  # an error a turn later, its reason kept
    # Chunks that do more than hand over their modules: inside a function they would mean otherwise.
    (_loader("4.voila.js"), "chunk 4.voila.js does more than hand over its modules"),  # a global of its own
    (_loader("5.voila.js"), "chunk 5.voila.js does more than hand over its modules"),  # a runtime part
    (_loader("6.voila.js"), "chunk 6.voila.js does more than hand over its modules"),  # the page's window
    (_loader("7.voila.js"), "chunk 7.voila.js does more than hand over its modules"),  # a const in the page's scope
    (_loader("8.voila.js"), "chunk 8.voila.js does more than hand over its modules"),  # a class there
    (_loader("9.voila.js"), "chunk 9.voila.js does more than hand over its modules (reads arguments)"),
    (_loader("1.voila.js").replace("document.head.appendChild(s);", "s.type = 'module'; document.head.appendChild(s);"),
     "cannot set type"),  # a module script: wrapped in a classic one it would mean otherwise
    (_loader("1.voila.js").replace("s.charset = 'utf-8';", "s.setAttribute('integrity', 'sha384-x');"),
     "sets the attribute integrity"),
])
def test_a_page_script_that_does_more_than_load_chunks_leaves_voilas_way_and_says_why(tmp_path, body, reason):
    script = _page_script(tmp_path, body, "1.voila.js", "1.voila.css")
    (tmp_path / "4.voila.js").write_text("var helper = 1; " + _chunk("4.voila.js"))
    (tmp_path / "5.voila.js").write_text("(self.webpackChunk_t = self.webpackChunk_t || [])"
                                         ".push([[5], {5: function () {}}, function (require) { require(5); }]);")
    (tmp_path / "6.voila.js").write_text(_chunk("6.voila.js") + " window.started = true;")
    (tmp_path / "7.voila.js").write_text("const helper = 1; " + _chunk("7.voila.js"))
    (tmp_path / "8.voila.js").write_text(_chunk("8.voila.js") + " class Late {}")
    (tmp_path / "9.voila.js").write_text(_chunk("9.voila.js") + " if (typeof arguments === 'undefined') {}")
    with pytest.raises(PageAssetUnavailable) as err:
        bundle_start_chunks(script)
    assert err.value.code == "node_failed"
    assert reason in str(err.value)


def test_node_that_prints_no_list_leaves_voilas_way(tmp_path):
    script = _page_script(tmp_path, _loader("1.voila.js"), "1.voila.js")
    node = tmp_path / "node"
    node.write_text("#!/bin/sh\necho 'Debugger listening on ws://127.0.0.1:9229/'\n")
    node.chmod(0o755)
    with pytest.raises(PageAssetUnavailable) as err:
        bundle_start_chunks(script, node=str(node))
    assert err.value.code == "node_failed" and "not a list of chunks" in str(err.value)


def test_an_upgraded_chunk_leaves_voilas_way_until_the_kiosk_restarts(tmp_path):
    script = _page_script(tmp_path, _loader("1.voila.js", "2.voila.js"), "1.voila.js", "2.voila.js")
    bundle = bundle_start_chunks(script)
    hook = page_asset_hook(bundle, page_scripts.PAGE_CONFIG_KEY)
    assert hook({}, base_url="/")[page_scripts.PAGE_CONFIG_KEY] == bundle.url("/")
    (tmp_path / "2.voila.js").write_text(_chunk("2.voila.js", "return 2;"))  # voila.js itself unchanged
    assert page_scripts.PAGE_CONFIG_KEY not in hook({}, base_url="/")


@pytest.mark.e2e
def test_the_page_runs_voilas_start_up_chunks_as_one_script_kept_for_good(kiosk, monkeypatch):
    url, log = kiosk
    page = requests.get(f"{url}{APP}?lang=ko", timeout=60)
    config = _config(page.text)
    try:
        bundle = config[page_scripts.PAGE_CONFIG_KEY]
        assert re.fullmatch(r"/kiosk/page-scripts/[0-9a-f]{32}\.js", bundle)
        scripts = re.findall(r'<script src="([^"]+)"', page.text)
        assert scripts.index(bundle) + 1 == scripts.index(f"{config['fullStaticUrl']}/voila.js")  # just before
        origin = f"http://{urlparse(url).netloc}"
        answer = requests.get(origin + bundle, timeout=30)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE
        assert answer.headers["Content-Type"].startswith("text/javascript")
        monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))
        assert answer.content == bundle_start_chunks(voila_page_script(TEMPLATE)).data
        assert requests.head(origin + bundle, timeout=30).status_code == 200
        assert requests.get(f"{url}kiosk/page-scripts/{'0' * 32}.js", timeout=30).status_code == 404
    finally:
        _reset(url, config)
    assert "keep Voila's chunk loading" not in Path(log).read_text()
