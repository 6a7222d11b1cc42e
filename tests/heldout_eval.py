"""The held-out evaluation now lives in staff/evaluation.py (`make eval`); this module keeps
the names that scripts/compare_pipelines.py and the tests import.

    python -m tests.heldout_eval        (the same as `python -m staff eval`)
"""

from __future__ import annotations

import sys

from staff.evaluation import (  # noqa: F401
    LOOKUP_ANSWERS,
    REQUIRED_ACCURACY,
    Result,
    evaluate,
    load_questions,
    predicted_topic,
)

if __name__ == "__main__":
    from staff.__main__ import main

    sys.exit(main(["eval"]))
