/* geomap's page around the map (inlined into every geomap page): the header (title,
 * date, source), the incident list (sortable, virtualised, printable), the filters (event
 * type, confidence, a time slider when the incidents have dates), the initial view, the
 * switch to the offline basemap when tiles fail, and the side panel's toggle.
 *
 * Every string that comes from the data is put into the page with textContent, never as
 * HTML.
 */
(function (L) {
  "use strict";
  var geomap = (window.geomap = window.geomap || {});

  var ROW_HEIGHT = 24; // px, one list row (virtualised: only the rows in view exist)
  var OVERSCAN = 8; // rows drawn above and below the visible ones
  var DAY_MS = 86400000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function count(n) {
    return n.toLocaleString("en");
  }

  function number(value) {
    return typeof value === "number" && isFinite(value) ? value : null;
  }

  // km for a narrow column: the label's figure (geomap.render.style.format_distance),
  // without decimals from 100 km.
  function kmText(p) {
    if (p.at_border) return "<" + (number(p.accuracy) !== null ? p.accuracy : 1); // within the accuracy
    if (p.role === "incident" && p.precision === 3) return "\u2013"; // its point stands in for a region
    var km = number(p.distance_km);
    if (km !== null && km >= 100) return km.toFixed(0);
    return String(p.distance || "").replace(" km", "");
  }

  function dayNumber(day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
    return m ? Math.round(Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS) : null;
  }

  function dayText(n) {
    return new Date(n * DAY_MS).toISOString().slice(0, 10);
  }

  // -- the state of one page --------------------------------------------------------------

  geomap.page = function (map, data, options, refs) {
    var features = data ? data.features : [];
    var state = {
      map: map,
      features: features,
      options: options,
      points: refs.points || [],
      links: refs.links || null,
      relative: refs.relative || null,
      labels: refs.labels || null,
      countries: refs.countries || null,
      tiles: refs.tiles || null,
      filter: { hidden: {}, hideLow: false, from: null, to: null },
      incidents: [],
    };
    geomap.state = state;
    for (var i = 0; i < features.length; i++) {
      var p = features[i].properties;
      features[i]._index = i;
      features[i]._day = dayNumber(geomap.dayOf(p));
      if (p.role === "incident" && features[i]._marker) state.incidents.push(features[i]);
    }
    header(state);
    areas(state);
    sideToggle(state);
    fitView(state);
    // The map follows its box: the header grows (a notice, a long title), the panel folds.
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(map.getContainer());
    }
    function remember() {
      if (!state.printed) state.view = { center: map.getCenter(), zoom: map.getZoom(), bounds: map.getBounds() };
    }
    map.on("moveend", remember);
    remember();
    state.list = geomap.incidentList(state);
    filters(state);
    if (state.labels) state.labels.attach(state);
    if (state.links && state.points.some(function (g) { return g.geomapCluster; })) followClusters(state);
    watchTiles(state);
    // A marker's popup marks its row (one popup per layer: it may just change source).
    state.points.forEach(function (group) {
      group.on("click", function (e) {
        var marker = e.propagatedFrom || e.layer;
        if (marker && marker.feature) state.list.select(marker.feature, true);
      });
    });
    return state;
  };

  // Which features the filters show.
  function visible(state, f) {
    var p = f.properties, filter = state.filter;
    if (p.role === "incident") {
      if (filter.hidden[geomap.typeOf(p, state.options)]) return false;
      if (filter.hideLow && geomap.isLow(p, state.options)) return false;
    }
    if (filter.from !== null && f._day !== null && (f._day < filter.from || f._day > filter.to)) return false;
    return true;
  }

  function apply(state) {
    var show = function (f) { return visible(state, f); };
    for (var i = 0; i < state.points.length; i++) state.points[i].geomapShow(show);
    if (state.links) state.links.geomapShow(state.follow ? linkShown(state) : show);
    if (state.relative) state.relative.geomapShow(show);
    state.list.refresh();
    if (state.labels) state.labels.schedule();
    counts(state);
  }

  // With clustered markers, a distance line is drawn only for a marker shown by itself
  // (as its label is): no tangle of lines out of the clusters.
  function linkShown(state) {
    return function (f) { return visible(state, f) && !!f._marker && !!f._marker._icon; };
  }

  function followClusters(state) {
    var timer = null;
    state.follow = true;
    function update() {
      timer = null;
      state.links.geomapShow(linkShown(state));
    }
    function schedule() {
      if (timer === null) timer = setTimeout(update, 0);
    }
    state.map.on("moveend", schedule);
    state.points.forEach(function (g) { g.on("animationend geomap:loaded", schedule); });
    update();
  }

  // -- header ------------------------------------------------------------------------------

  function header(state) {
    var o = state.options;
    var head = document.querySelector(".geomap-header");
    if (!head) return;
    head.querySelector(".geomap-page-title").textContent = o.title || "";
    if (o.title) document.title = o.title + " \u2014 geomap";
    var meta = head.querySelector(".geomap-meta");
    meta.textContent = "";
    function item(label, value) {
      if (!value) return;
      var span = el("span", "geomap-meta-item");
      if (label) span.appendChild(el("span", "geomap-meta-label", label + ": "));
      span.appendChild(document.createTextNode(String(value)));
      meta.appendChild(span);
    }
    item("Date", o.date);
    item("Source", o.source);
    var count = el("span", "geomap-meta-item geomap-count");
    meta.appendChild(count);
    item("Borders", o.pov ? "point of view " + o.pov : null);
    if (o.pov && o.povText) meta.lastChild.title = o.povText;
    item("", o.generator);
    counts(state);
  }

  function counts(state) {
    var node = document.querySelector(".geomap-count");
    if (!node) return;
    var total = state.incidents.length, shown = 0;
    for (var i = 0; i < total; i++) if (visible(state, state.incidents[i])) shown++;
    var context = state.options.context || 0;
    var text = (shown === total ? count(total) : count(shown) + " of " + count(total)) + (total === 1 ? " incident" : " incidents");
    if (context) text += ", " + count(context) + (context === 1 ? " context place" : " context places");
    node.textContent = text;
  }

  // The regions, countries, seas and lines named but not drawn (no incident there), under
  // the incident list; each name's role and reason on hover.
  function areas(state) {
    var o = state.options.areas, node = document.querySelector(".geomap-areas");
    if (!o || !node || !o.names.length) return;
    node.textContent = "";
    node.appendChild(el("b", null, "Also named, not drawn"));
    node.appendChild(document.createTextNode(" (no incident there; a point would only stand in for a region, country, sea or line): "));
    o.names.forEach(function (entry, i) {
      var name = el("span", "geomap-area-name", entry[0] + (entry[3] > 1 ? " \u00d7" + count(entry[3]) : ""));
      name.title = entry[1] + (entry[2] ? ": " + entry[2] : "");
      if (i) node.appendChild(document.createTextNode(", "));
      node.appendChild(name);
    });
    if (o.more) node.appendChild(document.createTextNode(" and " + count(o.more) + " more"));
    node.appendChild(document.createTextNode("."));
    node.hidden = false;
  }

  function notice(message) {
    var node = document.querySelector(".geomap-notice");
    if (!node) return;
    node.textContent = message;
    node.hidden = false;
  }

  function sideToggle(state) {
    var button = document.querySelector(".geomap-side-toggle");
    if (!button) return;
    function set(open) {
      document.body.classList.toggle("geomap-side-closed", !open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Hide panel \u25B8" : "\u25C2 Show panel";
      state.map.invalidateSize({ pan: false });
    }
    button.addEventListener("click", function () {
      set(document.body.classList.contains("geomap-side-closed"));
    });
    set(!document.body.classList.contains("geomap-side-closed"));
  }

  // -- the initial view: the incidents, clear of every control ------------------------------

  function fitView(state) {
    var o = state.options, map = state.map;
    if (!o.box) return;
    var container = map.getContainer(), rect = container.getBoundingClientRect();
    function corner(selector) {
      var node = container.querySelector(selector);
      if (!node) return { width: 0, height: 0 };
      var r = node.getBoundingClientRect();
      return { width: r.width ? r.right - rect.left : 0, height: r.height ? rect.bottom - r.top : 0, r: r };
    }
    var topLeft = corner(".leaflet-top.leaflet-left"), topRight = container.querySelector(".leaflet-top.leaflet-right");
    var bottomLeft = corner(".leaflet-bottom.leaflet-left"), bottomRight = corner(".leaflet-bottom.leaflet-right");
    var right = topRight ? rect.right - topRight.getBoundingClientRect().left : 0;
    var marker = o.markerPad || 14;
    map.fitBounds(o.box, {
      paddingTopLeft: [topLeft.width + marker, marker],
      paddingBottomRight: [right + marker, Math.max(bottomLeft.height, bottomRight.height) + marker],
      maxZoom: o.maxZoom,
      animate: false,
    });
  }

  // -- offline by itself: tiles that fail give way to the offline basemap -------------------

  function watchTiles(state) {
    var tiles = state.tiles, countries = state.countries, map = state.map;
    if (!tiles || !countries) return;
    var loaded = 0, failed = 0, switched = false;
    function fallback() {
      if (switched || loaded || !map.hasLayer(tiles)) return;
      switched = true;
      map.removeLayer(tiles);
      map.addLayer(countries);
      notice(
        "Map tiles could not be loaded (no network?): showing the offline basemap, countries " +
          "drawn from the border data. Choose the tile basemap in the layer control to try again."
      );
      document.body.classList.add("geomap-tiles-failed");
    }
    tiles.on("tileload", function () { loaded++; });
    tiles.on("tileerror", function () { failed++; });
    // Not within Leaflet's own "load" handling: it still uses the layer's map after firing.
    tiles.on("load", function () { if (failed && !loaded) setTimeout(fallback, 0); });
    setTimeout(fallback, state.options.tileTimeout || 10000);
  }

  // -- filters ------------------------------------------------------------------------------

  // A checkbox that shows or hides the incidents of one event type.
  function typeBox(state, type) {
    var input = el("input");
    input.type = "checkbox";
    input.checked = true;
    input.value = type;
    input.setAttribute("aria-label", "show " + type);
    input.addEventListener("change", function () {
      if (input.checked) delete state.filter.hidden[type];
      else state.filter.hidden[type] = true;
      apply(state);
    });
    return input;
  }

  // Filters: by event type (in the legend's class rows, or a list of their own when the
  // data has event types), confidence, and dates (a time slider).
  function filters(state) {
    var section = document.querySelector(".geomap-filters");
    if (!section) return;
    var o = state.options, types = {}, classes = {}, order = [], lows = 0, own = false, i;
    var first = null, last = null, undated = 0;
    for (i = 0; i < state.incidents.length; i++) {
      var f = state.incidents[i], p = f.properties, type = geomap.typeOf(p, o);
      if (p.event_type) own = true;
      if (!types[type]) {
        types[type] = { count: 0, cls: p.cue_class };
        order.push(type);
      }
      types[type].count++;
      classes[p.cue_class] = (classes[p.cue_class] || 0) + 1;
      if (geomap.isLow(p, o)) lows++;
    }
    for (i = 0; i < state.features.length; i++) {
      var day = state.features[i]._day;
      if (day === null) { undated++; continue; }
      if (first === null || day < first) first = day;
      if (last === null || day > last) last = day;
    }
    var rows = document.querySelectorAll(".geomap-legend [data-cue-class]");
    // The legend's classes: a count each; a checkbox each when they are the types.
    for (i = 0; i < rows.length; i++) {
      var cls = rows[i].getAttribute("data-cue-class"), label = (o.labels || {})[cls];
      if (!classes[cls]) {
        rows[i].classList.add("geomap-absent"); // no incident of this class on the map
        continue;
      }
      rows[i].appendChild(document.createTextNode(" (" + count(classes[cls]) + ")"));
      if (!own && order.length > 1) rows[i].insertBefore(typeBox(state, label), rows[i].firstChild);
    }
    var timed = first !== null && last > first;
    var listed = own && order.length > 1;
    if (!listed && !lows && !timed) return;
    section.hidden = false;
    if (listed) {
      var box = el("div", "geomap-types");
      box.appendChild(el("div", "geomap-section-title", "Event types"));
      order.sort();
      order.forEach(function (type) {
        var item = el("label", "geomap-type");
        item.appendChild(typeBox(state, type));
        var cls = types[type].cls;
        if (cls) item.appendChild(el("span", "geomap-swatch geomap-cue-" + cls));
        item.appendChild(document.createTextNode(type + " (" + count(types[type].count) + ")"));
        box.appendChild(item);
      });
      section.appendChild(box);
    }
    if (lows) {
      var low = el("label", "geomap-type");
      var check = el("input");
      check.type = "checkbox";
      check.checked = true;
      check.className = "geomap-show-low";
      check.addEventListener("change", function () {
        state.filter.hideLow = !check.checked;
        apply(state);
      });
      low.appendChild(check);
      low.appendChild(document.createTextNode("show low-confidence places (score < " + o.lowScore + ", " + lows + ")"));
      section.appendChild(low);
    }
    if (timed) timeSlider(state, section, first, last, undated);
  }

  function timeSlider(state, section, first, last, undated) {
    var box = el("div", "geomap-time");
    var out = el("div", "geomap-time-range");
    var from = el("input", "geomap-time-from"), to = el("input", "geomap-time-to");
    [from, to].forEach(function (input, k) {
      input.type = "range";
      input.min = "0";
      input.max = String(last - first);
      input.step = "1";
      input.value = k ? String(last - first) : "0";
      input.setAttribute("aria-label", k ? "last day shown" : "first day shown");
    });
    var pending = null;
    function changed(e) {
      var a = +from.value, b = +to.value;
      if (a > b) {
        if (e && e.target === from) to.value = String(a);
        else from.value = String(b);
      }
      a = +from.value;
      b = +to.value;
      state.filter.from = first + a;
      state.filter.to = first + b;
      out.textContent = dayText(first + a) + " \u2013 " + dayText(first + b);
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; apply(state); }, state.features.length > 20000 ? 250 : 30);
    }
    from.addEventListener("input", changed);
    to.addEventListener("input", changed);
    box.appendChild(el("div", "geomap-section-title", "Dates"));
    box.appendChild(from);
    box.appendChild(to);
    box.appendChild(out);
    if (undated) box.appendChild(el("div", "geomap-note", undated + " places without a date are always shown."));
    section.appendChild(box);
    state.filter.from = first;
    state.filter.to = last;
    out.textContent = dayText(first) + " \u2013 " + dayText(last);
  }

  // -- the incident list ----------------------------------------------------------------------

  function columns(state) {
    var o = state.options, levels = o.levels || {}, dated = false, coarse = !!o.hasPrecision;
    for (var i = 0; i < state.incidents.length; i++) {
      var p = state.incidents[i].properties;
      if (geomap.dayOf(p) || p.date) dated = true;
      if (p.precision !== 1) coarse = true;
    }
    var cols = [
      { key: "place", label: "Place", width: "minmax(4.5em, 1.3fr)", text: function (p) { return p.name; },
        sort: function (p) { return String(p.name || "").toLowerCase(); } },
      { key: "country", label: "Ctry", title: "Country (ISO 3166 code of the gazetteer)", width: "2.2em",
        text: function (p) { return p.country_code; } },
      { key: "border", label: "Border, km", title: "Nearest land border and its geodesic distance", width: "6em",
        text: function (p) { return p.border ? p.border + " " + kmText(p) : "\u2013"; },
        full: function (p) {
          var coarse = p.border && p.precision === 3 && p.role === "incident";
          return coarse ? p.border + ": no distance from a point that stands for a " + ((levels[3] || ["region"])[0]) : null;
        },
        sort: function (p) { return number(p.distance_km); } },
      { key: "type", label: "Type", title: "Event type", width: "minmax(0, 1fr)",
        text: function (p) { return geomap.typeOf(p, o).split(",")[0]; },
        full: function (p) { return geomap.typeOf(p, o); },
        swatch: function (p) { return p.cue_class; } },
    ];
    if (dated) {
      cols.push({ key: "date", label: "Date", width: "5.6em",
        text: function (p) { return geomap.dayOf(p) || p.date || ""; },
        sort: function (p) { return geomap.dayOf(p); } });
    }
    if (coarse) {
      cols.push({ key: "precision", label: "Prec.", title: "Precision: 1 town, 2 area, 3 region or coarser", width: "3.2em",
        text: function (p) { return (levels[p.precision] || [""])[0]; }, sort: function (p) { return p.precision; } });
    }
    cols.push({ key: "score", label: "Score", title: "How sure the place is (0-1); below " + o.lowScore + ": low confidence",
      width: "2.6em", numeric: true, text: function (p) { return number(p.score) === null ? "" : p.score.toFixed(2); },
      sort: function (p) { return number(p.score); } });
    return cols;
  }

  geomap.incidentList = function (state) {
    var section = document.querySelector(".geomap-list");
    var list = { rows: [], select: function () {}, refresh: function () {} };
    if (!section) return list;
    var cols = columns(state), sortKey = null, descending = false, selected = null, printing = false;
    section.style.setProperty("--geomap-columns", cols.map(function (c) { return c.width; }).join(" "));
    var toggle = section.querySelector(".geomap-list-toggle");
    var head = el("div", "geomap-list-head");
    head.setAttribute("role", "row");
    var buttons = cols.map(function (c) {
      var b = el("button", "geomap-list-sort" + (c.numeric ? " geomap-num" : ""), c.label);
      b.type = "button";
      b.setAttribute("role", "columnheader");
      if (c.title) b.title = c.title;
      b.addEventListener("click", function () {
        if (sortKey === c.key) descending = !descending;
        else { sortKey = c.key; descending = false; }
        list.refresh();
      });
      head.appendChild(b);
      return b;
    });
    var body = el("div", "geomap-list-body");
    body.setAttribute("role", "rowgroup");
    body.tabIndex = -1;
    var spacer = el("div", "geomap-list-spacer");
    body.appendChild(spacer);
    var table = el("div", "geomap-list-table");
    table.setAttribute("role", "table");
    table.setAttribute("aria-label", "Incidents");
    table.appendChild(head);
    table.appendChild(body);
    section.appendChild(table);
    var areasNote = section.querySelector(".geomap-areas");
    if (areasNote) section.appendChild(areasNote); // under the list

    function sorted() {
      var rows = state.incidents.filter(function (f) { return visible(state, f); });
      var col = null;
      for (var i = 0; i < cols.length; i++) if (cols[i].key === sortKey) col = cols[i];
      if (col) {
        var key = col.sort || col.text, sign = descending ? -1 : 1;
        var keyed = rows.map(function (f) { return { f: f, k: key(f.properties) }; });
        keyed.sort(function (a, b) {
          if (a.k === b.k) return a.f._index - b.f._index;
          if (a.k === null || a.k === undefined || a.k === "") return 1; // missing values last
          if (b.k === null || b.k === undefined || b.k === "") return -1;
          return (a.k < b.k ? -1 : 1) * sign;
        });
        rows = keyed.map(function (x) { return x.f; });
      }
      buttons.forEach(function (b, i) {
        var on = cols[i].key === sortKey;
        b.setAttribute("aria-sort", on ? (descending ? "descending" : "ascending") : "none");
        b.classList.toggle("geomap-sorted", on);
        b.dataset.dir = on ? (descending ? "\u25BC" : "\u25B2") : "";
      });
      return rows;
    }

    function rowElement(f, i) {
      var p = f.properties, row = el("div", "geomap-list-row");
      row.setAttribute("role", "row");
      row.tabIndex = 0;
      row.dataset.index = String(f._index);
      if (!printing) row.style.transform = "translateY(" + i * ROW_HEIGHT + "px)";
      if (f === selected) row.classList.add("geomap-selected");
      if (geomap.isLow(p, state.options)) row.classList.add("geomap-row-low");
      cols.forEach(function (c) {
        var cell = el("span", "geomap-cell geomap-cell-" + c.key + (c.numeric ? " geomap-num" : ""));
        cell.setAttribute("role", "cell");
        var swatch = c.swatch && c.swatch(p);
        if (swatch) cell.appendChild(el("span", "geomap-swatch geomap-cue-" + swatch));
        var value = c.text(p);
        cell.appendChild(document.createTextNode(value === null || value === undefined ? "" : String(value)));
        cell.title = (c.full && c.full(p)) || cell.textContent;
        row.appendChild(cell);
      });
      return row;
    }

    // What the list needs to show every row (toggle, head and note included), so that the
    // page's grid gives a short list no more room than that and the legend the rest.
    var needed = "";
    function claimRoom(n) {
      var need = section.offsetHeight - body.offsetHeight + Math.max(n, 1) * ROW_HEIGHT + 2;
      var value = Math.ceil(need) + "px";
      if (value !== needed) {
        needed = value;
        document.body.style.setProperty("--geomap-list-need", value);
      }
    }

    // The rows in view; after a change of rows or size, claim the room first (layout).
    function draw() {
      var rows = list.rows;
      var old = body.querySelectorAll(".geomap-list-row, .geomap-list-empty");
      for (var k = 0; k < old.length; k++) body.removeChild(old[k]);
      if (!rows.length) {
        body.appendChild(el("div", "geomap-list-empty", state.incidents.length ? "No incident matches the filters." : "No incidents found."));
        spacer.style.height = "0px";
        return;
      }
      var first = 0, last = rows.length;
      if (printing) {
        last = Math.min(rows.length, state.options.printLimit || 5000);
        spacer.style.height = "0px";
      } else {
        spacer.style.height = rows.length * ROW_HEIGHT + "px";
        first = Math.max(0, Math.floor(body.scrollTop / ROW_HEIGHT) - OVERSCAN);
        last = Math.min(rows.length, Math.ceil((body.scrollTop + body.clientHeight) / ROW_HEIGHT) + OVERSCAN);
      }
      var fragment = document.createDocumentFragment();
      for (var i = first; i < last; i++) fragment.appendChild(rowElement(rows[i], i));
      body.appendChild(fragment);
      if (printing && last < rows.length) {
        body.appendChild(el("div", "geomap-list-empty", "\u2026 and " + count(rows.length - last) + " more incidents (see the GeoJSON or CSV file)."));
      }
    }

    function layout() {
      if (!printing) claimRoom(list.rows.length);
      draw();
    }

    var frame = null;
    body.addEventListener("scroll", function () {
      if (frame === null) frame = requestAnimationFrame(function () { frame = null; draw(); });
    });
    function activate(e) {
      var row = e.target.closest ? e.target.closest(".geomap-list-row") : null;
      if (!row) return;
      geomap.focusFeature(state, state.features[+row.dataset.index]);
    }
    body.addEventListener("click", activate);
    body.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(e); }
    });
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = section.classList.toggle("geomap-collapsed") === false;
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) layout();
      });
    }
    var counter = section.querySelector(".geomap-list-count");

    list.refresh = function () {
      list.rows = sorted();
      if (counter) {
        var total = state.incidents.length;
        counter.textContent = "(" + (list.rows.length === total ? "" : count(list.rows.length) + " of ") + count(total) + ")";
      }
      layout();
    };
    // Mark a feature's row; scroll it into view when asked.
    list.select = function (f, scroll) {
      selected = f;
      var at = list.rows.indexOf(f);
      if (scroll && at >= 0 && !printing) {
        var top = at * ROW_HEIGHT;
        if (top < body.scrollTop || top + ROW_HEIGHT > body.scrollTop + body.clientHeight) {
          body.scrollTop = Math.max(0, top - body.clientHeight / 2);
        }
      }
      draw();
    };
    list.print = function (on) {
      if (printing === on) return;
      printing = on;
      section.classList.toggle("geomap-list-printing", on);
      layout();
    };
    function printed(on) {
      var legend = document.querySelector("details.geomap-legend");
      if (legend && on) {
        legend.dataset.open = legend.open ? "1" : "";
        legend.open = true; // a printout explains its symbols
      } else if (legend && legend.dataset.open === "") {
        legend.open = false;
      }
      list.print(on);
      printView(state, on);
    }
    window.addEventListener("beforeprint", function () { printed(true); });
    window.addEventListener("afterprint", function () { printed(false); });
    if (window.matchMedia) {
      var media = window.matchMedia("print");
      if (media.addEventListener) media.addEventListener("change", function (e) { printed(e.matches); });
    }
    // Rows for the list's new height (a resize, the panel's toggle, the end of printing).
    if (window.ResizeObserver) new ResizeObserver(layout).observe(body);
    else window.addEventListener("resize", layout);
    list.refresh();
    return list;
  };

  // Printing: the map gets a fixed size that fits a page (set here, before the browser lays
  // the page out for print, as Leaflet cannot follow that layout) and shows what the
  // screen showed (state.view); afterwards the screen's size and view come back.
  var PRINT_WIDTH = 680, PRINT_HEIGHT = 520; // px: an A4 or Letter page's width, with margins
  function printView(state, on) {
    var map = state.map, container = map.getContainer();
    if (on === !!state.printed) return;
    if (on) {
      state.printed = state.view; // the screen's view, before any print layout
      container.style.width = PRINT_WIDTH + "px";
      container.style.height = PRINT_HEIGHT + "px";
      map.invalidateSize({ pan: false });
      map.fitBounds(state.printed.bounds, { animate: false });
    } else {
      container.style.width = "";
      container.style.height = "";
      map.invalidateSize({ pan: false });
      map.setView(state.printed.center, state.printed.zoom, { animate: false });
      state.printed = null;
    }
  }

  // Zoom to an incident and open its popup (from the list).
  geomap.focusFeature = function (state, f) {
    var marker = f && f._marker, map = state.map;
    if (!marker) return;
    var group = f._group;
    if (!group || !group._map) return;
    var latlng = marker.getLatLng();
    var zoom = Math.min(Math.max(map.getZoom() + 1, state.options.focusZoom || 10), map.getMaxZoom());
    map.setView(latlng, zoom, { animate: false });
    var open = function () { marker.fire("click", { latlng: latlng }, true); };
    if (group.geomapCluster) group.zoomToShowLayer(marker, open);
    else open();
  };
})(window.L);
