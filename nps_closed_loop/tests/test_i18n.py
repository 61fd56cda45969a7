import re

import polib

from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from . import common

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w+\}")


class TestFrenchTranslation(common.NpsCommon):
    """The first customers speak French: every term the module shows must have its French translation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.french = polib.pofile(file_path("nps_closed_loop/i18n/fr.po"))
        cls.template = polib.pofile(file_path("nps_closed_loop/i18n/nps_closed_loop.pot"))

    def _module_terms(self):
        reader = TranslationModuleReader(self.env.cr, modules=["nps_closed_loop"])
        return {
            source for module, _type, _name, _res_id, source, _value, _comments in reader if module == "nps_closed_loop"
        }

    def test_every_term_translated(self):
        translated = {
            entry.msgid
            for entry in self.french
            if entry.msgstr.strip() and not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = sorted(self._module_terms() - translated)
        self.assertFalse(missing, f"{len(missing)} terms without French translation, e.g. {missing[:5]}")

    def test_template_up_to_date(self):
        missing = sorted(self._module_terms() - {entry.msgid for entry in self.template})
        self.assertFalse(missing, f"i18n/nps_closed_loop.pot is out of date, e.g. {missing[:5]}")

    def test_placeholders_kept(self):
        for entry in self.french:
            if entry.msgstr:
                with self.subTest(msgid=entry.msgid[:60]):
                    self.assertEqual(
                        sorted(PLACEHOLDER.findall(entry.msgid)), sorted(PLACEHOLDER.findall(entry.msgstr))
                    )
