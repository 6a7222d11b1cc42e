from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "console.knowledge"
    label = "knowledge"
    verbose_name = "Yhteystiedot, paikat ja hankkeet"
