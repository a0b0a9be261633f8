"""Wait until ZAP answers at URL, for at most SECONDS: `python wait_for_zap.py URL [SECONDS]`.

ZAP takes a while to start (it loads its add-ons first). Exit status 0 once it answers, 1 when
it did not within the time given.
"""

import sys
import time
import urllib.request


def main() -> int:
    url, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 180.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return 0
        except OSError:
            time.sleep(max(0.0, min(2.0, deadline - time.monotonic())))
    print(f"ZAP did not answer at {url} within {seconds:g}s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
