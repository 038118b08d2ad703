"""Photos: only real pictures get in, they come out as clean upright JPEGs, and when and where they were taken is
kept aside for the database. Every picture here is made by Pillow in the test; the repository holds no binaries."""

import datetime as dt
import hashlib
import re
import struct
import zlib
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.utils import translation
from django.utils.functional import Promise
from PIL import ExifTags, Image, ImageCms

from core.errors import DomainError
from core.images import CleanImage, image_clean, photo_thumbnail_upload_to, photo_upload_to
from core.models import PhotoBase, User
from core.views import serve_protected_file

RED = (220, 20, 20)
BLUE = (20, 20, 220)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def two_halves(size=(400, 300)) -> Image.Image:
    """Left half red, right half blue: after a turn one can tell which way it went."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def phone_exif(
    *, orientation=6, taken="2025:05:01 09:30:15", offset=None, lat=None, lat_ref="N", lon=None, lon_ref="E"
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone"
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    if taken:
        exif_ifd[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        gps[ExifTags.GPS.GPSLatitude] = lat
        gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        gps[ExifTags.GPS.GPSLongitude] = lon
    return exif


def encode(image: Image.Image, image_format="JPEG", **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def upload(data: bytes, name="IMG_0001.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        image_clean(upload(data), **kwargs)
    return caught.value


def reopen(content: bytes) -> Image.Image:
    image = Image.open(BytesIO(content))
    image.load()
    return image


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width` × `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


# What comes out ---------------------------------------------------------------------------------------------------


def test_phone_photo_is_turned_upright():
    clean = image_clean(upload(encode(two_halves((400, 300)), exif=phone_exif(orientation=6))))

    assert (clean.width, clean.height) == (300, 400)
    output = reopen(clean.content)
    assert output.size == (300, 400)
    # Orientation 6: the stored picture is turned a quarter clockwise to be seen, so its left half ends on top.
    assert close_to(output.getpixel((150, 50)), RED)
    assert close_to(output.getpixel((150, 350)), BLUE)


def test_output_carries_no_metadata_at_all():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = phone_exif(lat=(31.0, 14.0, 2.5), lon=(121.0, 28.0, 0.0))
    original = encode(
        two_halves(), exif=exif, comment=b"home address", xmp=b"<x:xmpmeta>GPS</x:xmpmeta>", icc_profile=srgb
    )

    assert b"home address" in original
    assert b"xmpmeta" in original

    clean = image_clean(upload(original))

    output = reopen(clean.content)
    assert output.format == "JPEG"
    assert output.mode == "RGB"
    assert len(output.getexif()) == 0
    assert output.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert set(output.info) <= {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "progressive",
        "progression",
    }
    assert b"Exif\x00\x00" not in clean.content
    assert b"home address" not in clean.content
    assert b"xmpmeta" not in clean.content
    assert b"Exif\x00\x00" not in clean.thumbnail


def test_time_and_position_are_read_from_the_original_exif():
    exif = phone_exif(lat=(33.0, 52.0, 4.8), lat_ref="S", lon=(151.0, 12.0, 36.0), lon_ref="E")

    clean = image_clean(upload(encode(two_halves(), exif=exif)))

    assert clean.taken_at == dt.datetime(2025, 5, 1, 9, 30, 15, tzinfo=SHANGHAI)
    assert clean.latitude == Decimal("-33.868000")
    assert clean.longitude == Decimal("151.210000")


def test_west_longitude_and_an_explicit_offset():
    exif = phone_exif(
        taken="2024:11:30 23:05:00",
        offset="-05:00",
        lat=(40.0, 26.0, 46.0),
        lat_ref="N",
        lon=(79.0, 58.0, 56.0),
        lon_ref="W",
    )

    clean = image_clean(upload(encode(two_halves(), exif=exif)))

    assert clean.taken_at == dt.datetime(2024, 12, 1, 4, 5, tzinfo=dt.UTC)
    assert clean.latitude == Decimal("40.446111")
    assert clean.longitude == Decimal("-79.982222")


def test_time_without_offset_is_taken_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "Asia/Urumqi"

    clean = image_clean(upload(encode(two_halves(), exif=phone_exif(taken="2025:01:02 08:00:00"))))

    assert clean.taken_at == dt.datetime(2025, 1, 2, 2, 0, tzinfo=dt.UTC)


def test_missing_or_broken_exif_gives_no_time_and_no_position():
    plain = image_clean(upload(encode(two_halves())))
    broken = image_clean(
        upload(
            encode(
                two_halves(),
                exif=phone_exif(taken="0000:00:00 00:00:00", lat=(31.0, 14.0, 2.5), lat_ref="", lon=(0, 0, 0)),
            )
        )
    )
    no_fix = image_clean(upload(encode(two_halves(), exif=phone_exif(lat=(0.0, 0.0, 0.0), lon=(0.0, 0.0, 0.0)))))

    assert (plain.taken_at, plain.latitude, plain.longitude) == (None, None, None)
    assert (broken.taken_at, broken.latitude, broken.longitude) == (None, None, None)
    assert (no_fix.latitude, no_fix.longitude) == (None, None)


def test_png_with_transparency_becomes_an_rgb_jpeg_on_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((*BLUE, 255), (100, 0, 200, 100))

    clean = image_clean(upload(encode(image, "PNG"), name="screenshot.png", content_type="image/png"))

    output = reopen(clean.content)
    assert (output.format, output.mode, output.size) == ("JPEG", "RGB", (200, 100))
    assert close_to(output.getpixel((50, 50)), (255, 255, 255), tolerance=8)
    assert close_to(output.getpixel((150, 50)), BLUE)


def test_mpo_from_a_phone_is_accepted_and_its_first_picture_kept():
    data = encode(
        two_halves(), "MPO", save_all=True, append_images=[Image.new("RGB", (400, 300), "green")], exif=phone_exif()
    )
    assert Image.open(BytesIO(data)).format == "MPO"

    clean = image_clean(upload(data))

    output = reopen(clean.content)
    assert output.size == (300, 400)
    assert close_to(output.getpixel((150, 50)), RED)
    assert clean.taken_at == dt.datetime(2025, 5, 1, 9, 30, 15, tzinfo=SHANGHAI)


@pytest.mark.parametrize("mode", ["1", "L", "P", "LA", "CMYK", "I;16"])
def test_every_colour_mode_becomes_rgb(mode):
    image = two_halves().convert(mode) if mode != "I;16" else Image.new("I;16", (400, 300), 40000)
    image_format = "JPEG" if mode in ("L", "CMYK") else "PNG"

    clean = image_clean(upload(encode(image, image_format)))

    output = reopen(clean.content)
    assert (output.mode, output.size) == ("RGB", (400, 300))


def test_unreadable_colour_profile_does_not_cost_the_photo():
    clean = image_clean(upload(encode(two_halves(), icc_profile=b"not a profile")))

    output = reopen(clean.content)
    assert "icc_profile" not in output.info
    assert close_to(output.getpixel((50, 50)), RED)


def test_webp_is_accepted():
    clean = image_clean(upload(encode(two_halves(), "WEBP"), name="a.webp", content_type="image/webp"))

    assert reopen(clean.content).format == "JPEG"
    assert (clean.width, clean.height) == (400, 300)


def test_large_photo_is_downsized_to_the_configured_long_side():
    clean = image_clean(upload(encode(two_halves((3000, 2000)), quality=60)))

    assert (clean.width, clean.height) == (2560, 1707)
    assert reopen(clean.content).size == (2560, 1707)


def test_large_jpeg_downsized_through_a_reduced_decode_keeps_its_picture(settings):
    settings.PHOTO_MAX_SIDE = 500

    clean = image_clean(upload(encode(two_halves((4000, 3000)), exif=phone_exif(orientation=6))))

    output = reopen(clean.content)
    assert output.size == (375, 500)
    assert close_to(output.getpixel((180, 60)), RED)
    assert close_to(output.getpixel((180, 440)), BLUE)


def test_small_photo_is_not_enlarged():
    clean = image_clean(upload(encode(two_halves((120, 90)))))

    assert (clean.width, clean.height) == (120, 90)
    assert reopen(clean.thumbnail).size == (120, 90)


def test_thumbnail_has_a_long_side_of_320():
    clean = image_clean(upload(encode(two_halves((1000, 600)))))

    thumbnail = reopen(clean.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (320, 192)


def test_sha256_is_of_the_stored_picture():
    clean = image_clean(upload(encode(two_halves())))

    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()


def test_same_input_gives_the_same_output():
    data = encode(two_halves(), exif=phone_exif(lat=(31.0, 14.0, 2.5), lon=(121.0, 28.0, 0.0)))

    first = image_clean(upload(data))
    second = image_clean(data)

    assert first == second
    assert first.content == second.content
    assert first.thumbnail == second.thumbnail


# What is refused --------------------------------------------------------------------------------------------------


def test_text_file_named_like_a_photo_is_refused():
    error = refusal(b"just some text, not a picture\n" * 20)

    assert error.message == "This file is not a picture."
    assert error.code == "photo_not_image"


@pytest.mark.parametrize("image_format", ["GIF", "TIFF", "BMP"])
def test_pictures_in_other_formats_are_refused(image_format):
    error = refusal(encode(two_halves(), image_format))

    assert error.message == "This file is not a picture."


def test_truncated_jpeg_is_refused():
    data = encode(two_halves((800, 600)), quality=95)

    error = refusal(data[: len(data) // 2])

    assert error.message == "The picture is damaged or incomplete; take it or send it again."
    assert error.code == "photo_damaged"


def test_truncated_jpeg_is_refused_when_decoded_at_reduced_scale(settings):
    settings.PHOTO_MAX_SIDE = 100
    data = encode(two_halves((1600, 1200)), quality=95)

    error = refusal(data[: len(data) // 2])

    assert error.code == "photo_damaged"


def test_truncated_png_is_refused():
    data = encode(Image.effect_noise((300, 300), 64), "PNG")

    assert refusal(data[: len(data) // 2]).code == "photo_damaged"


def test_empty_file_is_refused():
    error = refusal(b"")

    assert error.message == "The file is empty."
    assert error.code == "photo_empty"


def test_file_over_the_byte_limit_is_refused(settings):
    settings.PHOTO_MAX_BYTES = 1000
    data = encode(Image.effect_noise((200, 200), 64).convert("RGB"), quality=95)
    assert len(data) > 2048

    error = refusal(data)

    size = len(data) / 1024
    assert error.message == f"The picture is {size:.1f}\xa0KB; the limit is 1000\xa0bytes."
    assert error.code == "photo_too_big"


def test_byte_limit_can_be_given_by_the_caller():
    data = encode(two_halves())

    error = refusal(data, max_bytes=len(data) - 1)

    assert error.code == "photo_too_big"
    assert image_clean(upload(data), max_bytes=len(data)).width == 400


def test_byte_limit_holds_when_the_declared_size_is_wrong(settings):
    settings.PHOTO_MAX_BYTES = 1000
    data = encode(Image.effect_noise((200, 200), 64).convert("RGB"), quality=95)
    lying = upload(data)
    lying.size = 10

    with pytest.raises(DomainError) as caught:
        image_clean(lying)

    assert caught.value.code == "photo_too_big"


def test_byte_limit_holds_for_bytes_too(settings):
    settings.PHOTO_MAX_BYTES = 10

    with pytest.raises(DomainError, match="the limit is 10"):
        image_clean(encode(two_halves()))


def test_decompression_bomb_is_refused_before_it_is_decoded():
    error = refusal(png_claiming(50_000, 50_000), max_pixels=10**12)

    # Pillow's own guard caps ours: the message names the lower of the two limits.
    assert error.message == f"The picture is too large (more than {Image.MAX_IMAGE_PIXELS:,} pixels)."
    assert error.code == "photo_too_many_pixels"


def test_picture_over_pillows_warning_limit_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)

    error = refusal(encode(two_halves((80, 80))))  # 6,400 pixels: Pillow only warns

    assert error.message == "The picture is too large (more than 5,000 pixels)."


def test_picture_with_too_many_pixels_is_refused(settings):
    settings.PHOTO_MAX_PIXELS = 10_000

    error = refusal(encode(two_halves((200, 100))))

    assert error.message == "The picture is too large (200 × 100 pixels); the limit is 10,000 pixels."
    assert error.code == "photo_too_many_pixels"


def test_bomb_shaped_png_within_the_limits_is_refused_as_damaged():
    assert refusal(png_claiming(3000, 3000)).code == "photo_damaged"


# Storing and serving ----------------------------------------------------------------------------------------------


PHOTO_PATH = re.compile(r"^photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")
THUMBNAIL_PATH = re.compile(r"^photos/thumbnails/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")


def test_photo_path_is_random_and_never_uses_the_uploaded_name():
    first = photo_upload_to(None, "张三家门口 IMG_0001.HEIC")
    second = photo_upload_to(None, "张三家门口 IMG_0001.HEIC")

    assert PHOTO_PATH.match(first)
    assert PHOTO_PATH.match(second)
    assert first != second
    assert "IMG" not in first
    assert THUMBNAIL_PATH.match(photo_thumbnail_upload_to(None, "IMG_0001.jpg"))


@pytest.fixture
def photo_model():
    """A concrete photo model in a registry of its own, so the project's models and migrations never see it."""
    with isolate_apps("core") as apps:
        apps.register_model("core", User)

        class EvidencePhoto(PhotoBase):
            caption = models.CharField(max_length=100, blank=True)

            class Meta:
                app_label = "core"

        yield EvidencePhoto


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def store(photo):
    """What saving the row does to the files: they go to storage under their upload_to names."""
    for name in ("image", "thumbnail"):
        photo._meta.get_field(name).pre_save(photo, add=True)
    return photo


