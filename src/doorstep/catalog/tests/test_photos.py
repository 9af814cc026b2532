"""Listing photos: only real JPEG, PNG and WebP images get in; what is stored is
re-encoded (no EXIF, no GPS), upright, capped in size, with a thumbnail."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image

from doorstep.catalog import photos, services
from doorstep.catalog.models import ListingPhoto
from doorstep.catalog.tests.images import (
    gps_exif,
    image_bytes,
    image_upload,
    upload,
)
from doorstep.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


def _add(listing, owner, file, **kw) -> ListingPhoto:
    return services.add_listing_photo(
        actor=owner, listing_id=listing.public_id, upload=file, **kw
    )


def _stored(field) -> Image.Image:
    with default_storage.open(field.name) as stored:
        image = Image.open(BytesIO(stored.read()))
        image.load()
    return image


def _refusal(listing, owner, file) -> DomainError:
    with pytest.raises(DomainError) as excinfo:
        _add(listing, owner, file)
    assert excinfo.value.status == 400
    assert list(excinfo.value.fields) == ["photo"]
    assert not ListingPhoto.objects.exists()
    return excinfo.value


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted_and_stored_as_webp(draft, owner, kind):
    photo = _add(draft, owner, image_upload(kind, (800, 600)), alt_text=" Kitchen ")

    assert (photo.width, photo.height) == (800, 600)
    assert photo.alt_text == "Kitchen"
    assert photo.position == 0
    assert photo.image.name.startswith("listings/")
    assert photo.image.name.endswith(".webp")
    assert "photo" not in photo.image.name  # never the uploader's file name
    stored = _stored(photo.image)
    assert stored.format == "WEBP"
    assert stored.size == (800, 600)


def test_photos_go_last_and_reindex_the_listing(draft, owner, indexed):
    first = _add(draft, owner, image_upload())
    second = _add(draft, owner, image_upload("PNG"))

    assert (first.position, second.position) == (0, 1)
    assert indexed == [("index", draft.pk), ("index", draft.pk)]


def test_a_large_photo_is_capped_and_gets_a_400px_thumbnail(draft, owner):
    photo = _add(draft, owner, image_upload("JPEG", (3000, 1500)))

    assert (photo.width, photo.height) == (1600, 800)
    assert _stored(photo.image).size == (1600, 800)
    assert _stored(photo.thumbnail).size == (400, 200)


def test_a_small_photo_is_not_enlarged(draft, owner):
    photo = _add(draft, owner, image_upload("PNG", (300, 200)))

    assert _stored(photo.image).size == (300, 200)
    assert _stored(photo.thumbnail).size == (300, 200)


def test_gps_and_camera_exif_are_stripped(draft, owner):
    original = image_bytes("JPEG", exif=gps_exif())
    assert Image.open(BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    photo = _add(draft, owner, upload(original))

    for field in (photo.image, photo.thumbnail):
        stored = _stored(field)
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in stored.info
        assert "xmp" not in stored.info
        with default_storage.open(field.name) as raw:
            data = raw.read()
        assert b"PhoneCo" not in data
        assert b"GPS" not in data


def test_exif_orientation_is_applied_before_it_is_dropped(draft, owner):
    # Orientation 6: the camera was turned; viewers rotate the 400×200 pixels
    # by 90° to show a 200×400 portrait.
    original = image_bytes("JPEG", (400, 200), exif=gps_exif(orientation=6))

    photo = _add(draft, owner, upload(original))

    stored = _stored(photo.image).convert("RGB")
    assert stored.size == (200, 400)
    assert (photo.width, photo.height) == (200, 400)
    # The marked top-left block ends up in the top-right corner.
    red, green, _blue = stored.getpixel((190, 10))
    assert red > 150
    assert green < 100
    assert stored.getpixel((10, 390))[1] > 100  # teal there


def test_transparency_survives(draft, owner):
    photo = _add(draft, owner, image_upload("PNG", mode="RGBA"))

    assert _stored(photo.image).mode == "RGBA"


def test_a_text_file_named_jpg_is_refused(draft, owner):
    fake = upload(b"GIF89a? no, just text pretending" * 10, "holiday.jpg")

    error = _refusal(draft, owner, fake)

    assert error.code == "invalid_photo"


@pytest.mark.parametrize(
    ("kind", "name"), [("GIF", "anim.gif"), ("BMP", "scan.bmp"), ("TIFF", "x.tif")]
)
def test_other_image_formats_are_refused(draft, owner, kind, name):
    buffer = BytesIO()
    Image.new("RGB", (50, 50), "red").save(buffer, kind)

    error = _refusal(draft, owner, upload(buffer.getvalue(), name, "image/jpeg"))

    assert error.code == "invalid_photo"


def test_a_truncated_image_is_refused(draft, owner):
    whole = image_bytes("JPEG", (800, 600))

    error = _refusal(draft, owner, upload(whole[: len(whole) // 2]))

    assert error.code == "invalid_photo"


def test_an_empty_file_is_refused(draft, owner):
    _refusal(draft, owner, upload(b""))


def test_a_file_over_8_mb_is_refused_before_decoding(draft, owner):
    padding = b"\0" * photos.MAX_UPLOAD_BYTES
    big = upload(image_bytes("PNG", (10, 10)) + padding, "big.png", "image/png")

    error = _refusal(draft, owner, big)

    assert error.code == "photo_too_big"


def test_an_image_of_over_40_megapixels_is_refused(draft, owner):
    # A few kilobytes on disk, 50 megapixels decoded: a decompression bomb.
    bomb = upload(image_bytes("PNG", (10_000, 5_000), mode="1"), "bomb.png")
    assert bomb.size < 100_000

    error = _refusal(draft, owner, bomb)

    assert error.code == "photo_too_large"


def test_a_listing_has_at_most_ten_photos(draft, owner):
    for _ in range(photos.MAX_PHOTOS_PER_LISTING):
        _add(draft, owner, image_upload("PNG", (40, 30)))

    with pytest.raises(DomainError) as excinfo:
        _add(draft, owner, image_upload("PNG", (40, 30)))

    assert excinfo.value.code == "too_many_photos"
    assert draft.photos.count() == photos.MAX_PHOTOS_PER_LISTING


def test_a_plan_with_extra_photos_raises_the_limit(draft, owner, monkeypatch):
    """The plan's perk is read through ``subscriptions.perks`` only."""
    from doorstep.subscriptions.perks import Perks

    monkeypatch.setattr(services, "perks_of", lambda provider: Perks(extra_photos=2))
    for _ in range(photos.MAX_PHOTOS_PER_LISTING + 2):
        _add(draft, owner, image_upload("PNG", (40, 30)))

    with pytest.raises(DomainError) as excinfo:
        _add(draft, owner, image_upload("PNG", (40, 30)))

    assert excinfo.value.code == "too_many_photos"
    assert "12" in excinfo.value.message
    assert draft.photos.count() == photos.MAX_PHOTOS_PER_LISTING + 2


