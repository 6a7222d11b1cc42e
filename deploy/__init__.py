"""The production profile: PostgreSQL as the conversation store, Redis as the lock store,
several Rasa servers and the action server behind nginx, all started and kept running by one
command from Debian's packages.

    python -m deploy            (what `make run-production` does; Ctrl-C stops everything)

docs/production.md describes the profile; deploy/production.env.example lists its settings.
"""
