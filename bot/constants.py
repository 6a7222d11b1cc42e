"""Values that several processes and tools must agree on; each is defined here once."""

from __future__ import annotations

# The longest message (characters) a family's text may be; longer text is cut with a note
# (bot.message_input, the widget's input field).
MAX_MESSAGE_LENGTH = 1000
# Request bodies over this many bytes are refused: by the Rasa server (Sanic's
# SANIC_REQUEST_MAX_SIZE) and by nginx in the production profile (client_max_body_size).
REQUEST_BODY_LIMIT_BYTES = 64 * 1024
# Conversations are deleted this many days after their last message (PERHENEUVO_RETENTION_DAYS).
DEFAULT_RETENTION_DAYS = 30
# How often the launcher and the production profile run the retention clean-up.
RETENTION_INTERVAL_S = 24 * 3600
# The intent Rasa's FallbackClassifier and our guards set when the NLU is unsure.
FALLBACK_INTENT = "nlu_fallback"
# The one command a client may send on purpose: resets the conversation's tracker (the widget's
# "start over" button, Telegram's /poista).
RESTART_COMMAND = "/restart"
# Conversations the staff console holds with the live bot (the draft bot page asks both bots):
# not families', so the inbox and the statistics leave them out.
STAFF_SENDER_PREFIX = "konsoli-"
