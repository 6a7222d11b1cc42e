"""Channels between families and the Rasa server (REST input guard, web widget, Telegram),
the launcher, settings and the conversation store."""