def test_build_from_gives_an_unsaved_photo_with_its_files_attached(photo_model, media_root):
    user = User(username="inspector")
    data = encode(two_halves(), exif=phone_exif(lat=(31.0, 14.0, 2.5), lon=(121.0, 28.0, 0.0)))
    clean = image_clean(upload(data))

    photo = photo_model.build_from(clean, uploaded_by=user, caption="东门口")

    assert photo.pk is None
    assert photo.uploaded_by is user
    assert photo.caption == "东门口"
    assert (photo.width, photo.height, photo.sha256) == (300, 400, clean.sha256)
    assert photo.taken_at == dt.datetime(2025, 5, 1, 9, 30, 15, tzinfo=SHANGHAI)
    assert (photo.latitude, photo.longitude) == (Decimal("31.234028"), Decimal("121.466667"))
    assert list(media_root.iterdir()) == []  # nothing stored before the row is saved

    store(photo)

    assert PHOTO_PATH.match(photo.image.name)
    assert THUMBNAIL_PATH.match(photo.thumbnail.name)
    assert (media_root / photo.image.name).read_bytes() == clean.content
    assert (media_root / photo.thumbnail.name).read_bytes() == clean.thumbnail


def test_every_photo_field_has_a_translatable_name():
    fields = PhotoBase._meta.local_fields

    assert [field.name for field in fields] == [
        "image", "thumbnail", "width", "height", "sha256", "taken_at", "latitude", "longitude", "uploaded_by",
        "uploaded_at",
    ]  # fmt: skip
    assert all(isinstance(field.verbose_name, Promise) for field in fields)


