"""The built-in crawler reads robots.txt and sitemaps (issue 13, item 5): a page linked from
nowhere but listed there is crawled and judged, in process and on loopback; a site without
them is crawled as before."""

from __future__ import annotations

import pytest

from pytest_secure.core.target import InProcessTarget, LiveTarget
from pytest_secure.dast.config import CrawlSettings
from pytest_secure.dast.crawler import Crawler, parse_robots, parse_sitemap
from pytest_secure.dast.progress import Progress

from .audit import served


def site(*, lists: bool):
    from flask import Flask, Response, request

    app = Flask(f"lists_{lists}")
    pages = {"/": "<!doctype html><a href='/about'>about</a>", "/about": "<!doctype html>about",
             "/hidden-admin/": "<!doctype html>admin", "/from-sitemap": "<!doctype html>listed",
             "/nested": "<!doctype html>nested"}
    for path, html in pages.items():
        app.add_url_rule(path, path, lambda html=html: html)
    if lists:
        app.add_url_rule("/robots.txt", "robots", lambda: Response(
            "User-agent: *\nDisallow: /hidden-admin/*\nAllow: /\nSitemap: /sitemap-index.xml\n",
            mimetype="text/plain"))
        app.add_url_rule("/sitemap-index.xml", "index", lambda: Response(
            "<?xml version='1.0'?><sitemapindex><sitemap><loc>/pages.xml</loc></sitemap></sitemapindex>",
            mimetype="application/xml"))
        app.add_url_rule("/pages.xml", "pages", lambda: Response(  # absolute URLs of the site itself, and one off-site
            "<urlset><url><loc>http://elsewhere.invalid/x</loc></url><url><loc>{base}/from-sitemap</loc></url>"
            "<url><loc>{base}/nested</loc></url></urlset>".format(base=request.host_url.rstrip("/")),
            mimetype="application/xml"))
    return app


def crawled(app, live):
    def run(target):
        crawler = Crawler(lambda m, u, **kw: target.request(m, u, follow_redirects=False, **kw),
                          base_url=target.base_url,
                          in_scope=target.scope.allows, settings=CrawlSettings(max_pages=20), progress=Progress())
        return sorted(r.path for r in crawler.crawl(["/"]).responses)

    if not live:
        return run(InProcessTarget(app, base_url="https://localhost", scope=["localhost"]))
    with served(app) as url:
        return run(LiveTarget(url, ["127.0.0.1"]))


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_robots_and_sitemap_pages_are_crawled(live):
    app = site(lists=True)
    assert crawled(app, live) == ["/", "/about", "/from-sitemap", "/hidden-admin/", "/nested"]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_without_lists_only_links_are_crawled(live):
    assert crawled(site(lists=False), live) == ["/", "/about"]


def test_parsers():
    paths, maps = parse_robots("User-agent: *\nDisallow: /admin/*.php\nDisallow: /\nDisallow: /x$ # c\n"
                               "Allow: /admin/\nSitemap: https://a.test/s.xml\nDisallow:\n")
    assert paths == ["/admin/", "/x"] and maps == ["https://a.test/s.xml"]
    assert parse_sitemap("<urlset><url><loc> /a?b=1&amp;c=2 </loc></url></urlset>") == (["/a?b=1&c=2"], [])
    assert parse_sitemap("<sitemapindex><sitemap><loc>/m.xml</loc></sitemap></sitemapindex>") == ([], ["/m.xml"])
