"""Security headers on every response of the web server."""

from __future__ import annotations

from typing import Dict


def content_security_policy(rasa_origin: str) -> str:
    """Scripts, styles and images only from this server; the page may talk only to Rasa."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {rasa_origin}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(path: str, rasa_origin: str) -> Dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(rasa_origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-cache",
    }
    # The widget's files are loaded by municipalities' pages on other origins.
    headers["Cross-Origin-Resource-Policy"] = (
        "cross-origin" if path.startswith("/widget/") else "same-origin"
    )
    return headers
