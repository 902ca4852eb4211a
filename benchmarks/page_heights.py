"""Measurement (not a test): how tall the caseworkers' answer pages are, and whether they fit a phone.

Starts `sc-policy serve` on a free loopback port, opens each page in Debian's Chromium
(through Playwright, never a downloaded browser) at 1280 px and at 375 px wide, and prints
the page's height and width in CSS pixels (``document.documentElement.scrollHeight`` and
``scrollWidth``; a width over the viewport's means the page scrolls sideways) and the
narrowest quote on it (the width of the narrowest ``blockquote``).

    python benchmarks/page_heights.py
    python benchmarks/page_heights.py "/?occupation=2174" "/?occupation=7511&industry=484121"
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request

PAGES = ("/?occupation=2174", "/?occupation=2174&industry=541514", "/?occupation=7511&industry=484121",
         "/?occupation=13110")
WIDTHS = (1280, 375)
MEASURE = """() => {
  const quotes = [...document.querySelectorAll('blockquote')].map(q => q.getBoundingClientRect().width);
  return [document.documentElement.scrollHeight, document.documentElement.scrollWidth,
          quotes.length ? Math.min(...quotes) : null];
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(paths) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "from sc_policy.cli import main; main()", "serve", "--host",
                               "127.0.0.1", "--port", str(port), "--no-access-log"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()  # noqa: S310 (loopback only)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            print(f"{'page':45} {'width':>5} {'height':>7} {'page width':>10} {'narrowest quote':>15}")
            for path in paths:
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.goto(base + path)
                    height, scroll_width, quote = page.evaluate(MEASURE)
                    quote_text = "-" if quote is None else f"{quote:.0f}"
                    print(f"{path:45} {width:5} {height:7} {scroll_width:10} {quote_text:>15}")
                    page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="How tall the caseworkers' answer pages are, at 1280 px and 375 px.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=f"pages to measure (default: {' '.join(PAGES)})")
    main(parser.parse_args().paths or PAGES)
