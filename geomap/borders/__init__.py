"""The border dataset: countries, land borders and coasts, point in country, geodesic distance.

The public face of the package; import from here (``from geomap.borders import
load_borders``). Each module inside has one job:

========== ============================================================================
module     job
========== ============================================================================
dataset    :func:`load_borders` (in-process memo, disk cache, read and derive) and
           :func:`border_distance`
core       :class:`Borders`: the data, :meth:`Borders.country_at`, :meth:`Borders.distance`
           and its :data:`MEASURES`
read       reading border files with pyogrio: code column, repair, dissolve, description
derive     land borders and coasts from the country polygons
cache      the checksummed ``.npz`` disk cache of derived borders and indexes
index      the nearest-segment index: densified lines, KD-tree, geodesic refinement
grid       point in country: a 1-degree grid of the countries meeting each cell
coasts     coasts cut into pieces, for the nearest foreign coast (measure ``any``)
========== ============================================================================

Coordinates are WGS84 ``(lon, lat)`` degrees, as in shapely and GeoJSON; points are checked
and longitudes wrapped by :func:`geomap.geodesy.as_points` (406.4 is 46.4; beyond 1e6
degrees, NaN); distances are geodesic on the WGS84 ellipsoid.
"""

from geomap.borders.core import MEASURES, Borders
from geomap.borders.dataset import border_distance, clear_loaded, load_borders
from geomap.borders.read import CODE_FIELDS, DEFAULT_BORDERS

__all__ = [
    "CODE_FIELDS",
    "DEFAULT_BORDERS",
    "MEASURES",
    "Borders",
    "border_distance",
    "clear_loaded",
    "load_borders",
]
