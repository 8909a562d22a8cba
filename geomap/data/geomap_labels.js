/* geomap's place labels for Leaflet 1.9 (inlined into every geomap page).
 *
 * One layer draws the names of the places whose markers are shown one by one (not in a
 * cluster), each incident with its km to the nearest border, and, on the offline basemap,
 * the country names. Labels never overlap each other, a marker, a cluster or a map
 * control: after each move or zoom they are placed again, most important first
 * (incidents by score, then context places, then countries), each at the first free side
 * of its marker (right, left, above, below); a label with no free side is left out until
 * a zoom makes room. Every string is put into the page as text (textContent).
 */
(function (L) {
  "use strict";
  var geomap = (window.geomap = window.geomap || {});

  var HEIGHT = 16; // label height, px
  var GAP = 3; // between a marker and its label
  var MARGIN = 2; // labels stay this far inside the map
  var NAME_FONT = "bold 12px sans-serif";
  var KM_FONT = "11px sans-serif";
  var COUNTRY_FONT = "12px sans-serif";
  var RINGS = { 2: 6, 3: 9 }; // the dashed ring of an area or region, px beyond the dot
  // Where a country's name may go, tried in turn: its visual centre, then shifted by these
  // (label widths, label heights).
  var COUNTRY_SHIFTS = [[0, 0], [0, -1.5], [0, 1.5], [0, -3], [0, 3], [-0.6, 0], [0.6, 0], [0, -4.5], [0, 4.5]];

  var context2d = null;
  function textWidth(value, font) {
    if (!context2d) context2d = document.createElement("canvas").getContext("2d");
    context2d.font = font;
    return context2d.measureText(value).width;
  }

  // Boxes {x1, y1, x2, y2} in container pixels, bucketed for fast overlap tests.
  function Grid(cell) {
    this.cell = cell;
    this.cells = {};
  }
  Grid.prototype.keys = function (b) {
    var keys = [], c = this.cell;
    for (var i = Math.floor(b.x1 / c); i <= Math.floor(b.x2 / c); i++) {
      for (var j = Math.floor(b.y1 / c); j <= Math.floor(b.y2 / c); j++) keys.push(i + ":" + j);
    }
    return keys;
  };
  Grid.prototype.add = function (b) {
    var keys = this.keys(b);
    for (var k = 0; k < keys.length; k++) (this.cells[keys[k]] = this.cells[keys[k]] || []).push(b);
  };
  Grid.prototype.hits = function (b) {
    var keys = this.keys(b);
    for (var k = 0; k < keys.length; k++) {
      var list = this.cells[keys[k]];
      if (!list) continue;
      for (var n = 0; n < list.length; n++) {
        var o = list[n];
        if (b.x1 < o.x2 && b.x2 > o.x1 && b.y1 < o.y2 && b.y2 > o.y1) return true;
      }
    }
    return false;
  };

  // Whether a point of `points` (container pixels) is within 24 px of `pt`.
  function near(points, pt) {
    for (var i = 0; points && i < points.length; i++) {
      if (Math.abs(points[i].x - pt.x) < 24 && Math.abs(points[i].y - pt.y) < 24) return true;
    }
    return false;
  }

  function boxOf(rect, origin) {
    return { x1: rect.left - origin.left, y1: rect.top - origin.top, x2: rect.right - origin.left, y2: rect.bottom - origin.top };
  }

  // Shoelace area and point-in-ring / distance-to-edge of a ring of L.Points.
  function ringArea(ring) {
    var a = 0;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j].x + ring[i].x) * (ring[j].y - ring[i].y);
    return Math.abs(a / 2);
  }
  function inside(x, y, ring) {
    var hit = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a.y > y) !== (b.y > y) && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) hit = !hit;
    }
    return hit;
  }
  function edgeDistance(x, y, ring) {
    var best = Infinity;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var d = L.LineUtil.pointToSegmentDistance(L.point(x, y), ring[i], ring[j]);
      if (d < best) best = d;
    }
    return best;
  }
  // The point of a ring farthest from its edges, searched on a grid, then finer around it.
  function visualCentre(ring) {
    var b = L.bounds(ring), best = null, w = b.max.x - b.min.x, h = b.max.y - b.min.y;
    var x0 = b.min.x, y0 = b.min.y, n = 12;
    for (var pass = 0; pass < 2; pass++) {
      var sx = w / n, sy = h / n;
      for (var i = 0; i < n; i++) {
        for (var j = 0; j < n; j++) {
          var x = x0 + (i + 0.5) * sx, y = y0 + (j + 0.5) * sy;
          if (!inside(x, y, ring)) continue;
          var d = edgeDistance(x, y, ring);
          if (!best || d > best.d) best = { x: x, y: y, d: d };
        }
      }
      if (!best) return null;
      x0 = best.x - sx; y0 = best.y - sy; w = 2 * sx; h = 2 * sy; n = 6;
    }
    return best;
  }

  geomap.LabelLayer = L.Layer.extend({
    options: { pane: "geomapLabels", maxCandidates: 4000 },

    initialize: function (options) {
      L.setOptions(this, options);
      this._state = null;
      this._timer = null;
    },

    // The page's state (geomap.page): the marker groups and the country layer to label.
    attach: function (state) {
      this._state = state;
      for (var i = 0; i < state.points.length; i++) {
        state.points[i].on("animationend geomap:loaded spiderfied unspiderfied", this.schedule, this);
      }
      this.schedule();
    },

    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        var pane = map.createPane(this.options.pane);
        pane.style.zIndex = 550; // above lines and shapes, below markers (600) and popups
        pane.style.pointerEvents = "none";
      }
      this._container = L.DomUtil.create("div", "geomap-labels", map.getPane(this.options.pane));
      map.on("zoomstart", this._hide, this);
      map.on("moveend resize overlayadd overlayremove baselayerchange", this.schedule, this);
      this.schedule();
    },

    onRemove: function (map) {
      map.off("zoomstart", this._hide, this);
      map.off("moveend resize overlayadd overlayremove baselayerchange", this.schedule, this);
      L.DomUtil.remove(this._container);
      this._container = null;
    },

    _hide: function () {
      if (this._container) this._container.style.display = "none";
    },

    // Place the labels again soon (once for a burst of events).
    schedule: function () {
      if (this._timer !== null) return;
      var self = this;
      this._timer = setTimeout(function () {
        self._timer = null;
        self.update();
      }, 0);
    },

    update: function () {
      var map = this._map, state = this._state;
      if (!map || !state || !this._container) return;
      var size = map.getSize(), grid = new Grid(64), placed = [];
      var container = map.getContainer(), rect = container.getBoundingClientRect();
      var i, j, boxes;
      // Obstacles: the map's controls, and the cluster icons where they will rest (not
      // where a zoom's animation has them now).
      boxes = container.querySelectorAll(".leaflet-control");
      for (i = 0; i < boxes.length; i++) {
        var r = boxes[i].getBoundingClientRect();
        if (r.width && r.height) grid.add(boxOf(r, rect));
      }
      for (i = 0; i < state.points.length; i++) {
        var shown = state.points[i]._featureGroup; // markercluster: what is on the map
        if (!shown || !map.hasLayer(state.points[i])) continue;
        shown.eachLayer(function (layer) {
          if (!layer.getChildCount || !layer._icon) return;
          var icon = layer._iconObj, size = icon && icon.options && icon.options.iconSize;
          if (!size) return grid.add(boxOf(layer._icon.getBoundingClientRect(), rect));
          var at = map.latLngToContainerPoint(layer.getLatLng()), w = size.x || size[0], h = size.y || size[1];
          grid.add({ x1: at.x - w / 2, y1: at.y - h / 2, x2: at.x + w / 2, y2: at.y + h / 2 });
        });
      }
      // The markers shown one by one inside the view: obstacles and label candidates.
      var bounds = map.getBounds(), candidates = [];
      for (i = 0; i < state.points.length; i++) {
        var group = state.points[i];
        if (!map.hasLayer(group)) continue;
        var incident = group.geomapOptions.role === "incident";
        var markers = group.geomapMarkers;
        for (j = 0; j < markers.length; j++) {
          var m = markers[j];
          if (!m._icon || !bounds.contains(m.getLatLng())) continue;
          var pt = map.latLngToContainerPoint(m.getLatLng());
          var half = m.options.icon.options.iconSize[0] / 2;
          var p = m.feature.properties;
          var radius = half + (incident ? RINGS[p.precision] || 0 : 0);
          grid.add({ x1: pt.x - radius, y1: pt.y - radius, x2: pt.x + radius, y2: pt.y + radius });
          candidates.push({
            feature: m.feature,
            pt: pt,
            r: radius,
            incident: incident,
            low: incident && geomap.isLow(p, group.geomapOptions),
          });
        }
      }
      candidates.sort(function (a, b) {
        if (a.incident !== b.incident) return a.incident ? -1 : 1;
        if (a.low !== b.low) return a.low ? 1 : -1;
        var sa = a.feature.properties.score, sb = b.feature.properties.score;
        return (typeof sb === "number" ? sb : 0) - (typeof sa === "number" ? sa : 0);
      });
      var free = function (b) {
        return b.x1 >= MARGIN && b.y1 >= MARGIN && b.x2 <= size.x - MARGIN && b.y2 <= size.y - MARGIN && !grid.hits(b);
      };
      var limit = Math.min(candidates.length, this.options.maxCandidates), named = {};
      for (i = 0; i < limit; i++) {
        var c = candidates[i], props = c.feature.properties, name = String(props.name || "");
        if (!name || near(named[name], c.pt)) continue; // one label for the same place twice
        var km = c.incident && props.distance ? String(props.distance) : "";
        var w = textWidth(name, c.incident ? NAME_FONT : KM_FONT) + (km ? textWidth(" " + km, KM_FONT) : 0) + 8;
        var sides = [
          [c.pt.x + c.r + GAP, c.pt.y - HEIGHT / 2],
          [c.pt.x - c.r - GAP - w, c.pt.y - HEIGHT / 2],
          [c.pt.x - w / 2, c.pt.y - c.r - GAP - HEIGHT],
          [c.pt.x - w / 2, c.pt.y + c.r + GAP],
        ];
        for (j = 0; j < sides.length; j++) {
          var b = { x1: sides[j][0], y1: sides[j][1], x2: sides[j][0] + w, y2: sides[j][1] + HEIGHT };
          if (free(b)) {
            grid.add(b);
            placed.push({ box: b, name: name, km: km, kind: c.incident ? "incident" : "context", low: c.low, feature: c.feature });
            (named[name] = named[name] || []).push(c.pt);
            break;
          }
        }
      }
      if (state.countries && map.hasLayer(state.countries)) {
        var anchors = this._countryAnchors(map, size);
        for (i = 0; i < anchors.length; i++) {
          var a = anchors[i], label = a.name.toUpperCase();
          var cw = textWidth(label, COUNTRY_FONT) + label.length * 1.2 + 6;
          if (a.d < HEIGHT / 2 || a.area < cw * HEIGHT * 2) continue;
          // The visual centre, else a little above or below it, or beside it (where the
          // place labels of a small country leave no room at its centre).
          for (j = 0; j < COUNTRY_SHIFTS.length; j++) {
            var x = a.x + COUNTRY_SHIFTS[j][0] * cw, y = a.y + COUNTRY_SHIFTS[j][1] * HEIGHT;
            if (j && (!inside(x, y, a.ring) || edgeDistance(x, y, a.ring) < HEIGHT / 2)) continue;
            var cb = { x1: x - cw / 2, y1: y - HEIGHT / 2, x2: x + cw / 2, y2: y + HEIGHT / 2 };
            if (free(cb)) {
              grid.add(cb);
              placed.push({ box: cb, name: a.name, kind: "country" });
              break;
            }
          }
        }
      }
      this._draw(map, placed);
    },

    // Anchors of the countries in view: the visual centre of the largest part inside the
    // view, and of the second largest (an exclave) when it is at least a fifth of that.
    _countryAnchors: function (map, size) {
      var origin = map.containerPointToLayerPoint([0, 0]);
      var view = L.bounds([MARGIN, MARGIN], [size.x - MARGIN, size.y - MARGIN]);
      var rings = {};
      this._state.countries.eachLayer(function (layer) {
        var name = layer.feature && layer.feature.properties.name;
        var parts = layer._parts; // the rings Leaflet drew, in layer pixels
        if (!name || !parts) return;
        for (var i = 0; i < parts.length; i++) {
          if (parts[i].length < 3) continue;
          var ring = parts[i].map(function (pt) { return pt.subtract(origin); });
          ring = L.PolyUtil.clipPolygon(ring, view);
          if (ring.length < 3) continue;
          (rings[name] = rings[name] || []).push({ ring: ring, area: ringArea(ring) });
        }
      });
      var anchors = [];
      for (var name in rings) {
        var list = rings[name].sort(function (a, b) { return b.area - a.area; });
        for (var k = 0; k < Math.min(list.length, 2); k++) {
          if (list[k].area < list[0].area / 5) break;
          var centre = visualCentre(list[k].ring);
          if (centre) anchors.push({ name: name, x: centre.x, y: centre.y, d: centre.d, area: list[k].area, ring: list[k].ring });
        }
      }
      anchors.sort(function (a, b) { return b.area - a.area; });
      return anchors;
    },

    _draw: function (map, placed) {
      var origin = map.containerPointToLayerPoint([0, 0]);
      var fragment = document.createDocumentFragment();
      for (var i = 0; i < placed.length; i++) {
        var item = placed[i];
        var div = document.createElement("div");
        div.className = "geomap-place-label geomap-label-" + item.kind + (item.low ? " geomap-label-low" : "");
        if (item.kind === "country") {
          div.textContent = item.name;
        } else {
          var name = document.createElement(item.kind === "incident" ? "b" : "span");
          name.className = "geomap-label-name";
          name.textContent = item.name;
          div.appendChild(name);
          if (item.km) {
            var km = document.createElement("span");
            km.className = "geomap-label-km";
            km.textContent = " " + item.km;
            div.appendChild(km);
          }
        }
        div.style.width = item.box.x2 - item.box.x1 + "px";
        L.DomUtil.setPosition(div, L.point(item.box.x1, item.box.y1).add(origin));
        fragment.appendChild(div);
      }
      this._container.textContent = "";
      this._container.appendChild(fragment);
      this._container.style.display = "";
      this.fire("labelsdrawn", { count: placed.length });
    },
  });

  geomap.labelLayer = function (options) {
    return new geomap.LabelLayer(options);
  };
})(window.L);
