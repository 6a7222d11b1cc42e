from django.db import models


class Topic(models.Model):
    """No table: the topics live in data/faq/*.yml. The model only carries the permissions
    the roles are made of."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("edit_draft", "Voi muokata luonnoksia"),
            ("publish", "Voi julkaista muutoksia"),
        ]
