#!/usr/bin/python3
"""screenshot.py: a whole-page PNG of an HTML file (the report of `sweep report --html`), taken
with headless Chromium through Selenium (Debian: chromium, chromium-driver, python3-selenium).

    screenshot.py PAGE.html OUT.png [--width PIXELS]

The page is laid out at the given width (default 1400) and captured to its full height, then
stored with a 256-colour palette to keep the file small. Exit status: 0, 1 on failure.
"""

import argparse
import sys
import tempfile
from pathlib import Path

CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=int, default=1400)
    a = ap.parse_args()
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for arg in CHROMIUM_ARGS + (f"--window-size={a.width},1000", f"--user-data-dir={tempfile.mkdtemp()}"):
        o.add_argument(arg)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    try:
        d.get(a.page.resolve().as_uri())
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": a.width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        raw = a.out.with_suffix(".raw.png")
        d.save_screenshot(str(raw))
    finally:
        d.quit()
    Image.open(raw).convert("RGB").quantize(256).save(a.out, optimize=True)
    raw.unlink()
    print(f"{a.out}: {a.width} x {height} pixels")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:   # one line, not a traceback
        print(f"screenshot.py: {e}", file=sys.stderr)
        sys.exit(1)
