"""Renders the bot's fixed texts from the domain, so that no Finnish lives in Python."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from knowledge_base import Contact, LocalPlace, Period


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(domain: Dict[str, Any], response: str, **values: Any) -> str:
    """The first text variant of a domain response with {placeholders} filled in."""
    try:
        template = domain["responses"][response][0]["text"]
    except (KeyError, IndexError) as error:
        raise KeyError(f"domain has no text response {response!r}") from error
    return template.format_map(_Blank(values))


def answered_topic(parse_data: Dict[str, Any]) -> Optional[str]:
    """The FAQ topic ("faq/erokahvila") a message was answered with, if it was an FAQ."""
    if (parse_data.get("intent") or {}).get("name") != "faq":
        return None
    selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    return selected.get("intent_response_key") or None


def answer_metadata(domain: Dict[str, Any], topic: str) -> Dict[str, Any]:
    """The staff-written metadata (title, project) of an FAQ topic's answer in data/faq."""
    variants = domain.get("responses", {}).get(f"utter_{topic}") or [{}]
    return variants[0].get("metadata") or {}


def contact_lines(domain: Dict[str, Any], contacts: Iterable[Contact]) -> str:
    lines = []
    for contact in contacts:
        details = []
        if contact.phones:
            details.append(render(domain, "utter_contact_phone", phones=", ".join(contact.phones)))
        if contact.email:
            details.append(render(domain, "utter_contact_email", email=contact.email))
        lines.append(
            render(
                domain,
                "utter_contact_line",
                name=contact.name,
                role=contact.role,
                organisation=contact.organisation,
                details=": " + ", ".join(details)
                if details
                else render(domain, "utter_contact_no_details"),
            )
        )
    return "\n".join(lines)


def place_lines(domain: Dict[str, Any], places: Iterable[LocalPlace]) -> str:
    return "\n".join(
        render(
            domain,
            "utter_place_line",
            name=place.name,
            kind=render(domain, f"utter_place_kind_{place.kind}"),
            note=f" ({place.note})" if place.note else "",
        )
        for place in places
    )


def years_of(periods: Iterable[Period]) -> str:
    periods = list(periods)
    return Period(min(p.start for p in periods), max(p.until for p in periods)).years
