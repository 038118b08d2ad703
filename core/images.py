"""Photos from phones: check that an upload is a real picture, and turn it into the one form the app stores.

Problems, inspections and daily reports carry "before", "after" and evidence photos. Whatever the phone sent, the
stored file is a JPEG this module encoded itself from decoded pixels: upright, at most `PHOTO_MAX_SIDE` pixels on
its long side, in sRGB, with no EXIF, XMP, comment or colour profile in it. When and where the photo was taken are
read from the original EXIF first and returned separately, so they go to the database (shown to staff only) and
never into a file that is served.

Limits come from settings at each call, never at import: `PHOTO_MAX_BYTES` (15 MB), `PHOTO_MAX_PIXELS` (60 million)
and `PHOTO_MAX_SIDE` (2560), see config/settings.py.
"""

import datetime as dt
import hashlib
import re
import uuid
import warnings
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps

from core.errors import DomainError

THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# Pillow's JPEG opener also takes the MPO files many phones write (a JPEG followed by extra frames such as a depth
# map); it reports them as format "MPO".
FORMATS = ("JPEG", "PNG", "WEBP")
# HEIC is accepted only where a decoder is installed (pillow-heif registers it); Pillow itself has none.
OPTIONAL_FORMATS = ("HEIF",)
COORDINATE_PLACES = Decimal("0.000001")
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to store: the re-encoded JPEG and its thumbnail, with what the original EXIF said about when
    and where it was taken (for the database, never for the served file)."""

    content: bytes = field(repr=False)
    width: int
    height: int
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    sha256: str
    thumbnail: bytes = field(repr=False)


def image_clean(upload, *, max_bytes: int | None = None, max_pixels: int | None = None) -> CleanImage:
    """Decode an uploaded photo (an `UploadedFile`, any Django `File`, or bytes) and re-encode it.

    Raises `DomainError` with a message for the user when the upload is empty, too big, not a JPEG, PNG, WebP (or
    HEIC where supported) picture, damaged, or has too many pixels.
    """
    if max_bytes is None:
        max_bytes = settings.PHOTO_MAX_BYTES
    if max_pixels is None:
        max_pixels = settings.PHOTO_MAX_PIXELS
    max_side = settings.PHOTO_MAX_SIDE
    # Pillow's own bomb guard refuses anything above its limit whatever ours says, so ours can only be lower; this
    # keeps the number in the message true whichever of the two refuses.
    if Image.MAX_IMAGE_PIXELS:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)

    data = _read(upload, max_bytes=max_bytes)
    image = _decode(data, max_pixels=max_pixels, max_side=max_side)
    taken_at, latitude, longitude = _exif_facts(image)
    image = _normalise(image, max_side=max_side)
    content = _encode(image, quality=JPEG_QUALITY)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return CleanImage(
        content=content,
        width=image.width,
        height=image.height,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail=_encode(thumbnail, quality=THUMBNAIL_QUALITY),
    )


def photo_upload_to(instance, filename):
    """Where a photo is stored: a random name, so paths cannot be guessed; the uploader's file name is not used."""
    return f"photos/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


def photo_thumbnail_upload_to(instance, filename):
    return f"photos/thumbnails/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


