"""Staff tools: check the data, evaluate the model, reload it, read the inbox of unanswered
messages and add them as examples.

    python -m staff <command>      (the Makefile targets check, eval, reload, inbox, inbox-add)

Every text a staff member reads comes from `staff/messages.yml`; docs/komentorivi.md is the
guide (the staff console's guide for family-centre staff is docs/henkilokunnalle.md).
"""
