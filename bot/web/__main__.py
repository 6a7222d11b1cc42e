"""Runs the web server: python -m bot.web --port 8080 --rasa-url http://localhost:5005"""

from aiohttp import web

from bot.web import WebSettings, make_app

if __name__ == "__main__":
    settings = WebSettings.from_argv()
    web.run_app(make_app(settings), host=settings.host, port=settings.port, print=None)
