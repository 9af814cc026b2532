"""Where providers' documents are kept: a file system location outside
``MEDIA_ROOT`` (``DOORSTEP_PRIVATE_ROOT``), which no web server serves. Files
have no URL at all; ``trust.views.document_file`` streams one to the people
allowed to see it, and logs each view. At scale the ``documents`` storage can
point at a private S3 bucket instead (``django-storages``)."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError("private documents have no URL; serve them through a view")
