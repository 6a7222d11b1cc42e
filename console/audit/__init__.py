"""The audit log: who changed what, and when. Every change the console makes writes a row."""
