"""Build both addons as OCA wheels for one Odoo series, install them in a fresh virtualenv and check them.

``python tools/wheels.py --series 18.0 --odoo-src /opt/odoo18`` (``make wheels``; ``make test`` runs it) writes
``var/wheels/<series>/odoo_addon_<addon>-<series>.<version>-py3-none-any.whl`` for each addon.

Each addon carries OCA's ``pyproject.toml`` (the ``whool`` build backend). whool takes the series from the
manifest's version, and ours has none on purpose (one tree serves 18.0 and 19.0; Odoo prefixes the running
series). So each addon is built from a copy whose manifest says ``<series>.<version>``, as Odoo itself reads it
once installed: whool then names the wheel, versions it and declares its dependencies for that series.

The checks then read what pip installed in a throw-away virtualenv (``--no-deps``: Odoo is not needed): the
addon is under ``site-packages/odoo/addons/<addon>`` with every file of the source and no other, and the
metadata carries the series' version, classifier and dependencies, the expected ones being derived here from
the manifest and the Odoo source tree, not from whool.
"""

import argparse
import ast
import importlib.metadata
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import venv

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
# every addon of this repository: the NPS app and its bridges
ADDONS = tuple(sorted(manifest.parent.name for manifest in REPOSITORY.glob("*/__manifest__.py")))


def source_files(addon):
    """The addon's files as whool packages them: those git knows (new files not yet added included), else all."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", addon],
            cwd=REPOSITORY,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(path.relative_to(REPOSITORY))
            for path in (REPOSITORY / addon).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    # paths relative to the addon; a file deleted but not yet removed from git's index is gone
    return sorted(str(pathlib.PurePath(path).relative_to(addon)) for path in listed if (REPOSITORY / path).is_file())


def stage(addon, series, staging):
    """Copy the addon's files, the manifest's version prefixed with the series."""
    target = staging / addon
    files = source_files(addon)
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / addon / name, target / name)
    manifest_path = target / "__manifest__.py"
    text = manifest_path.read_text()
    version = ast.literal_eval(text)["version"]
    if not version.startswith(f"{series}."):
        old, new = f'"version": "{version}"', f'"version": "{series}.{version}"'
        if text.count(old) != 1:
            sys.exit(f"{addon}/__manifest__.py: cannot find {old} once to add the series")
        manifest_path.write_text(text.replace(old, new))
    return target, set(files) - {"pyproject.toml"}


def pip(*args, **kwargs):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, **kwargs)


def build(series, out):
    """Build the wheels with pip's build isolation (whool from PyPI) from staged copies; return the copies."""
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f"nps-wheels-{series}-"))
    staged = {addon: stage(addon, series, staging) for addon in ADDONS}
    for wheel in out.glob("*.whl"):
        wheel.unlink()
    out.mkdir(parents=True, exist_ok=True)
    # Outside any git repository, whool packages every staged file and adds no post-release number.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(staging)}
    constraints = str(REPOSITORY / "constraints-build.txt")
    sources = [str(path) for path, _files in staged.values()]
    pip("wheel", "--quiet", "--no-deps", "--build-constraint", constraints, "--wheel-dir", str(out), *sources, env=env)
    return staging, staged


def install(wheels, venv_dir):
    """A fresh virtualenv with only the wheels in it; returns its site-packages."""
    shutil.rmtree(venv_dir, ignore_errors=True)
    venv.create(venv_dir, with_pip=False)
    python = str(venv_dir / "bin" / "python")
    pip("--python", python, "install", "--quiet", "--no-deps", "--no-compile", *(str(wheel) for wheel in wheels))
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return pathlib.Path(purelib)


