import pytest

import geomap
from geomap import errors

CLASSES = [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_geomap_error_with_a_docstring(cls):
    with pytest.raises(geomap.GeomapError, match="boom"):
        raise cls("boom")
    assert cls.__doc__ and "Raised" in cls.__doc__ or cls is errors.GeomapError


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.ConfigurationError, ValueError),
        (errors.DataFileError, OSError),
        (errors.InputError, OSError),
        (errors.GazetteerError, OSError),
        (errors.BorderDataError, OSError),
        (errors.OutputError, OSError),
        (errors.DependencyError, ImportError),
    ],
)
def test_errors_are_also_the_matching_builtin(cls, builtin):
    with pytest.raises(builtin):
        raise cls("x")


def test_public_api_exports_exist():
    for name in geomap.__all__:
        assert hasattr(geomap, name), name


def test_place_not_found_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="never|no geomap function"):
        cls = errors.PlaceNotFound
    assert issubclass(cls, errors.GeomapError) and issubclass(cls, LookupError)
