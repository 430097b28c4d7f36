"""`sweep report --html` (DESIGN section 8): one self-contained page, checked as text for every
kind of results file (with and without folds, halving, a random search, version 1, a shard's
partial file, an interrupted sweep, --by/--top/--metric/--alpha) and in a real browser
(Debian's chromium and chromium-driver through Selenium) with scripts on and off: no console
error, no network request, every chart titled, the table's numbers those of `sweep report
--csv`, and user text (a spec name, a CSV column) shown as text, never run."""

import csv
import io
import json
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import CSV_DIR, STATUS_PENDING, V2_AXES, run_sweep, write_spec

EVIL = "<script>alert(1)</script>"
EVIL_NAME = "<script>alert(2)</script> & co"
SECTIONS = ("sweep", "ranking", "curves", "heatmaps", "parallel", "problems")

# 2 x 3 x 2 settings x 2 seeds on 3 folds, 12 epochs; learning rate 1e200 diverges.
FOLDS_SPEC = """\
name: html-folds
data:
  folds: 3
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.01, 0.5, 1.0e+200]
  batch_size: [16, 64]
  epochs: 12
  seed: [0, 1]
  init_scale: 1.0
"""
PLAIN_SPEC = """\
name: html-plain
grid:
  hidden_dim: [4, 8]
  learning_rate: {geomspace: [0.01, 1.0, 3]}
  epochs: 6
  seed: [0, 1, 2]
  init_scale: 1.0
"""
HALVING_SPEC = """\
name: html-halving
data:
  folds: 2
halving:
  factor: 3
  min_epochs: 2
grid:
  hidden_dim: [4, 8, 16]
  learning_rate: {geomspace: [0.01, 1.0, 3]}
  epochs: 18
"""
RANDOM_SPEC = """\
name: html-random
search:
  method: random
  n: 14
  seed: 3
grid:
  hidden_dim: {randint: [4, 64]}
  learning_rate: {loguniform: [0.001, 1]}
  epochs: 4
  seed: [0, 1]
"""
NO_TEST_SPEC = """\
name: html-no-test
data:
  folds: 3
  test_fraction: 0
grid:
  hidden_dim: [3, 5]
  epochs: 4
  seed: [0, 1]
"""
LONG_SPEC = """\
name: html-long
grid:
  hidden_dim: 4
  learning_rate: [0.1, 0.3]
  epochs: [300, 700]
  seed: [0, 1]
"""


