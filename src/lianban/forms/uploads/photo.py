"""Photos (证件照): exact width × height, file size in KB, format, and the background colour read
from the border, where an ID photo has no person.

1 KB = 1024 bytes, as photo tools and the Hubei material's ``max_bytes: 40960`` count. The colour
thresholds below are the rule: white is bright and unsaturated; blue and red are told by the hue of
the mean border colour.
"""

from __future__ import annotations

import colorsys
import io
from dataclasses import dataclass
from typing import Final, Literal

from PIL import Image, ImageStat

from lianban.catalog.model import PhotoSpec
from lianban.forms.uploads.filetypes import PIL_FORMAT, type_en, type_zh
from lianban.forms.uploads.findings import MaterialFindings

__all__ = [
    "BACKGROUND_SIDE_FRACTION",
    "BACKGROUND_STRIP_FRACTION",
    "BLUE_HUE_DEGREES",
    "COLOUR_MIN_SATURATION",
    "RED_HUE_DEGREES",
    "WHITE_MAX_SATURATION",
    "WHITE_MIN_BRIGHTNESS",
    "BackgroundReading",
    "check_photo",
    "read_background",
]

# The background is read from the border, where an ID photo has no person: a strip along the top
# (the full width) and strips down the left and right sides of the upper part only, because the
# shoulders reach the side edges lower down. Each strip is BACKGROUND_STRIP_FRACTION of the
# shorter side thick (at least 2 px): 14 px on a 358×441 photo.
BACKGROUND_STRIP_FRACTION: Final = 0.04
BACKGROUND_SIDE_FRACTION: Final = 0.6  # the side strips cover the top 60 % of the height
# White: mean brightness (Pillow "L", ITU-R 601 luma, 0–255) at least 235 and mean saturation
# (HSV S, 0–1) at most 0.10. Pure white is 255/0; a well-lit studio white is ~245/0.02; the
# standard light blue ID background (RGB ≈ 67,142,219) is ~130/0.7, light grey (RGB 200) 200/0.
WHITE_MIN_BRIGHTNESS: Final = 235.0
WHITE_MAX_SATURATION: Final = 0.10
# Blue and red are told by the hue of the mean border colour, with saturation at least 0.25.
BLUE_HUE_DEGREES: Final = (190.0, 250.0)
RED_HUE_DEGREES: Final = (340.0, 20.0)  # wraps through 0°
COLOUR_MIN_SATURATION: Final = 0.25
_COLOUR_ZH: Final = {"white": "白色", "blue": "蓝色", "red": "红色", "other": "其他颜色"}


@dataclass(frozen=True)
class BackgroundReading:
    """What the border of a photo looks like (see the ``BACKGROUND_*`` and colour thresholds)."""

    brightness: float  # mean luma, 0–255
    saturation: float  # mean HSV saturation, 0–1
    hue: float  # hue of the mean border colour, degrees 0–360
    colour: Literal["white", "blue", "red", "other"]


