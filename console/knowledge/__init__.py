"""People, meeting places and projects (knowledge/contacts.yml, places.yml, projects.yml):
list, read, edit, add, mark checked today, mark no longer valid, and the to-do list of facts
whose validity has ended or that nobody has checked for 12 months. Every change is checked
with the rules of `make check` on a staged copy of the whole knowledge set first."""
