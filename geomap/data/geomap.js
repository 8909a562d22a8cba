/* geomap's map layers and controls for Leaflet 1.9 (inlined into every geomap page).
 *
 * Every string that comes from the data is put into the page with textContent or as a
 * text node, never as HTML, so names, sentences and file names cannot inject markup.
 */
(function (L) {
  "use strict";
  var geomap = (window.geomap = window.geomap || {});

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function text(value) {
    return document.createTextNode(value === undefined || value === null ? "" : String(value));
  }

  function row(parent, label, value) {
    var div = el("div", "geomap-row");
    div.appendChild(el("span", "geomap-label", label + ": "));
    div.appendChild(value instanceof Node ? value : text(value));
    parent.appendChild(div);
    return div;
  }

  // The sentence as text nodes, every occurrence of the place name in a <mark>.
  function highlighted(sentence, name) {
    var block = el("blockquote", "geomap-sentence");
    var haystack = sentence, needle = name || "";
    if (needle && sentence.indexOf(needle) < 0) {
      var lower = sentence.toLowerCase();
      if (lower.length === sentence.length) {
        haystack = lower;
        needle = needle.toLowerCase();
      }
    }
    var start = 0, i = needle ? haystack.indexOf(needle) : -1;
    while (i >= 0) {
      block.appendChild(text(sentence.slice(start, i)));
      block.appendChild(el("mark", null, sentence.slice(i, i + needle.length)));
      start = i + needle.length;
      i = haystack.indexOf(needle, start);
    }
    block.appendChild(text(sentence.slice(start)));
    return block;
  }

  function known(value, list, fallback) {
    return list.indexOf(value) >= 0 ? value : fallback;
  }

  function missing(value) {
    return value === undefined || value === null || value === "";
  }

  // The distance to the nearest border, in words: "8.6 km to the AM–AZ border", or, nearer
  // than the border data's accuracy, "at the AM–AZ border (within the data's accuracy, ~1 km)".
  // A border_kind other than "international" names the line: "the IN–PK line of control".
  function borderText(p, options) {
    var kind = p.border_kind ? ((options && options.borderKinds) || {})[p.border_kind] || String(p.border_kind).replace(/_/g, " ") : "border";
    return "the " + p.border + " " + kind;
  }

  function distanceText(p, options) {
    if (missing(p.distance) || !p.border) return "";
    if (p.at_border) {
      var accuracy = typeof p.accuracy === "number" ? ", ~" + p.accuracy + " km" : "";
      return "at " + borderText(p, options) + " (within the data\u2019s accuracy" + accuracy + ")";
    }
    return p.distance + " to " + borderText(p, options);
  }
  geomap.distanceText = distanceText;

  // Codes joined by ";" in the data, for people: "IL, SY".
  function codes(value) {
    return String(value || "").split(";").filter(Boolean).join(", ");
  }

  // An http(s) link as a DOM element; any other URL (javascript:, data:, ...) as plain text.
  geomap.link = function (url) {
    var value = String(url);
    if (!/^https?:\/\//i.test(value)) return text(value);
    var a = el("a", "geomap-url", value);
    a.href = value;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  };

  geomap.isLow = function (p, options) {
    return typeof p.score === "number" && p.score < options.lowScore;
  };

  // The event type shown for an incident: the label of its event_type (the violence
  // vocabulary's, or the type as written when it has none), else the label of its violence
  // word's class.
  geomap.typeOf = function (p, options) {
    if (p.event_type) return (options.types || {})[p.event_type] || String(p.event_type);
    return (options.labels || {})[p.cue_class] || p.cue_class || "";
  };

  // The ISO day of a feature (time slider, list): "day", else its event date.
  geomap.dayOf = function (p) {
    return p.day || p.event_date || null;
  };

  var DATE_PRECISION = { week: "that week", month: "that month" };
  var DIRECTIONS = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"];

  // Where a relative location lies from its reference place, in words.
  function relativeText(p) {
    var ref = p.place || p.name || "the reference place";
    if (p.rel_kind === "offset" && typeof p.rel_distance_km === "number" && typeof p.rel_bearing === "number") {
      var bearing = ((p.rel_bearing % 360) + 360) % 360;
      var direction = DIRECTIONS[Math.round(bearing / 45) % 8];
      return p.rel_distance_km + " km " + direction + " (bearing " + Math.round(bearing) + "\u00b0) of " + ref +
        ": the marker is at that point, a thin line leads to " + ref;
    }
    if (p.rel_kind === "near") return "near " + ref + ": somewhere around the point";
    if (p.rel_kind === "between") return "between places: drawn at " + ref;
    if (p.rel_kind === "direction" || p.rel_kind === "distance") {
      return "at a distance or direction from " + ref + " that the text does not give in full: drawn at " + ref;
    }
    return String(p.rel_kind);
  }

  // Who holds and who claims a place in a disputed or de facto area.
  function controlText(p, options) {
    var parts = [];
    if (p.admin) parts.push("administered by " + codes(p.admin));
    var claimants = codes(p.claimants);
    if (claimants) parts.push((claimants.indexOf(",") >= 0 ? "claimed by " : "claimed only by ") + claimants);
    var area = p.area ? (options.areaNames || {})[p.area] || String(p.area).replace(/_/g, " ") : "";
    if (area || p.area_status) {
      parts.push("in " + (area || "an area") + (p.area_status ? " (" + String(p.area_status).replace(/_/g, " ") + ")" : ""));
    }
    return parts.join("; ");
  }

  // Popup content of one feature: a DOM element, every value as text.
  geomap.popup = function (feature, options) {
    var p = feature.properties, c = feature.geometry.coordinates;
    var incident = p.role === "incident";
    var box = el("div", "geomap-popup");
    var title = el("div", "geomap-title");
    title.appendChild(el("b", null, p.name));
    if (p.place && p.place !== p.name) title.appendChild(text(" (" + p.place + ")"));
    box.appendChild(title);
    if (incident) {
      var cue = geomap.typeOf(p, options);
      row(box, "Incident", cue + (p.cue ? " (\u201c" + p.cue + "\u201d)" : ""));
    } else {
      var role = el("div", "geomap-row geomap-role");
      role.appendChild(el("span", "geomap-label", "Role: "));
      role.appendChild(el("b", null, p.role || "context"));
      role.appendChild(text(": not where violence happened"));
      box.appendChild(role);
    }
    if (p.role_reason) row(box, "Why", p.role_reason);
    if (p.metonymic && String(p.role_reason || "").indexOf("metonymic") < 0) {
      row(box, "Metonymic", "the name stands for a government, people or forces, not the place");
    }
    if (p.event_date) {
      row(box, "Event date", p.event_date + (DATE_PRECISION[p.date_precision] ? " (" + DATE_PRECISION[p.date_precision] + ")" : ""));
    }
    if (p.date) row(box, p.event_date ? "Document date" : "Date", p.date);
    var notes = options.precision || {}, note = notes[p.feature] || notes[""] || "";
    var level = incident ? (options.levels || {})[p.precision] : null;
    if (level) {
      row(box, "Precision", p.precision + " (ACLED geo_precision): " + level[1] + (p.precision === 3 ? "; " + note : ""));
    } else {
      row(box, "Point", note);
    }
    if (p.rel_kind) row(box, "Located", relativeText(p));
    var country = p.country_code || "";
    var countryRow = row(box, "Country", country || "unknown");
    if (p.country && p.country !== p.country_code) {
      countryRow.appendChild(text(" (border data: " + p.country + ") "));
      countryRow.appendChild(el("span", "geomap-warn geomap-mismatch", "GeoNames and the border data disagree"));
    }
    var control = controlText(p, options);
    if (control) row(box, "Control", control).classList.add("geomap-control");
    row(box, "Coordinates", c[1].toFixed(4) + ", " + c[0].toFixed(4) + " (lat, lon)");
    if (typeof p.score === "number") {
      var score = row(box, "Score", p.score.toFixed(2));
      if (geomap.isLow(p, options)) {
        score.appendChild(el("span", "geomap-warn", " low confidence: the place may be wrong"));
      }
    }
    var nearest = el("div", "geomap-row geomap-distance");
    nearest.appendChild(el("span", "geomap-label", "Nearest land border: "));
    var distance = distanceText(p, options);
    if (distance) {
      nearest.appendChild(el("b", null, distance));
      if (!p.at_border) nearest.appendChild(text(" (" + p.distance_km + " km geodesic; " + options.accuracy + ")"));
    } else if (p.border && typeof p.distance_km === "number") {
      // An incident only located to a region: its point stands in for the region.
      nearest.appendChild(text(p.border + ", " + p.distance_km + " km from the point that stands for the " +
        (p.feature || "area") + " (the event may be anywhere in it)"));
    } else {
      nearest.appendChild(text(incident ? "no land border distance" : "none given"));
    }
    box.appendChild(nearest);
    var sameLine = p.border_kind && typeof p.distance_km === "number" && Math.abs(p.near_line_km - p.distance_km) < 0.01;
    if (p.near_line && !sameLine) {
      row(box, "Nearest de facto line", p.near_line + ": " + (p.at_line ? "at the line (within the data\u2019s accuracy)" : p.near_line_km + " km"));
    }
    if (p.sentence) box.appendChild(highlighted(String(p.sentence), String(p.name || "")));
    row(box, "Source", p.source || "");
    if (p.url) row(box, "URL", geomap.link(p.url));
    return box;
  };

  geomap.tooltip = function (feature, options) {
    var p = feature.properties;
    var distance = distanceText(p, options);
    var extra = distance ? " \u2014 " + distance : p.role && p.role !== "incident" ? " \u2014 " + p.role : "";
    return el("span", "geomap-tooltip", (p.name || "") + extra);
  };

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 100 ? 32 : n < 10000 ? 40 : 48;
    return L.divIcon({
      html: el("div", null, n.toLocaleString("en")),
      className: "marker-cluster geomap-cluster",
      iconSize: L.point(size, size),
    });
  }

  // The marker's look: class colour; for incidents, hollow when the score is low and a
  // dashed ring (smaller dot) for an area (2) or a region (3).
  function iconKey(p, options) {
    if (options.role !== "incident") return "context";
    var cls = known(p.cue_class, options.classes, "other");
    var precision = p.precision === 2 || p.precision === 3 ? p.precision : 1;
    return cls + " " + precision + (geomap.isLow(p, options) ? " low" : "");
  }

  function makeIcon(key, options) {
    var parts = key.split(" "), cls = parts[0], size = options.size, names;
    names = "geomap-marker geomap-" + options.role + " geomap-cue-" + cls;
    if (options.role === "incident") {
      names += " geomap-prec-" + parts[1] + (parts[2] ? " geomap-low" : "");
      if (parts[1] === "3") size = options.coarseSize;
    }
    return L.divIcon({ className: names, iconSize: [size, size], html: "" });
  }

  // One marker layer (clustered or not) for the features of one role, from the data.
  // Each feature keeps its marker (feature._marker), so the list, the labels and the
  // filters of geomap.page can reach it.
  geomap.pointLayer = function (data, options) {
    var markers = [], icons = {}, features = data.features;
    for (var i = 0; i < features.length; i++) {
      var f = features[i], p = f.properties;
      if ((p.role === "incident") !== (options.role === "incident")) continue;
      var key = iconKey(p, options);
      if (!icons[key]) icons[key] = makeIcon(key, options);
      var c = f.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], { icon: icons[key], riseOnHover: true });
      marker.feature = f;
      f._marker = marker;
      markers.push(marker);
    }
    var group, pending = null;
    if (options.cluster) {
      group = L.markerClusterGroup({
        chunkedLoading: true,
        maxClusterRadius: 50,
        showCoverageOnHover: false,
        iconCreateFunction: clusterIcon,
        chunkProgress: function (done, total) {
          if (done >= total) group.fire("geomap:loaded");
        },
      });
      // Markers are given to the cluster group once it is on the map: before that, its
      // addLayers checks each new marker against all the earlier ones (quadratic).
      pending = markers;
      group.on("add", function () {
        if (pending) group.addLayers(pending);
        pending = null;
      });
    } else {
      group = L.featureGroup(markers);
    }
    for (var m = 0; m < markers.length; m++) markers[m].feature._group = group;
    group.geomapMarkers = markers;
    group.geomapOptions = options;
    group.geomapCluster = !!options.cluster;
    // The markers of the features `show` accepts: for the filters of geomap.page.
    group.geomapShow = function (show) {
      var shown = [];
      for (var j = 0; j < markers.length; j++) if (show(markers[j].feature)) shown.push(markers[j]);
      if (options.cluster && !group._map) {
        pending = shown;
        return;
      }
      group.clearLayers();
      if (options.cluster) group.addLayers(shown);
      else for (var k = 0; k < shown.length; k++) group.addLayer(shown[k]);
    };
    group.bindPopup(function (layer) {
      return geomap.popup(layer.feature, options);
    }, { maxWidth: 380, minWidth: 240 });
    group.bindTooltip(function (layer) {
      return geomap.tooltip(layer.feature, options);
    }, { direction: "top", offset: [0, -options.size / 2] });
    return group;
  };

  // Dashed lines from each incident to its nearest border point (their km are in the
  // place labels, geomap_labels.js). Built when the layer is first shown, so a page that
  // starts with it unticked opens fast; rebuilt for the features a filter shows.
  geomap.linkLayer = function (data, options) {
    var group = L.featureGroup(), built = false, show = null;
    function build() {
      group.clearLayers();
      buildLinks(group, data.features, options, show);
      built = true;
    }
    group.on("add", function () {
      if (!built) build();
    });
    group.geomapShow = function (accept) {
      show = accept;
      if (built) build();
    };
    group.bindTooltip(function (layer) {
      var p = layer.feature ? layer.feature.properties : {};
      return el("span", null, (p.name || "") + ": " + distanceText(p, options));
    }, { sticky: true });
    return group;
  };

  function buildLinks(group, features, options, show) {
    var renderer = options.canvas ? L.canvas({ padding: 0.5 }) : undefined;
    var layers = [];
    for (var i = 0; i < features.length; i++) {
      var f = features[i], p = f.properties;
      if (p.role !== "incident" || missing(p.border_lat) || missing(p.border_lon)) continue;
      if (missing(p.distance)) continue;
      if (show && !show(f)) continue;
      var c = f.geometry.coordinates, lat = c[1], lon = c[0];
      var blat = p.border_lat, blon = p.border_lon;
      if (blon - lon > 180) blon -= 360; // the short way across the antimeridian
      else if (lon - blon > 180) blon += 360;
      var line = L.polyline([[lat, lon], [blat, blon]], {
        color: options.color,
        weight: 2,
        dashArray: "6 6",
        className: "geomap-link",
        renderer: renderer,
      });
      line.feature = f;
      layers.push(line);
    }
    for (var j = 0; j < layers.length; j++) group.addLayer(layers[j]);
  }

  // Thin lines from each incident located relative to a place ("10 km north of Kharkiv",
  // its marker at the offset point) to that reference place (the feature's "ref").
  geomap.referenceLayer = function (data, options) {
    var group = L.featureGroup(), show = null;
    function build() {
      group.clearLayers();
      var features = data.features;
      for (var i = 0; i < features.length; i++) {
        var f = features[i], p = f.properties;
        if (!p.ref || (show && !show(f))) continue;
        var c = f.geometry.coordinates;
        var line = L.polyline([[c[1], c[0]], [p.ref[1], p.ref[0]]], {
          color: options.color, weight: 1.5, opacity: 0.8, className: "geomap-reference",
        });
        line.feature = f;
        group.addLayer(line);
      }
    }
    build();
    group.geomapShow = function (accept) {
      show = accept;
      build();
    };
    group.bindTooltip(function (layer) {
      var p = layer.feature.properties;
      return el("span", null, (p.name || "") + ": to the reference place " + (p.place || ""));
    }, { sticky: true });
    return group;
  };

  // Land-border lines; the ones nearest to an incident emphasised.
  geomap.borderLayer = function (data, options) {
    return L.geoJSON(data, {
      style: function (f) {
        return f.properties.nearest ? options.nearest : options.normal;
      },
    }).bindTooltip(function (layer) {
      var p = layer.feature.properties;
      return el("span", null, "Land border " + p.pair + (p.nearest ? " (nearest to an incident)" : ""));
    }, { sticky: true });
  };

  // Disputed and de facto lines (claims, lines of control, ceasefire lines): each kind in its
  // own style, historic lines faint.
  geomap.disputedLineLayer = function (data, options) {
    return L.geoJSON(data, {
      style: function (f) {
        var p = f.properties;
        var style = L.extend({}, options.styles[p.kind] || options.styles.claim);
        return p.status === "historic" ? L.extend(style, options.historic) : style;
      },
    }).bindTooltip(function (layer) {
      var p = layer.feature.properties;
      var text = (options.labels[p.kind] || p.kind) + ": " + p.name + " (" + p.pair + ")";
      if (p.status === "historic") text += ", historic";
      if (p.international) text += "; an international border in this point of view";
      return el("span", null, text);
    }, { sticky: true });
  };

  // The offline basemap: country polygons drawn from the border data, on a sea background.
  // It has a pane of its own, under every overlay, so that it stays below the border lines
  // even when it is added last (the switch from failed tiles).
  geomap.countryLayer = function (data, options) {
    var layer = L.geoJSON(data, {
      style: options.style,
      interactive: false,
      attribution: options.attribution,
      pane: "geomapBasemap",
    });
    var container = null;
    layer.on("add", function () {
      var map = layer._map;
      container = map.getContainer();
      L.DomUtil.addClass(container, "geomap-sea");
    });
    layer.beforeAdd = function (map) {
      if (!map.getPane("geomapBasemap")) {
        map.createPane("geomapBasemap").style.zIndex = 250; // tiles 200, overlays 400
      }
    };
    layer.on("remove", function () {
      if (container) L.DomUtil.removeClass(container, "geomap-sea");
    });
    return layer;
  };

  // Geodesic distance on the WGS84 ellipsoid in km (Vincenty's inverse formula; for
  // nearly antipodal points, where it does not converge, the great-circle distance).
  geomap.geodesicKm = function (lat1, lon1, lat2, lon2) {
    var a = 6378137, f = 1 / 298.257223563, b = a * (1 - f), rad = Math.PI / 180;
    var dLon = (lon2 - lon1) * rad;
    var u1 = Math.atan((1 - f) * Math.tan(lat1 * rad)), u2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
    var sinU1 = Math.sin(u1), cosU1 = Math.cos(u1), sinU2 = Math.sin(u2), cosU2 = Math.cos(u2);
    var lambda = dLon, previous, iterations = 0;
    var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM;
    do {
      var sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
      var t1 = cosU2 * sinLambda, t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda;
      sinSigma = Math.sqrt(t1 * t1 + t2 * t2);
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
      var C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      previous = lambda;
      lambda = dLon + (1 - C) * f * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - previous) > 1e-12 && ++iterations < 200);
    if (iterations >= 200) {
      return L.CRS.Earth.distance(L.latLng(lat1, lon1), L.latLng(lat2, lon2)) / 1000;
    }
    var uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
    var A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var c2 = cos2SigmaM * cos2SigmaM;
    var deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * c2) -
      (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * c2)));
    return (b * A * (sigma - deltaSigma)) / 1000;
  };

  // A toolbar button with a small line-drawn SVG icon (paths in a 16x16 box).
  function button(bar, paths, title) {
    var a = L.DomUtil.create("a", "geomap-button", bar);
    a.href = "#";
    a.title = title;
    a.setAttribute("role", "button");
    a.setAttribute("aria-label", title);
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    for (var i = 0; i < paths.length; i++) {
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", paths[i]);
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      svg.appendChild(path);
    }
    a.appendChild(svg);
    return a;
  }
  var FULLSCREEN_ICON = ["M1 6V1h5", "M10 1h5v5", "M15 10v5h-5", "M6 15H1v-5"];
  var MEASURE_ICON = ["M1 11h14", "M1 8v6", "M15 8v6", "M5 11v-2", "M8 11v-3", "M11 11v-2"];

  geomap.Fullscreen = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function (map) {
      var bar = L.DomUtil.create("div", "leaflet-bar geomap-fullscreen");
      var a = button(bar, FULLSCREEN_ICON, "Full screen");
      var container = map.getContainer();
      function changed() {
        var on = document.fullscreenElement === container || L.DomUtil.hasClass(container, "geomap-pseudo-fullscreen");
        a.title = on ? "Exit full screen" : "Full screen";
        map.invalidateSize();
      }
      function pseudo() {
        L.DomUtil.hasClass(container, "geomap-pseudo-fullscreen")
          ? L.DomUtil.removeClass(container, "geomap-pseudo-fullscreen")
          : L.DomUtil.addClass(container, "geomap-pseudo-fullscreen");
        changed();
      }
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (L.DomUtil.hasClass(container, "geomap-pseudo-fullscreen") || !container.requestFullscreen) {
          pseudo();
        } else {
          container.requestFullscreen().catch(pseudo);
        }
      });
      document.addEventListener("fullscreenchange", changed);
      return bar;
    },
  });

  geomap.Measure = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function (map) {
      var bar = L.DomUtil.create("div", "leaflet-bar geomap-measure");
      this._button = button(bar, MEASURE_ICON, "Measure a geodesic distance (click points on the map)");
      this._result = L.DomUtil.create("div", "geomap-measure-result", bar);
      this._result.style.display = "none";
      this._map = map;
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(this._button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        this._active ? this.stop() : this.start();
      }, this);
      return bar;
    },
    start: function () {
      var map = this._map;
      this._active = true;
      this._points = [];
      this._km = 0;
      this._line = L.polyline([], { color: "#000", weight: 2, dashArray: "4 4", interactive: false }).addTo(map);
      this._vertices = L.layerGroup().addTo(map);
      L.DomUtil.addClass(map.getContainer(), "geomap-measuring");
      L.DomUtil.addClass(this._button, "geomap-active");
      map.on("click", this._add, this);
      this._show("Click points on the map; click the ruler again to finish.");
    },
    stop: function () {
      var map = this._map;
      this._active = false;
      map.off("click", this._add, this);
      map.removeLayer(this._line);
      map.removeLayer(this._vertices);
      L.DomUtil.removeClass(map.getContainer(), "geomap-measuring");
      L.DomUtil.removeClass(this._button, "geomap-active");
      this._result.style.display = "none";
    },
    _add: function (e) {
      var previous = this._points[this._points.length - 1];
      this._points.push(e.latlng);
      if (previous) this._km += geomap.geodesicKm(previous.lat, previous.lng, e.latlng.lat, e.latlng.lng);
      this._line.setLatLngs(this._points);
      L.circleMarker(e.latlng, { radius: 3, color: "#000", interactive: false }).addTo(this._vertices);
      this._show(this._km.toFixed(2) + " km (geodesic, " + this._points.length + " points)");
      this._result.setAttribute("data-km", String(this._km));
      this._result.setAttribute("data-points", JSON.stringify(this._points.map(function (p) { return [p.lat, p.lng]; })));
    },
    _show: function (message) {
      this._result.textContent = message;
      this._result.style.display = "block";
    },
  });

  geomap.addControls = function (map, options) {
    if (options.fullscreen) new geomap.Fullscreen().addTo(map);
    if (options.measure) new geomap.Measure().addTo(map);
    // Kilometres only: the map's distances are in km.
    if (options.scale) L.control.scale({ imperial: false, maxWidth: 150 }).addTo(map);
  };
})(window.L);
