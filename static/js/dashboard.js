/* The dashboard's charts (Apache ECharts, served with the app), drawn from the panels' data in #dashboard-data: the
   same numbers as the tables beside them. In the command hall the panels rotate and their data is fetched again from
   the API (/api/v1/dashboard/...) without reloading the page. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var config = JSON.parse(source.textContent);
  var dark = config.hall;
  var charts = {};
  var palette = ["#b71c1c", "#1565c0", "#f9a825", "#2e7d32", "#6a1b9a", "#00838f"];
  var textColor = dark ? "#e0e0e0" : "#333";

  function label(panel, key) {
    for (var i = 0; i < panel.columns.length; i++) {
      if (panel.columns[i].key === key) { return panel.columns[i].label; }
    }
    return key;
  }

  function shorten(text, size) {
    text = String(text == null ? "" : text);
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  function base() {
    return {
      color: palette,
      backgroundColor: "transparent",
      textStyle: { color: textColor, fontSize: dark ? 16 : 12 },
      tooltip: { trigger: "axis", confine: true },
      legend: { textStyle: { color: textColor }, top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      animation: !dark
    };
  }

  function linesOption(panel) {
    var chart = panel.chart, option = base();
    option.xAxis = { type: "category", data: panel.rows.map(function (r) { return r[chart.x]; }) };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = chart.series.map(function (key) {
      return { name: label(panel, key), type: "line", smooth: true, showSymbol: false,
               data: panel.rows.map(function (r) { return r[key]; }) };
    });
    return option;
  }

  function barsOption(panel) {
    var chart = panel.chart, option = base();
    var rows = panel.rows.slice(0, chart.top || 15);
    var names = rows.map(function (r) { return shorten(r[chart.x], chart.horizontal ? 18 : 8); });
    var category = { type: "category", data: names, axisLabel: { interval: 0, rotate: chart.horizontal ? 0 : 35 } };
    var value = { type: "value", max: chart.max || null, minInterval: chart.max ? 0 : 1 };
    if (chart.horizontal) { category.inverse = true; option.xAxis = value; option.yAxis = category; }
    else { option.xAxis = category; option.yAxis = value; }
    option.series = chart.series.map(function (key) {
      return { name: label(panel, key), type: "bar", data: rows.map(function (r) { return r[key]; }) };
    });
    return option;
  }

  function rankingOption(panel) {
    var option = base(), rows = panel.rows.filter(function (r) { return r.score !== null; }).slice(0, 20);
    option.xAxis = { type: "category", data: rows.map(function (r) { return shorten(r.name, 8); }),
                     axisLabel: { interval: 0, rotate: 35 } };
    option.yAxis = { type: "value", max: 100 };
    option.legend = { show: false };
    var line = rows.length ? rows[0].meeting_below : null;
    option.series = [{
      name: label(panel, "score"), type: "bar",
      data: rows.map(function (r) {
        var color = r.list_kind === "red" ? "#c62828" : r.list_kind === "black" ? "#212121" : "#1565c0";
        if (dark && r.list_kind === "black") { color = "#9e9e9e"; }
        return { value: r.score, itemStyle: { color: color } };
      }),
      markLine: line === null ? undefined : { symbol: "none", data: [{ yAxis: line }],
                                             lineStyle: { color: "#f9a825", type: "dashed" }, label: { color: textColor } }
    }];
    return option;
  }

  function gaugeTrendOption(panel) {
    var option = base(), summary = panel.summary;
    option.tooltip = { trigger: "item" };
    var full = summary.full_score || 100;
    option.grid = { left: "48%", right: 16, top: 32, bottom: 8, containLabel: true };
    option.xAxis = { type: "category", data: panel.rows.map(function (r) { return shorten(r.round, 10); }) };
    option.yAxis = { type: "value", scale: true };
    option.series = [
      { type: "gauge", center: ["23%", "58%"], radius: "78%", min: 0, max: full, splitNumber: 5,
        progress: { show: true, width: 12 }, axisLine: { lineStyle: { width: 12 } },
        axisLabel: { color: textColor, distance: 16, fontSize: dark ? 12 : 9 },
        detail: { valueAnimation: false, fontSize: dark ? 28 : 20, color: textColor, offsetCenter: [0, "62%"] },
        title: { color: textColor, offsetCenter: [0, "90%"] },
        data: [{ value: summary.total, name: label(panel, "total") }],
        markPoint: undefined },
      { type: "line", name: label(panel, "total"), data: panel.rows.map(function (r) { return r.total; }),
        markLine: summary.target == null ? undefined : { symbol: "none", data: [{ yAxis: summary.target,
                  name: label(panel, "target") }], lineStyle: { color: "#2e7d32", type: "dashed" },
                  label: { color: textColor, position: "insideEndTop",
                           formatter: label(panel, "target") + " {c}" } } }
    ];
    option.legend = { show: false };
    return option;
  }

  function heatmapOption(panel) {
    var option = base(), chart = panel.chart;
    var rows = panel.rows.slice(0, chart.top || 20);
    var kinds = panel.columns.filter(function (c) { return c.key.charAt(0) === "t" && c.key !== "total"; });
    var data = [], max = 1;
    rows.forEach(function (row, y) {
      kinds.forEach(function (kind, x) {
        var value = row[kind.key] || 0;
        max = Math.max(max, value);
        data.push([x, y, value]);
      });
    });
    option.tooltip = { trigger: "item" };
    option.grid = { left: 8, right: 16, top: 8, bottom: 48, containLabel: true };
    option.xAxis = { type: "category", data: kinds.map(function (k) { return shorten(k.label, 6); }),
                     axisLabel: { interval: 0, rotate: 30 } };
    option.yAxis = { type: "category", inverse: true, data: rows.map(function (r) { return shorten(r.grid, 14); }) };
    option.visualMap = { min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
                         itemHeight: 80, textStyle: { color: textColor }, inRange: { color: ["#fff3e0", "#b71c1c"] } };
    option.series = [{ type: "heatmap", data: data, label: { show: true } }];
    return option;
  }

  var builders = { lines: linesOption, bars: barsOption, ranking_bars: rankingOption, gauge_trend: gaugeTrendOption,
                   heatmap: heatmapOption };

  function draw(slug) {
    var panel = config.panels[slug], element = document.querySelector('.dash-chart[data-panel="' + slug + '"]');
    if (!panel || !element || !builders[panel.chart.kind]) { return; }
    var chart = charts[slug] || echarts.init(element, dark ? "dark" : null, { renderer: "canvas" });
    charts[slug] = chart;
    if (!panel.rows.length && panel.chart.kind !== "gauge_trend") {
      chart.clear();
      chart.setOption({ title: { text: panel.empty || "", left: "center", top: "middle",
                                 textStyle: { color: "#888", fontSize: 14, fontWeight: "normal" } } });
    } else {
      chart.setOption(builders[panel.chart.kind](panel), true);
    }
    element.setAttribute("data-drawn", "true");
  }

  function drawAll() { Object.keys(config.panels).forEach(draw); }

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (slug) { charts[slug].resize(); });
  });

  /* The hall: new numbers into the tables and tiles, as text. */
  function cellText(row, column) {
    var value = row[column.key];
    if (value === null || value === undefined || value === "") { return "—"; }
    if (value === true) { return config.labels.yes; }
    if (value === false) { return ""; }
    if (column.key === "change") { return value > 0 ? "▲ " + value : value < 0 ? "▼ " + (-value) : "＝"; }
    return String(value);
  }

  function fillTable(slug, panel) {
    var table = document.getElementById("table-" + slug);
    if (!table) { return; }
    var body = document.createElement("tbody");
    panel.rows.slice(0, config.rows).forEach(function (row) {
      var tr = document.createElement("tr");
      panel.columns.forEach(function (column) {
        var td = document.createElement("td");
        if (column.numeric) { td.className = "text-end"; }
        td.textContent = cellText(row, column);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!panel.rows.length) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = panel.columns.length;
      td.textContent = panel.empty || "";
      tr.appendChild(td);
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
  }

  function fillTiles(panel) {
    panel.rows.forEach(function (row, index) {
      var element = document.querySelector('[data-figure="' + index + '"]');
      if (element) { element.textContent = row.value === null ? "—" : String(row.value); }
    });
  }

  function refresh() {
    var slugs = Object.keys(config.api);
    return Promise.all(slugs.map(function (slug) {
      return fetch(config.api[slug], { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (panel) {
          config.panels[slug] = panel;
          if (slug === "overview") { fillTiles(panel); return; }
          fillTable(slug, panel);
          draw(slug);
        });
    })).then(function () {
      var stamp = document.getElementById("hall-updated");
      if (stamp) { stamp.textContent = stamp.getAttribute("data-label") + " " + new Date().toLocaleTimeString(); }
      document.body.setAttribute("data-refreshed", String(Number(document.body.getAttribute("data-refreshed") || 0) + 1));
    }).catch(function () { /* the next round tries again; the figures on screen stay */ });
  }

  function rotate() {
    var panels = Array.prototype.slice.call(document.querySelectorAll(".hall-panel"));
    var perPage = window.innerWidth >= 992 ? 4 : 1;
    var pages = Math.max(1, Math.ceil(panels.length / perPage)), page = 0;
    var status = document.getElementById("hall-page");
    function show() {
      panels.forEach(function (panel, index) { panel.hidden = Math.floor(index / perPage) !== page; });
      Object.keys(charts).forEach(function (slug) { charts[slug].resize(); });
      if (status) { status.textContent = (page + 1) + " / " + pages; }
    }
    show();
    if (pages > 1) { setInterval(function () { page = (page + 1) % pages; show(); }, config.rotate * 1000); }
  }

  function clock() {
    var element = document.getElementById("hall-clock");
    if (!element) { return; }
    function tick() { element.textContent = new Date().toLocaleString(document.documentElement.lang || "zh-CN"); }
    tick();
    setInterval(tick, 1000);
  }

  drawAll();
  if (config.hall) {
    rotate();
    clock();
    setInterval(refresh, config.refresh * 1000);
    var button = document.getElementById("hall-fullscreen");
    if (button && document.documentElement.requestFullscreen) {
      button.addEventListener("click", function () { document.documentElement.requestFullscreen(); });
    } else if (button) { button.hidden = true; }
    window.dashboardRefresh = refresh;
  }
}());
