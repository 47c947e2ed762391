// The portfolio page's drift chart: one line per class, each class's band shaded, failed and
// partial ticks marked, skipped ones with a mark of their own, drawn with uPlot from the JSON API (the same numbers it answers),
// and the same numbers as a table. Nothing else on the dashboard needs JavaScript.
"use strict";

(function () {
  const PALETTE = ["#3d7dd8", "#d8793d", "#2f9e5a", "#b04fc2", "#c9a227", "#2aa3b5", "#d84f72",
    "#7a7f2a", "#5b5fd6", "#8a5a3b"];

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function seconds(iso) {
    return Date.parse(iso) / 1000;
  }

  async function json(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  // One x axis for the snapshots and the ticks marked: drift lines are null (and spanned)
  // at a tick's time, the marks null at a snapshot's. Failed (and partial) ticks are one
  // series of marks, skipped ones (no run at all) another.
  function skipped(tick) {
    return tick.status === "skipped";
  }

  function columns(points, ticks, classes) {
    const rows = points.map((p) => ({ x: seconds(p.taken_at), drifts: p.drifts }));
    ticks.forEach((t) => rows.push({ x: seconds(t.scheduled_at), tick: t }));
    rows.sort((a, b) => a.x - b.x);
    const data = [rows.map((r) => r.x)];
    classes.forEach((name) => data.push(rows.map((r) => (r.drifts && name in r.drifts ? r.drifts[name] : null))));
    data.push(rows.map((r) => (r.tick && !skipped(r.tick) ? 0 : null)));
    data.push(rows.map((r) => (r.tick && skipped(r.tick) ? 0 : null)));
    return { data, rows };
  }

  function bandsHook(classes, below, above) {
    return (u) => {
      const ctx = u.ctx;
      const { left, width } = u.bbox;
      ctx.save();
      classes.forEach((name, i) => {
        const top = u.valToPos(above[i], "y", true);
        const bottom = u.valToPos(-below[i], "y", true);
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = PALETTE[i % PALETTE.length];
        ctx.fillRect(left, top, width, bottom - top);
      });
      ctx.restore();
    };
  }

  function drawTable(table, rows, classes, zone) {
    const format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23",
    });
    const head = `<thead><tr><th scope="col">Time</th>${classes.map((c) => `<th scope="col" class="num">${escape(c)}</th>`).join("")}<th scope="col">Tick</th></tr></thead>`;
    const body = rows.map((r) => {
      const cells = classes.map((c) => {
        const value = r.drifts && c in r.drifts ? Number(r.drifts[c]).toFixed(2) : "";
        return `<td class="num" data-label="${escape(c)}">${value}</td>`;
      }).join("");
      const tick = r.tick ? `<span class="tick tick-${escape(r.tick.status)}">${escape(r.tick.status)}</span>` : "";
      return `<tr><td data-label="Time">${format.format(new Date(r.x * 1000))}</td>${cells}<td data-label="Tick">${tick}</td></tr>`;
    }).join("");
    table.innerHTML = head + `<tbody>${body}</tbody>`;
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  async function driftChart(element) {
    const classes = JSON.parse(element.dataset.bands);
    const below = JSON.parse(element.dataset.below);
    const above = JSON.parse(element.dataset.above);
    const zone = element.dataset.timezone;
    const [history, ticks] = await Promise.all([
      json(element.dataset.driftUrl), json(element.dataset.ticksUrl),
    ]);
    const { data, rows } = columns(history.points, ticks.ticks, classes);
    const axis = { stroke: css("--fg"), grid: { stroke: css("--line"), width: 1 }, ticks: { stroke: css("--line") } };
    const series = [{}];
    classes.forEach((name, i) => series.push({
      label: name, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true,
      value: (u, v) => (v == null ? "" : v.toFixed(2) + " pp"),
    }));
    // The fill only colours the legend's key (no paths, no area): solid for failed, hollow
    // for skipped, as their marks.
    series.push({
      label: "failed tick", stroke: css("--bad"), fill: css("--bad"), width: 0, paths: () => null,
      points: { show: true, size: 9, fill: css("--bad"), stroke: css("--bad") },
      value: (u, v, s, i) => (v == null ? "" : rows[i].tick.status),
    });
    // Hollow: no run, so nothing was read, rather than a read that went wrong.
    series.push({
      label: "skipped tick", stroke: css("--warn"), width: 0, paths: () => null,
      points: { show: true, size: 9, width: 2, fill: css("--bg"), stroke: css("--warn") },
      value: (u, v) => (v == null ? "" : "skipped"),
    });
    const options = {
      width: Math.max(280, element.clientWidth),
      height: 300,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      series,
      axes: [axis, { ...axis, label: "drift (pp)", size: 50 }],
      scales: { y: { range: (u, min, max) => [Math.min(min ?? 0, -Math.max(...below, 1)) - 1, Math.max(max ?? 0, Math.max(...above, 1)) + 1] } },
      hooks: { drawClear: [bandsHook(classes, below, above)] },
      cursor: { drag: { x: true, y: false } },
    };
    element.textContent = "";
    const chart = new uPlot(options, data, element);
    element.dataset.series = String(classes.length);
    element.dataset.points = String(history.points.length);
    element.dataset.failedTicks = String(ticks.ticks.filter((t) => !skipped(t)).length);
    element.dataset.skippedTicks = String(ticks.ticks.filter(skipped).length);
    element.dataset.drawn = "true";
    window.addEventListener("resize", () => chart.setSize({ width: Math.max(280, element.clientWidth), height: 300 }));
    drawTable(document.getElementById("drift-table"), rows, classes, zone);
    window.driftChart = chart;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("drift-chart");
    if (element) {
      driftChart(element).catch((error) => {
        element.textContent = `The chart could not be drawn: ${error.message}`;
        element.dataset.drawn = "error";
      });
    }
  });
})();
