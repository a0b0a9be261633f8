"""Parsers for the response headers that carry security policy.

Each module turns header values into a small typed object and records what is malformed,
so that checks judge what a browser would enforce instead of matching substrings:

* :mod:`.csp`: Content-Security-Policy (directives, sources, nonces, hashes,
  ``'strict-dynamic'``, fallback to ``default-src``, several policies combined);
* :mod:`.hsts`: Strict-Transport-Security;
* :mod:`.referrer`: Referrer-Policy (the last valid token wins);
* :mod:`.permissions`: Permissions-Policy (a structured-field dictionary) and Feature-Policy;
* :mod:`.cache_control`: Cache-Control;
* :mod:`.set_cookie`: Set-Cookie (RFC 6265bis attributes, lifetime, prefixes);
* :mod:`.simple`: single-token headers (X-Frame-Options, X-Content-Type-Options, COOP, COEP, CORP).
"""

from .cache_control import CacheControl, parse_cache_control
from .csp import CspPolicy, CspSet, parse_csp
from .hsts import Hsts, parse_hsts
from .permissions import PermissionsPolicy, parse_permissions_policy
from .referrer import ReferrerPolicy, parse_referrer_policy
from .set_cookie import SetCookie, parse_set_cookie
from .simple import SingleToken, parse_coep, parse_coop, parse_corp, parse_xcto, parse_xfo

__all__ = [
    "CacheControl", "CspPolicy", "CspSet", "Hsts", "PermissionsPolicy", "ReferrerPolicy", "SetCookie", "SingleToken",
    "parse_cache_control", "parse_coep", "parse_coop", "parse_corp", "parse_csp", "parse_hsts",
    "parse_permissions_policy", "parse_referrer_policy", "parse_set_cookie", "parse_xcto", "parse_xfo",
]
