"""Listing photos: make sure an upload is a real, reasonable image, then make the
copies we serve.

Trust nothing the client says: not the file name, not the content type. The file
is an image only if Pillow, restricted to JPEG, PNG and WebP decoders, decodes all
of it. Its dimensions are checked from the header before the pixels are decoded,
so a small file that inflates to gigabytes (a decompression bomb) is refused
cheaply.

What we store is re-encoded from the decoded pixels: EXIF (with the GPS position
phones write into every photo), XMP and ICC data are gone, and so is anything a
crafted file hid after the image data. The EXIF orientation is applied first, so
portrait photos stay upright once the tag that said "rotate me" is dropped.
"""

import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from doorstep.core.errors import DomainError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS_PER_LISTING = 10
MAX_LONG_SIDE = 1600
THUMBNAIL_LONG_SIDE = 400

# WebP: a third smaller than JPEG at the same quality, keeps transparency, and
# every browser we support shows it.
OUTPUT_FORMAT = "WEBP"
OUTPUT_EXTENSION = "webp"
IMAGE_QUALITY = 82
THUMBNAIL_QUALITY = 78

# Raised by Pillow's decoders on truncated or malformed data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    image_name: str
    thumbnail_name: str


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, status=400, fields={"photo": [message]})


def _not_an_image() -> DomainError:
    return _refuse(
        "invalid_photo",
        _("This file is not a photo we can use. Upload a JPEG, PNG or WebP image."),
    )


def _too_many_pixels() -> DomainError:
    return _refuse(
        "photo_too_large",
        _("This photo has too many pixels (at most %(megapixels)d megapixels).")
        % {"megapixels": MAX_PIXELS // 1_000_000},
    )


def _decode(upload: File) -> Image.Image:
    """The fully decoded first frame of ``upload``, or a ``DomainError``."""
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; any warning
        # about size is a refusal here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload, formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, *_DECODE_ERRORS):
            raise _not_an_image() from None
        if image.format not in ACCEPTED_FORMATS:
            raise _not_an_image()
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _not_an_image() from None
    return image


def _encode(image: Image.Image, *, quality: int) -> bytes:
    buffer = BytesIO()
    image.save(buffer, OUTPUT_FORMAT, quality=quality, method=4)
    return buffer.getvalue()


def process_photo(upload: File) -> ProcessedPhoto:
    """Check an uploaded photo and return the copies to store: the photo with its
    long side capped at ``MAX_LONG_SIDE`` and a thumbnail of
    ``THUMBNAIL_LONG_SIDE``, both WebP without metadata, under random names.

    Raises ``DomainError`` 400 on the ``photo`` field for a file that is too big,
    is not a JPEG, PNG or WebP image, is damaged, or has too many pixels.
    """
    if upload is None:
        raise _refuse("photo_missing", _("Choose a photo to upload."))
    size = upload.size
    if size is None or size > MAX_UPLOAD_BYTES:
        raise _refuse(
            "photo_too_big",
            _("This file is too big. Upload a photo of at most %(megabytes)d MB.")
            % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    if size == 0:
        raise _not_an_image()
    decoded = _decode(upload)
    upright = ImageOps.exif_transpose(decoded)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    clean.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    thumbnail = clean.copy()
    thumbnail.thumbnail(
        (THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS
    )
    stem = secrets.token_urlsafe(12)
    return ProcessedPhoto(
        image=ContentFile(_encode(clean, quality=IMAGE_QUALITY)),
        thumbnail=ContentFile(_encode(thumbnail, quality=THUMBNAIL_QUALITY)),
        width=clean.width,
        height=clean.height,
        image_name=f"{stem}.{OUTPUT_EXTENSION}",
        thumbnail_name=f"{stem}-thumb.{OUTPUT_EXTENSION}",
    )


def process_photos(photos: Sequence[File], *, at_most: int) -> list[ProcessedPhoto]:
    """``process_photo`` for each of up to ``at_most`` photos sent together (a
    delivery's, a review's, a dispute's or a claim's). Raises ``DomainError``
    400 on the ``photos`` field: ``too_many_photos``, or the first photo's
    refusal."""
    if len(photos) > at_most:
        message = ngettext(
            "Attach at most %(count)d photo.",
            "Attach at most %(count)d photos.",
            at_most,
        ) % {"count": at_most}
        raise DomainError(
            "too_many_photos", message, status=400, fields={"photos": [message]}
        )
    processed = []
    for photo in photos:
        try:
            processed.append(process_photo(photo))
        except DomainError as error:
            messages = [text for items in error.fields.values() for text in items]
            raise DomainError(
                error.code,
                error.message,
                status=error.status,
                fields={"photos": messages or [error.message]},
            ) from error
    return processed
