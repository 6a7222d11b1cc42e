"""Publishing: the draft the editors change, its diff in Finnish, the draft bot, publishing
(check → train → answer-level evaluation → live without a restart) and the version history."""
