"""The border dataset: countries, land borders and coasts, point in country, geodesic distance.

The public face of the package; import from here (``from geomap.borders import
load_borders``). Each module inside has one job:

========== ============================================================================
module     job
========== ============================================================================
dataset    :func:`load_borders` (in-process memo, disk cache, read, point of view, derive)
           and :func:`border_distance`
core       :class:`Borders`: the data, :meth:`Borders.country_at`, :meth:`Borders.distance`
           and its :data:`MEASURES`
answer     the columns of :meth:`Borders.distance` (:data:`COLUMNS`), assembled once
views      points of view (:data:`POVS`): the shipped disputed areas and de facto lines,
           the units they cut the countries into, each view's countries and edges
read       reading border files with pyogrio: code column, repair, dissolve, description
derive     land borders and coasts from the country polygons (or from a view's edges)
cache      the checksummed ``.npz`` disk cache of derived borders and indexes
index      the nearest-segment index: densified lines, KD-tree, geodesic refinement
grid       point in country: a 1-degree grid of the countries meeting each cell
coasts     coasts cut into pieces, for the nearest foreign coast (measure ``any``)
========== ============================================================================

A point of view (``pov=``: ``"deu"``, Natural Earth's German view, the default; or
``"de_facto"``, who administers each area) decides whose lines count as international
borders; every point also gets its administering party, its claimants and the nearest
current line of control or ceasefire line, whatever the view. The data and its sources are
in ``geomap/data/borders/``.

Coordinates are WGS84 ``(lon, lat)`` degrees, as in shapely and GeoJSON; points are checked
and longitudes wrapped by :func:`geomap.geodesy.as_points` (406.4 is 46.4; beyond 1e6
degrees, NaN); distances are geodesic on the WGS84 ellipsoid.
"""

from geomap.borders.answer import COLUMNS
from geomap.borders.core import MEASURES, Borders
from geomap.borders.dataset import border_distance, clear_loaded, load_borders
from geomap.borders.read import CODE_FIELDS, DEFAULT_BORDERS
from geomap.borders.views import AT_BORDER
from geomap.options import POVS

__all__ = [
    "AT_BORDER",
    "CODE_FIELDS",
    "COLUMNS",
    "DEFAULT_BORDERS",
    "MEASURES",
    "POVS",
    "Borders",
    "border_distance",
    "clear_loaded",
    "load_borders",
]
