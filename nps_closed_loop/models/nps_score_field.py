from odoo import fields


class NullableInteger(fields.Integer):
    """Integer that keeps "no value" distinct from 0.

    Odoo's Integer turns an empty value into 0, but a score of 0 is a real answer
    (the angriest detractor) and an unanswered survey must count in no average:
    NULL in the database, False in Python.
    """

    def convert_to_column(self, value, record, values=None, validate=True):
        if value is None or value is False:
            return None
        return int(value)

    def convert_to_cache(self, value, record, validate=True):
        if value is None or value is False:
            return None
        return super().convert_to_cache(value, record, validate=validate)

    def convert_to_record(self, value, record):
        return False if value is None else value

    def convert_to_export(self, value, record):
        return "" if value is None or value is False else value