def sweep_file(tmp, name, spec_text, *extra):
    spec = write_spec(tmp / f"{name}.yaml", spec_text)
    out = tmp / f"{name}.h5"
    r = run_sweep("-q", "-o", out, *extra, spec)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Every kind of results file the report must handle, by name."""
    tmp = tmp_path_factory.mktemp("html")
    f = {"folds": sweep_file(tmp, "folds", FOLDS_SPEC), "plain": sweep_file(tmp, "plain", PLAIN_SPEC),
         "halving": sweep_file(tmp, "halving", HALVING_SPEC), "random": sweep_file(tmp, "random", RANDOM_SPEC),
         "long": sweep_file(tmp, "long", LONG_SPEC), "no_test": sweep_file(tmp, "no_test", NO_TEST_SPEC)}
    shard = tmp / "shard.h5"
    assert run_sweep("-q", "-o", shard, "--shard", "1/3", write_spec(tmp / "s.yaml", FOLDS_SPEC)).returncode == 0
    f["shard"] = shard
    # An interrupted sweep: some configs still pending, their rows NaN, as a killed sweep leaves them.
    f["interrupted"] = tmp / "interrupted.h5"
    shutil.copy(f["folds"], f["interrupted"])
    with h5py.File(f["interrupted"], "r+") as h:
        s = h["summary"][:]
        pending = np.arange(len(s)) % 3 == 2
        s["status"][pending] = STATUS_PENDING
        for k in s.dtype.names:
            if k not in ("id", "status", "best_epoch", "best_val_epoch", "epochs_run") and s.dtype[k].kind == "f":
                s[k][pending] = np.nan
        h["summary"][...] = s
        for k in h["curves"]:
            if h["curves"][k].ndim != 2:
                continue
            c = h["curves"][k][:]
            c[pending] = np.nan
            h["curves"][k][...] = c
        h.attrs["status"] = "interrupted"
    # A sweep that has just started: nothing finished yet.
    f["started"] = tmp / "started.h5"
    shutil.copy(f["plain"], f["started"])
    with h5py.File(f["started"], "r+") as h:
        s = h["summary"][:]
        s["status"] = STATUS_PENDING
        h["summary"][...] = s
        h.attrs["status"] = "running"
    # Version 1: no folds, no recipe columns, no v2 summary columns.
    f["v1"] = tmp / "v1.h5"
    shutil.copy(f["plain"], f["v1"])
    with h5py.File(f["v1"], "r+") as h:
        for table, drop in (("configs", V2_AXES + ("repeat", "fold")),
                            ("summary", ("final_val_loss", "final_val_acc", "best_val_loss", "best_val_epoch",
                                         "epochs_run"))):
            old = h[table][:]
            keep = [n for n in old.dtype.names if n not in drop]
            new = np.zeros(len(old), dtype=[(n, old.dtype[n]) for n in keep])
            for n in keep:
                new[n] = old[n]
            del h[table]
            h[table] = new
        for a in ("folds", "repeats"):
            if a in h["data"].attrs:
                del h["data"].attrs[a]
        h.attrs["format_version"] = np.int64(1)
    # A CSV source whose feature column and spec name are markup.
    rows = (CSV_DIR / "small.csv").read_text().splitlines()
    header = rows[0].split(",")
    header[2] = f'"{EVIL}"'
    (tmp / "evil.csv").write_text("\n".join([",".join(header)] + rows[1:]) + "\n")
    evil_spec = (f"name: '{EVIL_NAME}'\ndata:\n  source: evil.csv\n  label: y\n  test_fraction: 0.25\n"
                 "grid:\n  hidden_dim: [2, 3]\n  epochs: 3\n  batch_size: 4\n  seed: [0, 1]\n")
    f["evil"] = sweep_file(tmp, "evil", evil_spec)
    return f


def html_report(path, out, *args):
    r = run_sweep("report", "--html", out, *args, path)
    assert r.returncode == 0, f"sweep report --html exited {r.returncode}: {r.stderr}"
    assert r.stdout == "" and r.stderr == ""
    return out.read_bytes().decode("utf-8")


class Page(HTMLParser):
    """The page's tags in order, attributes, svg titles, and the text of the ranking table."""

    VOID = {"meta", "input", "br", "img", "link", "hr", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.ids, self.svgs = [], [], [], []
        self.svg_first_child = None
        self.problems = []
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed elements: {self.stack[-5:]}"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        for k in ("src", "href", "action", "data", "xlink:href", "poster"):
            if k in a and not (k == "href" and a[k].startswith("#")):
                self.problems.append(f"<{tag} {k}={a[k]!r}>")
        if self.svg_first_child is not None:
            self.svgs.append(tag)   # the first child of the last <svg>
            self.svg_first_child = None
        if tag == "svg":
            self.svg_first_child = True
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def check_sane(text, halving=False):
    """What every page must be: UTF-8 with a charset, sections in order, every svg starting
    with its <title>, nothing that could fetch, every tag closed."""
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    page = Page(text)
    assert not page.problems, page.problems
    assert "url(" not in text and "://" not in text and "@import" not in text and "@font-face" not in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    n_svg = sum(1 for t, _ in page.tags if t == "svg")
    assert n_svg >= 3 and page.svgs == ["title"] * n_svg, "every <svg> starts with its <title>"
    want = SECTIONS[:5] + (("halving",) if halving else ()) + SECTIONS[5:]
    order = [i for i in page.ids if i in want]
    assert order == list(want), order
    assert text.count("<h2>") >= len(want)
    return page


def csv_rows(path, *args):
    r = run_sweep("report", "--csv", *args, path)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def table_rows(text):
    """The ranking table's rows as dicts of their data attributes and cell texts."""
    body = text[text.index('id="ranking-table"'):]
    body = body[:body.index("</table>")]
    rows = []
    for tr in re.findall(r"<tr data-rank=.*?</tr>", body, re.S):
        row = {"rank": re.search(r'data-rank="(\d+)"', tr).group(1), "axes": {}}
        for axis, v in re.findall(r'<td data-axis="(\w+)" data-v="([^"]*)">', tr):
            row["axes"][axis] = v
        for col in ("n_configs", "n_done", "n_diverged"):
            row[col] = re.search(rf'data-col="{col}">(\d+)<', tr).group(1)
        m = re.search(r'data-col="metric" data-mean="([^"]*)" data-ci-low="([^"]*)" data-ci-high="([^"]*)">([^<]*)<', tr)
        row["mean"], row["ci_low"], row["ci_high"], row["metric_text"] = m.groups()
        m = re.search(r'data-col="p_holm" data-v="([^"]*)">([^<]*)<', tr)
        row["p_holm"], row["p_text"] = m.groups()
        row["verdict"] = re.search(r'data-col="verdict">([^<]*)<', tr).group(1)
        m = re.search(r'data-col="final_test_acc" data-mean="([^"]*)" data-std="([^"]*)"', tr)
        row["test_mean"], row["test_std"] = m.groups() if m else (None, None)
        rows.append(row)
    return rows


def interval_text(c):
    """The text report's metric cell of a CSV row (pruned units aside)."""
    mean, lo, hi = (float(c[k]) for k in (f"mean_{c['metric']}", "ci_low", "ci_high"))
    return "-" if np.isnan(mean) else f"{mean:.4f}" if np.isnan(lo) else f"{mean:.4f} [{lo:.4f}, {hi:.4f}]"


def check_table_equals_csv(text, path, *args):
    """The HTML table's values are the CSV's, digit for digit, and its visible cells the
    text report's rounding of them."""
    html_rows, csv_all = table_rows(text), csv_rows(path, *args)
    assert html_rows and len(html_rows) <= len(csv_all)
    for h, c in zip(html_rows, csv_all):
        assert h["rank"] == c["rank"]
        for axis, v in h["axes"].items():
            assert v == c[axis], (axis, v, c[axis])
        for col in ("n_configs", "n_done", "n_diverged"):
            assert h[col] == c[col]
        metric = c["metric"]
        assert (h["mean"], h["ci_low"], h["ci_high"]) == (c[f"mean_{metric}"], c["ci_low"], c["ci_high"])
        assert h["p_holm"] == c["p_holm"]
        if h["test_mean"] is not None:
            assert (h["test_mean"], h["test_std"]) == (c["mean_final_test_acc"], c["std_final_test_acc"])
        if not h["metric_text"].startswith("("):   # a pruned unit's mean where it was pruned
            assert h["metric_text"] == interval_text(c)
        p = float(c["p_holm"])
        assert h["p_text"] == ("-" if np.isnan(p) else "<0.0001" if p < 1e-4 else f"{p:.4f}")
        ind = c["indistinguishable"]
        assert (h["verdict"] in ("best", "indistinguishable")) == (ind == "1"), (h["verdict"], ind)
    return html_rows


@pytest.mark.parametrize("name", ["folds", "plain", "halving", "random", "long", "no_test", "shard", "interrupted",
                                  "started", "v1", "evil"])
def test_every_kind_of_file_gives_a_sane_page_with_the_csv_numbers(files, tmp_path, name):
    text = html_report(files[name], tmp_path / "r.html")
    check_sane(text, halving=name == "halving")
    rows = check_table_equals_csv(text, files[name])
    assert len(rows) == min(10, len(csv_rows(files[name])))
    assert not (tmp_path / "r.html.tmp").exists()


def test_the_sweep_section_tells_status_counts_data_folds_and_provenance(files, tmp_path):
    text = html_report(files["folds"], tmp_path / "r.html")
    with h5py.File(files["folds"], "r") as f:
        for attr in ("sweep_version", "host", "created", "spec_sha256"):
            assert str(f.attrs[attr]) in text, attr
        n_div = int((f["summary"]["status"] == 2).sum())
    assert f'<span class="st diverged">{n_div} diverged</span>' in text and n_div > 0
    assert "3-fold cross-validation x 1 repeat" in text and "breast_cancer" in text
    assert "<details><summary>The spec" in text and "init_scale: 1.0" in text
    assert f'{n_div} diverged config' in text   # listed under the problem configs
    text = html_report(files["interrupted"], tmp_path / "i.html")
    assert "interrupted" in text and "sweep --resume" in text and "pending" in text
    text = html_report(files["shard"], tmp_path / "s.html")
    assert "shard 1/3 of the grid" in text
    text = html_report(files["v1"], tmp_path / "v1.html")
    assert "<tr><th>format_version</th><td>1</td></tr>" in text and "none: no validation" in text


def test_report_options_apply_to_the_page(files, tmp_path):
    path = files["folds"]
    for args in (["--top", "3"], ["--by", "hidden_dim"], ["--metric", "final_val_acc"], ["--alpha", "0.2", "--top", "24"]):
        text = html_report(path, tmp_path / "r.html", *args)
        check_sane(text)
        rows = check_table_equals_csv(text, path, *args)
        if args[0] == "--top":
            assert len(rows) == int(args[1]) or len(rows) == len(csv_rows(path, *args))
    assert "Holm p &ge; 0.2" in text
    r = run_sweep("report", "--html", tmp_path / "x.html", "--csv", path)
    assert r.returncode == 2 and "--html and --csv" in r.stderr
    r = run_sweep("report", "--html", tmp_path / "no" / "such" / "dir.html", path)
    assert r.returncode == 1 and "cannot write" in r.stderr and len(r.stderr.splitlines()) == 1


def test_charts_have_axes_names_log_scales_and_thinned_curves(files, tmp_path):
    text = html_report(files["folds"], tmp_path / "r.html")
    assert "Mean final_val_loss by learning_rate and hidden_dim" in text   # a heatmap per pair of swept axes
    assert text.count('class="hm"') == 3
    assert "learning_rate" in text and "(step size, log scale)" in text and "hidden_dim" in text
    for part in ("train", "val", "test"):
        assert f'class="ln {part}" data-n=' in text
    text = html_report(files["random"], tmp_path / "random.html")
    assert 'class="sc"' in text   # more than 12 values: one point per setting
    # Curves: every epoch up to 500, then 500 points; the longest unit sets the shared x axis.
    text = html_report(files["long"], tmp_path / "long.html")
    counts = sorted({len(re.findall(r"-?[0-9]*\.?[0-9]+", d)) // 2
                     for d in re.findall(r'<path class="ln train" data-n="train" d="([^"]*)"', text)})
    assert counts == [300, 500], counts
    text = html_report(files["halving"], tmp_path / "h.html")
    assert "Rungs at 2, 6 and 18 epochs" in text and 'class="rg"' in text


def test_heatmap_cells_are_the_mean_over_the_other_axes(files, tmp_path):
    """Each cell: the mean of the metric over every done config with the cell's two values,
    as scripts/plot.py computes it."""
    text = html_report(files["folds"], tmp_path / "r.html")
    with h5py.File(files["folds"], "r") as f:
        c, s = f["configs"][:], f["summary"][:]
    cells = re.findall(r"<title>learning_rate=([^,]+), hidden_dim=(\d+): mean final_val_loss ([^ ]+) over (\d+) done", text)
    assert len(cells) == 6
    for lr, h, mean, n in cells:
        sel = (c["learning_rate"] == float(lr)) & (c["hidden_dim"] == int(h)) & (s["status"] == 1)
        assert int(n) == sel.sum()
        assert mean == ("n/a" if not sel.any() else f"{s['final_val_loss'][sel].mean():.4f}")


def test_user_text_is_escaped(files, tmp_path):
    text = html_report(files["evil"], tmp_path / "e.html")
    assert "<script>alert" not in text and text.count("<script>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;script&gt;alert(2)&lt;/script&gt; &amp; co" in text
    check_sane(text)


# ---------------------------------------------------------------------------------------
# In a browser.

def chromium():
    """A Selenium driver factory, or the one-line reason there is none."""
    chrome, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chrome or not driver:
        return None, "chromium or chromedriver not found (Debian: apt-get install chromium chromium-driver)"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "python3-selenium not installed"

    def start(scripts):
        o = webdriver.ChromeOptions()
        o.binary_location = chrome
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000", f"--user-data-dir={tempfile.mkdtemp(prefix='sweep-chromium-')}"):
            o.add_argument(a)
        if not scripts:
            o.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        return webdriver.Chrome(service=Service(driver), options=o)
    return start, None


@pytest.fixture(scope="module")
def browser():
    start, why = chromium()
    if not start:
        pytest.skip(why)
    return start


def open_page(start, scripts, page):
    """Opens page; returns (driver, console messages, URLs the page requested)."""
    d = start(scripts)
    d.get("about:blank")
    d.get_log("browser"), d.get_log("performance")   # what the browser itself did at start
    url = page.resolve().as_uri()
    d.get(url)
    console = d.get_log("browser")
    requests = [m["params"]["request"]["url"] for m in (json.loads(e["message"])["message"] for e in d.get_log("performance"))
                if m["method"] == "Network.requestWillBeSent"]
    return d, console, requests, url


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts-on", "scripts-off"])
def test_in_a_browser_nothing_fetched_no_error_titled_charts_csv_numbers(browser, files, tmp_path, scripts):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    page = tmp_path / "report.html"
    html_report(files["folds"], page)
    d, console, requests, url = open_page(browser, scripts, page)
    try:
        assert console == [], console
        assert requests == [url], requests
        assert bool(d.find_elements(By.CSS_SELECTOR, "div.tip")) == scripts   # the script ran, or not
        svgs = d.find_elements(By.TAG_NAME, "svg")
        assert len(svgs) > 10
        for s in svgs:
            title = s.find_element(By.XPATH, "./*[local-name()='title']")
            assert title.get_attribute("textContent").strip()
        for sec in SECTIONS:
            assert d.find_element(By.ID, sec).find_element(By.TAG_NAME, "h2").is_displayed()
        for fig in d.find_elements(By.CSS_SELECTOR, "#curves figure, #heatmaps figure"):
            assert fig.find_element(By.TAG_NAME, "h3").text.strip() and fig.find_element(By.TAG_NAME, "svg").is_displayed()
        # The table as the browser shows it: the text report's cells of the CSV's numbers.
        rows = csv_rows(files["folds"])
        trs = d.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")
        assert len(trs) == 10
        for tr, c in zip(trs, rows):
            cells = tr.find_element(By.CSS_SELECTOR, "td[data-col='metric']")
            assert cells.get_attribute("data-mean") == c["mean_final_val_loss"]
            assert cells.text == interval_text(c)
            assert tr.find_element(By.CSS_SELECTOR, "td[data-axis='learning_rate']").text == f"{float(c['learning_rate']):g}"
        if scripts:   # hover values on a learning curve
            panel = d.find_element(By.CSS_SELECTOR, "#curves svg.cv g.pnl")
            d.execute_script("arguments[0].scrollIntoView()", panel)
            ActionChains(d).move_to_element(panel).perform()
            tip = d.find_element(By.CSS_SELECTOR, "div.tip")
            assert tip.is_displayed() and tip.text.startswith("epoch ") and "train" in tip.text
        assert d.get_log("browser") == []
    finally:
        d.quit()


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts-on", "scripts-off"])
def test_in_a_browser_markup_in_user_text_is_shown_never_run(browser, files, tmp_path, scripts):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    page = tmp_path / "evil.html"
    html_report(files["evil"], page)
    d, console, requests, url = open_page(browser, scripts, page)
    try:
        with pytest.raises(NoAlertPresentException):
            d.switch_to.alert.text
        assert console == [] and requests == [url]
        body = d.find_element(By.TAG_NAME, "body").text
        assert EVIL in body and EVIL_NAME in body   # visible, as text
        assert d.find_element(By.TAG_NAME, "h1").text == EVIL_NAME
        assert len(d.find_elements(By.TAG_NAME, "script")) == 1
    finally:
        d.quit()