def check_photo(
    data: bytes,
    kind: str,
    size: int,
    width: int,
    height: int,
    spec: PhotoSpec,
    found: MaterialFindings,
    checks: dict[str, object],
) -> None:
    photo: dict[str, object] = {}
    checks["photo"] = photo
    photo["format_ok"] = kind == spec.format
    if kind != spec.format:
        found.add(
            "format",
            f"应为 {type_zh(spec.format)} 格式，实际为 {type_zh(kind)}",
            f"must be {type_en(spec.format)}; it is {type_en(kind)}",
        )
    photo["dimensions_ok"] = (width, height) == (spec.width, spec.height)
    if (width, height) != (spec.width, spec.height):
        found.add(
            "range",
            f"尺寸应为 {spec.width}×{spec.height} 像素，实际为 {width}×{height}",
            f"must be {spec.width}×{spec.height} pixels; it is {width}×{height}",
        )
    lo, hi = spec.min_kb * 1024, spec.max_kb * 1024
    photo["size_ok"] = lo <= size <= hi
    if not lo <= size <= hi:
        found.add(
            "range",
            f"文件大小应为 {spec.min_kb}–{spec.max_kb} KB，实际为 {size / 1024:.1f} KB",
            f"must be {spec.min_kb}–{spec.max_kb} KB; it is {size / 1024:.1f} KB",
        )
    if spec.background == "any":
        return
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMAT[kind]]) as im:
            if kind == "jpeg":
                im.draft("RGB", (spec.width, spec.height))  # DCT scaling: a big JPEG decodes small
            reading = read_background(im)
    except Exception:
        found.add("format", "图片无法解码，请重新上传", "the image cannot be decoded; upload it again")
        return
    photo["background"] = reading.colour
    photo["background_brightness"] = round(reading.brightness, 1)
    photo["background_saturation"] = round(reading.saturation, 3)
    photo["background_ok"] = reading.colour == spec.background
    if reading.colour != spec.background:
        if spec.background == "white":
            rule_zh = f"（边缘平均亮度 ≥{WHITE_MIN_BRIGHTNESS:.0f}、饱和度 ≤{WHITE_MAX_SATURATION:.0%}）"
            rule_en = f" (border brightness >= {WHITE_MIN_BRIGHTNESS:.0f}, saturation <= {WHITE_MAX_SATURATION:.0%})"
        else:
            rule_zh = rule_en = ""
        found.add(
            "format",
            f"背景应为{_COLOUR_ZH[spec.background]}{rule_zh}，实际为{_COLOUR_ZH[reading.colour]}"
            f"（亮度 {reading.brightness:.0f}、饱和度 {reading.saturation:.0%}）",
            f"the background must be {spec.background}{rule_en}; it reads as {reading.colour}"
            f" (brightness {reading.brightness:.0f}, saturation {reading.saturation:.0%})",
        )


def read_background(im: Image.Image) -> BackgroundReading:
    """Read the background colour of a portrait photo from its border strips (decodes ``im``)."""
    rgb = im.convert("RGB")
    w, h = rgb.size
    band = max(2, round(BACKGROUND_STRIP_FRACTION * min(w, h)))
    band_w, band_h = min(band, w), min(band, h)
    side_h = max(band_h, round(BACKGROUND_SIDE_FRACTION * h))
    boxes = [(0, 0, w, band_h), (0, 0, band_w, side_h), (w - band_w, 0, w, side_h)]
    total = 0
    luma = sat = 0.0
    rgb_sum = [0.0, 0.0, 0.0]
    for box in boxes:
        region = rgb.crop(box)
        n = region.width * region.height
        total += n
        luma += ImageStat.Stat(region.convert("L")).mean[0] * n
        sat += ImageStat.Stat(region.convert("HSV")).mean[1] * n
        for i, m in enumerate(ImageStat.Stat(region).mean):
            rgb_sum[i] += m * n
    brightness = luma / total
    saturation = sat / total / 255.0
    r, g, b = (c / total / 255.0 for c in rgb_sum)
    hue = colorsys.rgb_to_hsv(r, g, b)[0] * 360.0
    mean_sat = colorsys.rgb_to_hsv(r, g, b)[1]
    colour: Literal["white", "blue", "red", "other"]
    if brightness >= WHITE_MIN_BRIGHTNESS and saturation <= WHITE_MAX_SATURATION:
        colour = "white"
    elif mean_sat >= COLOUR_MIN_SATURATION and BLUE_HUE_DEGREES[0] <= hue <= BLUE_HUE_DEGREES[1]:
        colour = "blue"
    elif mean_sat >= COLOUR_MIN_SATURATION and (hue >= RED_HUE_DEGREES[0] or hue <= RED_HUE_DEGREES[1]):
        colour = "red"
    else:
        colour = "other"
    return BackgroundReading(brightness, saturation, hue, colour)
