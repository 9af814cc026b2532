"""Real images made in memory with Pillow, for upload tests."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageDraw

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_bytes(
    kind: str = "JPEG",
    size: tuple[int, int] = (800, 600),
    *,
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    colours = {"RGB": ("teal", "crimson"), "RGBA": ((0, 128, 128, 0), "crimson")}
    background, mark = colours.get(mode, (1, 0))
    image = Image.new(mode, size, background)
    # A block in the top-left corner, so rotations can be told apart.
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 2, size[1] // 4], fill=mark)
    buffer = BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_upload(kind: str = "JPEG", size: tuple[int, int] = (800, 600), **kw):
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[kind]
    return upload(
        image_bytes(kind, size, **kw), f"photo.{extension}", CONTENT_TYPES[kind]
    )


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: camera, position (Shanghai) and orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Pocket 12"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 49.44)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 25.32)
    return exif
