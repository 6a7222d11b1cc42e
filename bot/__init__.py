"""Channels between families and the Rasa server: REST input guard, launcher (web widget and Telegram follow)."""
