"""What the topic pages ask of publishing: which topics the draft changes, and what someone
else changed in a topic while an editor had it open."""

from __future__ import annotations

from typing import Optional, Set

from console.content import faq
from console.publishing import diff, draft
from console.publishing.models import TopicSnapshot
from console.workspace import live_project
from staff.project import Project


def unpublished_topics() -> Set[str]:
    """The FAQ topics whose draft differs from the live file."""
    found = set()
    for change in draft.changes(live_project()):
        name = diff.topic_name(change.path)
        if name:
            found.add(name)
    return found


def remember_source(path: str, source: str) -> None:
    TopicSnapshot.objects.get_or_create(
        version=faq.version_of(source), defaults={"path": path, "source": source}
    )


def remember_opened(project: Project, topic: faq.Topic) -> None:
    """Keeps the text the editor sees, so that a later conflict can show what changed."""
    if TopicSnapshot.objects.filter(version=topic.version).exists():
        return
    source = faq.topic_path(project, topic.name).read_text(encoding="utf-8")
    if faq.version_of(source) == topic.version:
        remember_source(topic.file, source)


def changed_meanwhile(project: Project, topic: faq.Topic, opened: str) -> Optional[diff.FileDiff]:
    """What changed between the version the editor opened and the current one (None when
    that version's text is not known)."""
    snapshot = TopicSnapshot.objects.filter(version=opened).first()
    if snapshot is None:
        return None
    current = faq.topic_path(project, topic.name).read_text(encoding="utf-8")
    return diff.topic_diff(topic.name, snapshot.source, current)