def photo_file(photo_model, media_root) -> tuple[CleanImage, object]:
    clean = image_clean(upload(encode(two_halves())))
    photo = store(photo_model.build_from(clean, uploaded_by=User(username="liaison")))
    return clean, photo


def test_serve_protected_file_streams_the_photo_inline_and_privately(photo_model, media_root, db):
    clean, photo = photo_file(photo_model, media_root)

    response = serve_protected_file(RequestFactory().get("/"), photo.image)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == clean.content
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(clean.content))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"] == f'inline; filename="{photo.image.name.rsplit("/", 1)[1]}"'
    response.close()


def test_serve_protected_file_as_an_attachment_with_a_given_name(photo_model, media_root, db):
    clean, photo = photo_file(photo_model, media_root)

    response = serve_protected_file(
        RequestFactory().get("/"), photo.thumbnail, filename="问题-12.jpg", as_attachment=True
    )

    assert b"".join(response.streaming_content) == clean.thumbnail
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E9%97%AE%E9%A2%98-12.jpg"
    response.close()


def test_serve_protected_file_answers_404_for_a_missing_file(photo_model, media_root, db):
    _, photo = photo_file(photo_model, media_root)
    default_storage.delete(photo.image.name)

    with pytest.raises(Http404):
        serve_protected_file(RequestFactory().get("/"), photo.image)
    with pytest.raises(Http404):
        serve_protected_file(RequestFactory().get("/"), photo_model().image)
