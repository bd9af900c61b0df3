"""The dependency rule of DESIGN §7: web → services → models → domain, nothing points back."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "merchant_onboard"

FORBIDDEN = {
    "domain": ("flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "sqlmodel",
               "alembic", "merchant_onboard.models", "merchant_onboard.services",
               "merchant_onboard.web", "merchant_onboard.db"),
    "models": ("flask", "flask_babel", "flask_login", "flask_wtf", "merchant_onboard.services",
               "merchant_onboard.web", "merchant_onboard.db"),
    "services": ("flask", "flask_babel", "flask_login", "flask_wtf", "merchant_onboard.web"),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_the_rule_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import g\nimport sqlalchemy.orm\n")
    assert {"flask", "sqlalchemy.orm"} <= imports_of(bad)


def test_the_domain_reads_no_environment_variables():
    # Settings reach the domain as arguments, from the application's configuration.
    offenders = [str(path.relative_to(PACKAGE))
                 for path in sorted((PACKAGE / "domain").rglob("*.py"))
                 if any(word in path.read_text() for word in ("environ", "getenv"))]
    assert offenders == []


def test_every_web_feature_is_a_package_whose_init_makes_its_blueprint(app):
    # One convention: ``web/<feature>/__init__.py`` makes ``bp`` named after the package,
    # and the application registers each of them.
    import importlib

    features = sorted(path.parent.name for path in (PACKAGE / "web").glob("*/__init__.py"))
    for feature in features:
        package = importlib.import_module(f"merchant_onboard.web.{feature}")
        assert package.bp.name == feature, feature
        assert app.blueprints[feature] is package.bp
    assert sorted(app.blueprints) == features
