"""Installs the addon the way OCA wheels do: as ``odoo.addons.nps_closed_loop``.

``pip install .`` puts it in site-packages/odoo/addons/, which Odoo adds to its addons path by itself.
"""

import ast
import pathlib

from setuptools import setup

ADDON = "nps_closed_loop"
HERE = pathlib.Path(__file__).parent
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text())
SUBPACKAGES = sorted(
    str(path.parent.relative_to(HERE / ADDON)).replace("/", ".")
    for path in (HERE / ADDON).rglob("__init__.py")
    if path.parent != HERE / ADDON
)

setup(
    name="odoo-addon-nps-closed-loop",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    license=MANIFEST["license"],
    python_requires=">=3.10",
    packages=[f"odoo.addons.{ADDON}"] + [f"odoo.addons.{ADDON}.{sub}" for sub in SUBPACKAGES],
    package_dir={f"odoo.addons.{ADDON}": ADDON},
    package_data={f"odoo.addons.{ADDON}": ["**/*"]},
    include_package_data=True,
    install_requires=["phonenumbers"],
    classifiers=["Framework :: Odoo", "Framework :: Odoo :: 18.0", "Programming Language :: Python :: 3"],
)
