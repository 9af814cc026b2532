"""A private storage that signs URLs as S3 does, without a bucket: files stay
on disk, ``url()`` answers what a presigned URL would carry."""

from urllib.parse import urlencode

from django.core.files.storage import FileSystemStorage

SIGNED_HOST = "https://bucket.test"


class SigningStorage(FileSystemStorage):
    signs_urls = True

    def url(self, name, parameters=None, expire=None):
        query = urlencode({**(parameters or {}), "X-Amz-Expires": expire})
        return f"{SIGNED_HOST}/private/{name}?{query}"
