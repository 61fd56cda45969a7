from . import test_confirmation_page
from . import test_confirmation_tour
