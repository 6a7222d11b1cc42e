"""Benchmark: Perheneuvo against a yardstick bot made with `rasa init`, in one run.

    .venv/bin/python -m scripts.bench           (what `make bench` does)
    .venv/bin/python -m scripts.bench --quick   (smoke run: fewer messages, no training timings)

For each bot, through the REST channel (POST /webhooks/rest/webhook) on 127.0.0.1:
  - start-up time: from spawning the servers until they answer;
  - single user: sequential messages from one sender after a warm-up (p50/p95/mean latency);
  - concurrent: 20 conversations in parallel, each sending its messages in turn
    (p50/p95 latency, wall time, messages per second);
  - resident memory (VmRSS) of the Rasa server after the load, child processes included
    (for Perheneuvo also the action server);
  - full training time (`rasa train --force` with an empty cache), before any server runs;
  - the production profile (`python -m deploy`, two Rasa servers behind nginx): start-up and
    the same load through nginx, plus 100 concurrent conversations x 10 messages;
  - the staff console's publish → answer time (scripts/bench/publish.py): from pressing
    *Julkaise* until the running bot answers with the new text (target < 2 min).
The two bots run one after the other, never both under load. The figures are printed as a
table, then one line per target, then all figures as one JSON line prefixed "BENCH_JSON ".
Nothing is asserted: the exit status is 0 whenever the measurements could be made.
Rasa's telemetry is switched off for every process (RASA_TELEMETRY_ENABLED=false).

Parts: common (paths, messages, targets, timed commands), processes (memory and CPU from
/proc), load (the load generator and latency figures), perheneuvo and yardstick (each bot's
servers), production (the production profile), report (table and targets), __main__.
"""
