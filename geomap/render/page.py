"""The page around the map: header, legend, place labels, incident list, filters.

The page is a grid (``geomap/data/geomap.css``): a header with the title, date and source
of the document(s) across the top, the map on the left, and beside it a side panel with
the legend, the filters and the incident list, each collapsible. Nothing of the panel lies
over the map, so it never hides a marker or the scale bar. The browser side is
``geomap/data/geomap_page.js`` (header, list, filters, initial view, offline fallback) and
``geomap/data/geomap_labels.js`` (collision-aware place and country labels).

Text from the data reaches the page only as JSON (`html_safe_json`) and is shown with
``textContent``; the title is also written, escaped, into ``<title>`` and the header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import Element
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup

from geomap.errors import ConfigurationError
from geomap.rules import violence

from .elements import RawMacros, html_safe_json
from .style import (
    BORDER_COLOR,
    CONTEXT_COLOR,
    CUE_CLASSES,
    DISPUTED_LINE_STYLES,
    LINK_COLOR,
    LOW_SCORE,
    NEAREST_BORDER_COLOR,
    PRECISION_LEVELS,
    REFERENCE_COLOR,
    escape_text,
    event_type_labels,
)

__all__ = ["FOCUS_ZOOM", "MAX_FIT_ZOOM", "PRINT_LIMIT", "Legend", "PageLayout", "PlaceLabels"]

MAX_FIT_ZOOM = 11
"""The initial view zooms in no further than this (one incident: about 50 km across)."""

FOCUS_ZOOM = 10
"""A click on a list row zooms to at least this (and at least one step further in)."""

PRINT_LIMIT = 5000
"""At most this many list rows are printed; the rest are counted."""

TILE_TIMEOUT_MS = 10000
"""With no tile loaded after this long, the page switches to the offline basemap."""

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


class Legend(RawMacros):
    """The legend, first in the side panel (collapsible): what each symbol means.

    Incident classes (their colours also style the markers; the page adds a count and a
    checkbox that filters the class to each row), context places, the confidence and
    precision symbols that the map uses, borders, distance lines and labels. Holds no data
    from the incidents; with ``empty=True`` it says that no places were found.

    Parameters
    ----------
    empty : bool, default False
        No place was found: say so.
    low : bool, default False
        Some incident has a score below `LOW_SCORE` (drawn hollow): explain it.
    precisions : sequence of int, default ()
        The precision codes of the incidents (2 and 3 are drawn with a dashed ring).
    pov : str, optional
        The point of view of the borders, named with ``pov_text`` (what it means).
    line_kinds : sequence of str, default ()
        Kinds of disputed and de facto lines drawn on the map (`DisputedLineLayer`), each
        explained in its own style; ``historic`` adds the faint historic line.
    event_types : bool, default False
        The incidents have event types: the classes are headed "by event type" (each
        class row names its types on hover); else "by the violence word".
    relative : bool, default False
        Some incident is located relative to a place (`ReferenceLayer`): explain its line.
    areas_only : bool, default False
        Nothing to draw but areas that are no incident: say so.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        {%- for cls, (label, color) in this.classes.items() %}
            .geomap-cue-{{ cls }} { background: {{ color }}; }
            .geomap-cue-{{ cls }}.geomap-low { background: #fff; border-color: {{ color }}; }
        {%- endfor %}
            .geomap-cue-context { background: {{ this.context_color }}; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <details class="geomap-legend" id="{{ this.get_name() }}" open>
            <summary>Legend</summary>
            {%- if this.areas_only %}
            <div class="geomap-empty"><b>No place to draw</b>: only regions or countries
                are named, none as the place of an incident (below).</div>
            {%- elif this.empty %}
            <div class="geomap-empty"><b>No places found</b> in this text.</div>
            {%- endif %}
            <div class="geomap-legend-title">Incidents, by {{ "event type" if
                this.event_types else "the violence word" }}</div>
            <div class="geomap-legend-cols">
            {%- for cls, (label, color) in this.classes.items() %}
            <label class="geomap-legend-class" data-cue-class="{{ cls }}"{% if
                this.class_types[cls] %} title="{{ this.class_types[cls] }}"{% endif %}><span
                class="sym"><span class="geomap-key geomap-marker geomap-incident
                geomap-cue-{{ cls }}"></span></span> {{ label }}</label>
            {%- endfor %}
            <div><span class="sym"><span class="geomap-key geomap-key-small geomap-marker
                geomap-context geomap-cue-context"></span></span> context, container</div>
            </div>
            {%- if this.low or this.precisions %}
            <div class="geomap-legend-title">How sure and how precise</div>
            {%- endif %}
            {%- if this.low %}
            <div><span class="sym"><span class="geomap-key geomap-marker geomap-incident
                geomap-cue-other geomap-low"></span></span> hollow: low confidence (score
                below {{ this.low_score }}): the place may be wrong</div>
            {%- endif %}
            {%- for code in this.precisions %}
            <div><span class="sym"><span class="geomap-key geomap-marker geomap-incident
                geomap-cue-other geomap-prec-{{ code }}{{ ' geomap-key-small' if code == 3 }}">
                </span></span> dashed ring: {{ this.levels[code][1] }}</div>
            {%- endfor %}
            <div class="geomap-legend-title">Borders</div>
            <div class="geomap-legend-cols">
            <div><span class="sym"><span class="line" style="border-top: 1.5px solid
                {{ this.border_color }};"></span></span> land border</div>
            <div><span class="sym"><span class="line" style="border-top: 3px solid
                {{ this.nearest_color }};"></span></span> nearest land border</div>
            <div><span class="sym"><span class="line" style="border-top: 2px dashed
                {{ this.link_color }};"></span></span> line to the nearest</div>
            <div><span class="geomap-key-label"><b>Place</b> <span
                class="geomap-label-km">8.6 km</span></span> distance to the nearest</div>
            {%- if this.relative %}
            <div title="An incident located relative to a place (&quot;10 km north of
                X&quot;): its marker at that point, a thin line to the place"><span
                class="sym"><span class="line" style="border-top: 1.5px solid
                {{ this.reference_color }};"></span></span> to a reference place</div>
            {%- endif %}
            {%- for kind in this.line_kinds %}
            {%- set label, style = this.line_styles[kind] %}
            <div><span class="sym"><svg width="20" height="6"><line x1="0" y1="3" x2="20"
                y2="3" stroke="{{ style.color }}" stroke-width="{{ style.weight }}"
                stroke-dasharray="{{ style.dashArray }}"/></svg></span> {{ label }}</div>
            {%- endfor %}
            {%- if this.historic %}
            <div><span class="sym"><svg width="20" height="6"><line x1="0" y1="3" x2="20"
                y2="3" stroke="#555555" stroke-width="1.5" stroke-opacity="0.35"/></svg></span>
                historic line (faint)</div>
            {%- endif %}
            </div>
            {%- if this.pov %}
            <div class="note">Point of view: <b>{{ this.pov_html }}</b>{% if this.pov_text %}
                ({{ this.pov_text_html }}){% endif %}: its lines are the international
                borders.</div>
            {%- endif %}
            <div class="note">Grey: a place named as context (a speaker, a dateline, a
                reference point; a name standing for a government) or holding an incident
                place: no violence reported there. Distances are geodesic (WGS84);
                borders are good to about 1 km{% if this.at_border_km %} ("at border":
                nearer than {{ this.at_border_km }} km, too near to be sure of the side){%
                endif %}; a town is its centre point.</div>
        </details>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        empty: bool = False,
        low: bool = False,
        precisions: Sequence[int] = (),
        pov: str | None = None,
        pov_text: str | None = None,
        line_kinds: Sequence[str] = (),
        historic: bool = False,
        event_types: bool = False,
        relative: bool = False,
        areas_only: bool = False,
        at_border_km: float | None = None,
    ) -> None:
        super().__init__()
        self._name = "Legend"
        #: Below this distance a place is "at border" (the rows' ``accuracy_km``), as text.
        self.at_border_km = None if at_border_km is None else f"{at_border_km:g}"
        self.empty = empty
        self.areas_only = areas_only
        self.event_types = event_types
        self.relative = relative
        self.reference_color = REFERENCE_COLOR
        vocabulary = violence()
        self.class_types = {
            cls: "; ".join(
                vocabulary.labels[t] for t, c in vocabulary.class_of.items() if c == cls
            )
            for cls in CUE_CLASSES
        }
        self.pov = pov
        self.pov_text = pov_text
        # Escaped: a border file's own point of view and description are text.
        self.pov_html = Markup(escape_text(pov))
        self.pov_text_html = Markup(escape_text(pov_text))
        self.line_kinds = [k for k in DISPUTED_LINE_STYLES if k in line_kinds]
        self.line_styles = DISPUTED_LINE_STYLES
        self.historic = historic
        self.low = low
        self.low_score = LOW_SCORE
        self.precisions = sorted({int(c) for c in precisions} & {2, 3})
        self.levels = PRECISION_LEVELS
        self.classes = CUE_CLASSES
        self.context_color = CONTEXT_COLOR
        self.border_color = BORDER_COLOR
        self.nearest_color = NEAREST_BORDER_COLOR
        self.link_color = LINK_COLOR


