from . import test_website_blocks
from . import test_core_pages
