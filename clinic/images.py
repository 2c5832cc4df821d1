"""Therapist photos: checked on upload, then stored as a small JPEG without EXIF data.

Phone cameras write the place a photo was taken into its EXIF block; a public profile must
not carry that. Re-encoding through Pillow keeps only the pixels.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PHOTO_SIZE = 600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

PHOTO_TOO_LARGE = "That photo is larger than 8 MB; please choose a smaller one."
PHOTO_UNREADABLE = "That file is not a photo we can read; please upload a JPEG, PNG or WebP image."


def _open(upload):
    from PIL import Image, UnidentifiedImageError

    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(PHOTO_TOO_LARGE, code="photo_too_large")
    upload.seek(0)
    try:
        image = Image.open(upload)
        if image.format not in PHOTO_FORMATS or image.width * image.height > PHOTO_MAX_PIXELS:
            raise ValidationError(PHOTO_UNREADABLE, code="photo_unreadable")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(PHOTO_UNREADABLE, code="photo_unreadable") from None
    finally:
        upload.seek(0)
    return image


def validate_photo(upload) -> None:
    """Field validator: the upload is a readable JPEG, PNG or WebP of sensible size."""
    _open(upload)


def normalised_photo(upload) -> ContentFile:
    """The photo fitted into 600 x 600 px, as a JPEG with no metadata."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(_open(upload))  # upright, as the camera meant it
    image = image.convert("RGB")
    image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
