"""conda cannot be solved here, so environment.yml is held to pyproject.toml by name."""

import re
import tomllib

import yaml

from analysis.data import paths

# conda-forge splits or renames a few PyPI distributions.
CONDA_TO_PYPI = {"distributed": "dask"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    project = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((paths.PROJ_ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda, pip = [], []
    for dep in env["dependencies"]:
        (pip.extend(dep["pip"]) if isinstance(dep, dict) else conda.append(dep))
    assert "python=3.11" in conda
    assert "-e ." in pip, "conda users get the package itself through pip -e ."
    have = {CONDA_TO_PYPI.get(_name(d), _name(d)) for d in conda
            if _name(d) not in {"python", "pip"}}
    have |= {_name(d) for d in pip if d != "-e ."}
    assert have == wanted, (f"only in environment.yml: {have - wanted}; "
                            f"only in pyproject: {wanted - have}")


def test_lock_pins_every_dependency():
    lock = (paths.PROJ_ROOT / "requirements" / "lock.txt").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", lock, flags=re.M))
    pinned = {k.lower().replace("_", "-") for k in pins}
    project = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]
    for req in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert _name(req) in pinned, f"{req} is not pinned in requirements/lock.txt"
    assert not re.search(r"^[A-Za-z].*(>=|<=|~=)", lock, flags=re.M), "every line pins with =="
