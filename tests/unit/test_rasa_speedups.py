"""The two Rasa speed-ups give exactly the answers Rasa's own code gives."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups


def test_event_classes_resolve_as_before():
    rasa_speedups.install()
    names = {
        cls.type_name
        for cls in all_subclasses(Event)
        if isinstance(getattr(cls, "type_name", None), str)
    }
    assert {"user", "bot", "action", "slot", "restart"} <= names
    for name in names:
        assert Event.resolve_by_type(name) is rasa_speedups._original_resolve_by_type(name)
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None


def test_action_results_are_checked_as_before():
    rasa_speedups.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hei"}]})
    with pytest.raises(jsonschema.ValidationError) as error:
        action._validate_action_result({"events": "not a list"})
    assert "Failed to validate Action server response" in error.value.message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"events": "not a list"}, RemoteAction.action_response_format_spec())
