import logging
import re

from odoo import models
from odoo.exceptions import UserError
from odoo.tools.image import base64_to_image

_logger = logging.getLogger(__name__)

# The survey page's primary colour when the company has none: email and page look the same out of the box.
DEFAULT_BRAND_COLOR = "#714b67"
HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
WHITE = "#ffffff"
# WCAG 2.1 AA for normal text: the brand colour carries the score digits (on white) and white text (on it).
MIN_CONTRAST = 4.5
# The box the logo is fitted into in the survey email (CSS pixels).
MAIL_LOGO_MAX_WIDTH = 180
MAIL_LOGO_MAX_HEIGHT = 56


def relative_luminance(color):
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(color[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    red, green, blue = (
        channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4 for channel in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def normalize_color(value):
    """``#rrggbb`` in lower case, or None for anything that is not a hex colour."""
    match = HEX_COLOR.fullmatch((value or "").strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return "#" + digits.lower()


def readable_on_white(color):
    """``color`` darkened step by step (same hue) until it reaches 4.5:1 against white."""
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    factor = 1.0
    while contrast_ratio(color, WHITE) < MIN_CONTRAST and factor > 0:
        factor = round(factor - 0.05, 2)
        color = "#{:02x}{:02x}{:02x}".format(*(round(channel * factor) for channel in (red, green, blue)))
    return color


class ResCompany(models.Model):
    _inherit = "res.company"

    def _nps_brand_color(self):
        """The company's primary colour for the survey email and page, as ``#rrggbb``.

        Darkened if needed so that it reads at WCAG AA (4.5:1) both as text on white (the score
        digits) and behind white text (buttons); the page's default colour when the company has none.
        """
        self.ensure_one()
        color = normalize_color(self.sudo().primary_color) or DEFAULT_BRAND_COLOR
        return readable_on_white(color)

    def _nps_mail_logo_size(self):
        """``(width, height)`` at which the survey email shows the logo that ``/logo.png`` serves, fitted
        into 180 x 56 px with its proportions; None when the company has Odoo's default logo or a logo
        that cannot be measured (an SVG): the email then shows the company name instead.

        Given as the image's width and height attributes, they keep the layout when images are blocked.
        """
        self.ensure_one()
        company = self.sudo()
        if company.uses_default_logo or not company.logo_web:
            return None
        try:
            width, height = base64_to_image(company.logo_web).size
        except UserError:
            _logger.debug("NPS: the logo of company %s cannot be measured", company.id, exc_info=True)
            return None
        if not width or not height:
            return None
        scale = min(MAIL_LOGO_MAX_WIDTH / width, MAIL_LOGO_MAX_HEIGHT / height, 1)
        return max(1, round(width * scale)), max(1, round(height * scale))