def _too_big(size: int, limit: int) -> DomainError:
    return DomainError(
        _("The picture is %(size)s; the limit is %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        code="photo_too_big",
    )


def _read(upload, *, max_bytes: int) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise _too_big(size, max_bytes)
        # The declared size is not trusted: stop reading once past the limit.
        chunks, total = [], 0
        for chunk in upload.chunks(READ_CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise _too_big(total, max_bytes)
        data = b"".join(chunks)
    if not data:
        raise DomainError(_("The file is empty."), code="photo_empty")
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    return data


def _formats() -> tuple[str, ...]:
    Image.init()
    return FORMATS + tuple(name for name in OPTIONAL_FORMATS if name in Image.OPEN)


def _decode(data: bytes, *, max_pixels: int, max_side: int) -> Image.Image:
    not_a_picture = DomainError(_("This file is not a picture."), code="photo_not_image")
    damaged = DomainError(_("The picture is damaged or incomplete; take it or send it again."), code="photo_damaged")
    too_many_pixels = DomainError(
        _("The picture is too large (more than %(limit)s pixels).")
        % {"limit": number_format(max_pixels, force_grouping=True)},
        code="photo_too_many_pixels",
    )
    # Pillow warns between its limit and twice it and raises above; both are refusals here. catch_warnings is
    # process-wide, which is fine for gunicorn's and Celery's process workers.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only the listed formats are tried: no TIFF, PSD, EPS (Ghostscript) or other decoders see the upload.
            image = Image.open(BytesIO(data), formats=_formats())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:  # UnidentifiedImageError, or a header that fooled a decoder and failed in any other way.
            raise not_a_picture from None
        width, height = image.size
        if width * height > max_pixels:
            raise DomainError(
                _("The picture is too large (%(width)s × %(height)s pixels); the limit is %(limit)s pixels.")
                % {"width": width, "height": height, "limit": number_format(max_pixels, force_grouping=True)},
                code="photo_too_many_pixels",
            )
        if image.format in ("JPEG", "MPO") and max(width, height) > max_side:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below what the final size needs: a 50-megapixel
            # photo then takes a few megabytes of memory instead of 150. Every byte of the file is still decoded.
            scale = max_side / max(width, height)
            image.draft(None, (max(1, int(width * scale)), max(1, int(height * scale))))
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:
            raise damaged from None
    return image


def _normalise(image: Image.Image, *, max_side: int) -> Image.Image:
    """Upright, RGB, sRGB, within `max_side`, and with no metadata left to copy into the output."""
    icc_profile = image.info.get("icc_profile")
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # A malformed EXIF block must not cost the photo; it is dropped anyway.
        image = image.copy()
    if _has_alpha(image):
        # Transparent pixels are shown on white, as a page would show them, rather than on black.
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    elif image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    if image.mode != "RGB":
        image = image.convert("RGB")
    # Pillow's JPEG writer copies some of these (the comment) from the image it saves; nothing may reach the file.
    image.info = {}
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Phones tag photos with wide-gamut profiles (Display P3); the output carries no profile, so its pixels are
    converted to sRGB, which every browser assumes for an untagged picture."""
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # An unreadable or mismatched profile: keep the pixels as they are, which is what a viewer ignoring the
        # profile would show.
        return image


def _encode(image: Image.Image, *, quality: int) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _exif_facts(image: Image.Image) -> tuple[dt.datetime | None, Decimal | None, Decimal | None]:
    """When and where the original says it was taken. Broken or missing EXIF gives None, never a refusal."""
    try:
        exif = image.getexif()
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None, None, None
    latitude = _coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLatitude), gps_ifd.get(ExifTags.GPS.GPSLatitudeRef), ("N", "S"), 90
    )
    longitude = _coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLongitude), gps_ifd.get(ExifTags.GPS.GPSLongitudeRef), ("E", "W"), 180
    )
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        # Half a position is no position, and some cameras write 0, 0 when they have no fix.
        latitude = longitude = None
    taken_at = _taken_at(exif_ifd.get(ExifTags.Base.DateTimeOriginal), exif_ifd.get(ExifTags.Base.OffsetTimeOriginal))
    return taken_at, latitude, longitude


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ").strip() if value is not None else ""


OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _taken_at(value, offset) -> dt.datetime | None:
    """EXIF `DateTimeOriginal` is local time; `OffsetTimeOriginal` (EXIF 2.31) says which, else the campaign's
    time zone (settings.TIME_ZONE) is assumed, as the phones that omit it are set to it."""
    try:
        taken_at = dt.datetime.strptime(_text(value)[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    match = OFFSET.match(_text(offset))
    if match:
        sign, hours, minutes = match.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= dt.timedelta(hours=14):
            return taken_at.replace(tzinfo=dt.timezone(-delta if sign == "-" else delta))
    return timezone.make_aware(taken_at, timezone.get_default_timezone())


def _coordinate(value, ref, refs: tuple[str, str], limit: int) -> Decimal | None:
    """Degrees, minutes and seconds (EXIF rationals) to signed decimal degrees, 6 places (about 0.1 m)."""
    ref = _text(ref).upper()
    if ref not in refs:
        return None
    try:
        parts = [_rational(part) for part in (value if isinstance(value, tuple | list) else (value,))]
    except (InvalidOperation, TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or any(part < 0 for part in parts):
        return None
    degrees = sum(part / factor for part, factor in zip(parts, (1, 60, 3600), strict=False))
    if degrees > limit:
        return None
    if ref == refs[1]:
        degrees = -degrees
    return degrees.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def _rational(value) -> Decimal:
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if numerator is not None and denominator is not None:
        if denominator == 0:
            raise ZeroDivisionError
        return Decimal(numerator) / Decimal(denominator)
    result = Decimal(str(value))
    if not result.is_finite():
        raise ValueError
    return result