def test_someone_else_cannot_add_or_remove_photos(draft, owner, stranger):
    photo = _add(draft, owner, image_upload())

    with pytest.raises(NotFound):
        _add(draft, stranger, image_upload())
    with pytest.raises(NotFound):
        services.remove_listing_photo(
            actor=stranger, listing_id=draft.public_id, photo_id=photo.public_id
        )
    assert draft.photos.count() == 1


def test_removing_a_photo_deletes_its_files_after_commit(
    draft, owner, django_capture_on_commit_callbacks
):
    photo = _add(draft, owner, image_upload())
    names = [photo.image.name, photo.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_listing_photo(
            actor=owner, listing_id=draft.public_id, photo_id=photo.public_id
        )

    assert not ListingPhoto.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_photos_are_reordered(draft, owner):
    first = _add(draft, owner, image_upload())
    second = _add(draft, owner, image_upload())

    services.reorder_listing_photos(
        actor=owner,
        listing_id=draft.public_id,
        photo_ids=[second.public_id, first.public_id],
    )

    assert list(draft.photos.values_list("public_id", flat=True)) == [
        second.public_id,
        first.public_id,
    ]
    with pytest.raises(DomainError) as excinfo:
        services.reorder_listing_photos(
            actor=owner, listing_id=draft.public_id, photo_ids=[first.public_id]
        )
    assert list(excinfo.value.fields) == ["ids"]