def expected_requirements(manifest, series, odoo_src):
    """What the wheel must require: Odoo of the series, the non-core addons of the series, the Python libraries."""
    core = {path.name for base in ("addons", "odoo/addons") for path in (odoo_src / base).iterdir()}
    expected = {("odoo", f"=={series}.*")}
    expected |= {
        (canonicalize_name(f"odoo-addon-{depend}"), f"=={series}.*")
        for depend in manifest["depends"]
        if depend not in core
    }
    expected |= {(canonicalize_name(lib), "") for lib in manifest.get("external_dependencies", {}).get("python", [])}
    return expected


def check(series, odoo_src, out, staged, site):
    """Every defect found, as sentences (empty when the wheels are right)."""
    errors = []
    versions = {}
    dists = {canonicalize_name(dist.metadata["Name"]): dist for dist in importlib.metadata.distributions(path=[site])}
    for addon, (_path, files) in staged.items():
        manifest = ast.literal_eval((REPOSITORY / addon / "__manifest__.py").read_text())
        name = canonicalize_name(f"odoo-addon-{addon}")
        version = f"{series}.{manifest['version']}"
        versions[name] = version
        wheel = out / f"odoo_addon_{addon}-{version}-py3-none-any.whl"
        if not wheel.is_file():
            errors.append(f"{addon}: no {wheel.name} in {out} (found: {sorted(p.name for p in out.glob('*.whl'))})")
        dist = dists.get(name)
        if dist is None:
            errors.append(f"{addon}: no distribution {name} installed (found: {sorted(dists)})")
            continue
        if dist.version != version:
            errors.append(f"{addon}: version {dist.version}, expected {version}")
        classifier = f"Framework :: Odoo :: {series}"
        if classifier not in (dist.metadata.get_all("Classifier") or []):
            errors.append(f"{addon}: no classifier {classifier!r}")
        requires = {(canonicalize_name(req.name), str(req.specifier)) for req in map(Requirement, dist.requires or [])}
        expected = expected_requirements(manifest, series, odoo_src)
        if requires != expected:
            errors.append(
                f"{addon}: Requires-Dist {sorted(requires)}, expected {sorted(expected)} "
                f"(missing {sorted(expected - requires)}, unexpected {sorted(requires - expected)})"
            )
        installed_dir = site / "odoo" / "addons" / addon
        if not (installed_dir / "__manifest__.py").is_file():
            errors.append(f"{addon}: no {installed_dir}/__manifest__.py")
            continue
        installed = {str(path.relative_to(installed_dir)) for path in installed_dir.rglob("*") if path.is_file()}
        if installed != files:
            errors.append(
                f"{addon}: installed files differ from the source: missing {sorted(files - installed)[:10]}, "
                f"unexpected {sorted(installed - files)[:10]}"
            )
        installed_version = ast.literal_eval((installed_dir / "__manifest__.py").read_text())["version"]
        if installed_version != version:
            errors.append(f"{addon}: the installed manifest says {installed_version}, expected {version}")
    # each addon-to-addon requirement is met by the wheel built beside it
    for dist in dists.values():
        for req in map(Requirement, dist.requires or []):
            built = versions.get(canonicalize_name(req.name))
            if built and not req.specifier.contains(built):
                errors.append(f"{dist.metadata['Name']} requires {req}, which {req.name} {built} does not meet")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", required=True, choices=["18.0", "19.0"])
    parser.add_argument("--odoo-src", required=True, type=pathlib.Path, help="the Odoo tree (its core addons)")
    args = parser.parse_args()
    out = REPOSITORY / "var" / "wheels" / args.series
    staging, staged = build(args.series, out)
    try:
        wheels = sorted(out.glob("*.whl"))
        site = install(wheels, REPOSITORY / "var" / f"wheel-venv-{args.series}")
        errors = check(args.series, args.odoo_src, out, staged, site)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for error in errors:
        print(f"wheels: {error}", file=sys.stderr)
    if errors:
        sys.exit(1)
    for wheel in wheels:
        print(f"wheels: {wheel.relative_to(REPOSITORY)} installs and carries the {args.series} metadata")


if __name__ == "__main__":
    main()
