"""Removes two per-message costs of Rasa 3.6 that the benchmark found; behaviour is unchanged.

1. `Event.resolve_by_type` walks the whole class tree of `Event` for every event it turns
   back into an object. Reading a stored conversation of 1,000 events spent ~100 ms per
   message in it (cProfile, `make bench`). A dictionary filled on first use returns the same
   class the walk would.
2. `RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks the
   constant response schema against the JSON-Schema meta-schema on every call: ~65 ms per
   custom action on this machine. The schema is checked once and its validator reused; the
   answer is checked exactly as before and a bad answer raises the same error.

`install()` is called by the modules the Rasa server loads from our configuration
(the REST channel and the tracker store); tests/test_rasa_speedups.py checks both fixes.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_original_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}
_action_result_validator: Optional[Any] = None


def _resolve_by_type(
    type_name: Text, default: Optional[Type[Event]] = None
) -> Optional[Type[Event]]:
    found = _event_classes.get(type_name)
    if found is None:
        found = _original_resolve_by_type(type_name, default)
        if found is not None and getattr(found, "type_name", None) == type_name:
            _event_classes[type_name] = found
    return found


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    global _action_result_validator
    if _action_result_validator is None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        _action_result_validator = validator_class(schema)
    error = jsonschema.exceptions.best_match(_action_result_validator.iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Applies both fixes (idempotent)."""
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    RemoteAction._validate_action_result = _validate_action_result