class PlaceLabels(RawMacros, Layer):
    """The place labels (names, with km for incidents; country names offline), one layer.

    Placed in the browser after each move and zoom so that no two labels overlap and none
    covers a marker, a cluster or a control (``geomap/data/geomap_labels.js``); a label
    with no room is left out until a zoom makes room. Ticked in the layer control as
    "Place names".
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geomap.labelLayer({{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, show: bool = True) -> None:
        super().__init__(name="Place names", overlay=True, control=True, show=show)
        self._name = "PlaceLabels"
        self.options: dict[str, Any] = {}


def _js_reference(value: Element | Sequence[Element] | None) -> str:
    """Return the JavaScript name of an element's variable (a list: an array; None: null)."""
    if value is None:
        return "null"
    if isinstance(value, Element):
        name = value.get_name()
        if not _IDENTIFIER.fullmatch(name):
            raise ConfigurationError(f"not a JavaScript variable name: {name!r}")
        return name
    return "[" + ", ".join(_js_reference(v) for v in value) + "]"


class PageLayout(RawMacros):
    """The header (title, date, source, counts), the filters and the incident list.

    The header's text and the list are drawn by ``geomap.page`` from JSON, as text. The
    page's ``<title>`` is set (escaped) here too. Added last: its script fits the
    initial view to ``box`` clear of the controls, builds the list and the filters, lets
    the labels start, and watches the tile basemap to switch to the offline one when
    tiles fail.

    Parameters
    ----------
    title : str
        The page's title (a file or corpus name, an article headline).
    date : str or None
        The date (or date range) of the document(s).
    source : str or None
        Where the incidents come from (file names, a corpus).
    box : tuple of float or None
        (south, west, north, east) of the initial view; None: the world.
    refs : mapping
        The page's elements, by role: ``data`` (`IncidentData`), ``points`` (the
        `IncidentLayer` list), ``links``, ``relative`` (`ReferenceLayer`), ``labels``,
        ``tiles``, ``countries`` (each may be None or missing).
    context : int
        How many context places are on the map (for the header's counts).
    has_precision : bool
        The incidents have a ``geo_precision`` column: the list shows a precision column.
    generator : str
        Shown in the header, e.g. ``"geomap 0.1.0"``.
    pov, pov_text : str, optional
        The point of view of the borders and what it means: in the header.
    areas : mapping, optional
        The areas named but not drawn (`geomap.render.layers.area_summary`), listed under
        the incident list.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <header class="geomap-header" id="{{ this.get_name() }}">
            <div class="geomap-titles">
                <h1 class="geomap-page-title">{{ this.title_html }}</h1>
                <div class="geomap-meta"></div>
            </div>
            <div class="geomap-notice" role="status" hidden></div>
            <button type="button" class="geomap-side-toggle" aria-expanded="true">Hide
                panel</button>
        </header>
        <section class="geomap-filters" aria-label="Filters" hidden></section>
        <section class="geomap-list" aria-label="Incident list">
            <button type="button" class="geomap-list-toggle" aria-expanded="true">Incidents
                <span class="geomap-list-count"></span></button>
            <div class="geomap-areas" hidden></div>
        </section>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        geomap.page(
            {{ this._parent.get_name() }}, {{ this.data_ref }}, {{ this.options_json }},
            {{ this.refs_js }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        title: str,
        date: str | None,
        source: str | None,
        box: tuple[float, float, float, float] | None,
        refs: Mapping[str, Element | Sequence[Element] | None],
        context: int = 0,
        has_precision: bool = False,
        generator: str = "geomap",
        pov: str | None = None,
        pov_text: str | None = None,
        areas: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._name = "PageLayout"
        self.title = title
        self.title_html = Markup(escape_text(title))
        self.data_ref = _js_reference(refs.get("data"))
        self.refs_js = Markup(
            "{"
            + ", ".join(
                f'"{key}": {_js_reference(refs.get(key))}'
                for key in ("points", "links", "relative", "labels", "tiles", "countries")
            )
            + "}"
        )
        self.options_json = html_safe_json(
            {
                "title": title,
                "date": date,
                "source": source,
                "generator": generator,
                "box": None if box is None else [[box[0], box[1]], [box[2], box[3]]],
                "maxZoom": MAX_FIT_ZOOM,
                "focusZoom": FOCUS_ZOOM,
                "printLimit": PRINT_LIMIT,
                "tileTimeout": TILE_TIMEOUT_MS,
                "lowScore": LOW_SCORE,
                "levels": {str(k): list(v) for k, v in PRECISION_LEVELS.items()},
                "labels": {cls: label for cls, (label, _) in CUE_CLASSES.items()},
                "classes": list(CUE_CLASSES),
                "context": int(context),
                "hasPrecision": bool(has_precision),
                "types": event_type_labels(),
                "pov": pov,
                "povText": pov_text,
                "areas": None if areas is None else dict(areas),
            }
        )
