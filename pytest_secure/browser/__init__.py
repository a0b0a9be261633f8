"""The ``browser`` area: the pages run in a real headless Chromium, which shows whether the
browser enforces what the headers say (CSP, framing, cookies), and finds DOM XSS, mixed
content and missing subresource integrity. See docs/browser.md."""
