from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "doorstep.catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from doorstep.catalog.cache import forget_categories
        from doorstep.catalog.models import Category

        post_save.connect(forget_categories, sender=Category, dispatch_uid="categories")
        post_delete.connect(
            forget_categories, sender=Category, dispatch_uid="categories"
        )
