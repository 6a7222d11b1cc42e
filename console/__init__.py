"""The staff console: family-centre staff keep Perheneuvo's answers current in a browser.

    python -m console                 serve it (waitress) on 127.0.0.1:8090 (`make run` does)
    python -m console <command>       any Django management command, e.g. staff_user

A Django project, one app per concern: `accounts` (roles, regions, the first administrator),
`audit` (who changed what, when), `content` (the FAQ topics in data/faq/). Settings come from
the environment (console/settings.py); every text staff read is Finnish, in the templates and
in console/messages.yml.
"""
