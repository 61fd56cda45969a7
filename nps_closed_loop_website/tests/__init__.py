from . import test_website_blocks
