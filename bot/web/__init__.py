"""The website chat widget and the demo family-centre page that embeds it.

    python -m bot.web --port 8080 --rasa-url http://localhost:5005   (the launcher runs this)

The widget (static/widget/perheneuvo.js and .css) talks to Rasa's REST channel straight from
the parent's browser; this server only hands out the files, the demo page and the privacy page.
"""

from bot.web.server import make_app
from bot.web.settings import WebSettings

__all__ = ["WebSettings", "make_app"]
