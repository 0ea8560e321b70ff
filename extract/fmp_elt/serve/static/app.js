// The fmp-elt dashboard: reads the status API (or, in the static site, its exported snapshots) and draws
// the tables and the uPlot charts. No network beyond the page's own origin.
"use strict";

(function () {
  const STATIC = Boolean(window.FMP_ELT_STATIC);
  // Keep in step with SNAPSHOTS in extract/fmp_elt/serve/site.py: the static site exports these under the same keys.
  const SOURCES = {
    status: "/api/etl/status",
    jobs: "/api/etl/jobs",
    executions: "/api/etl/executions?limit=300",
    errors: "/api/etl/executions?status=failed&limit=20",
    quality: "/api/quality?limit=1000",
    freshness: "/api/freshness",
    symbols: "/api/symbols",
    metrics: "/api/etl/metrics",
    universe: "/api/universe",
    week: "/api/etl/week",
    month: "/api/etl/month",
    coverage: "/api/coverage",
    anomalies: "/api/anomalies?limit=50",
  };
  const PRICE_LIMIT = 400;
  const PALETTE = ["#1a73e8", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#f538a0", "#5f6368"];
  const PRICE_SERIES = [
    ["close", "close"], ["sma5", "SMA 5"], ["sma20", "SMA 20"], ["sma50", "SMA 50"], ["sma200", "SMA 200"],
  ];
  const TOKEN_KEY = "fmp-elt-token";
  const charts = {};

  // ---- data -------------------------------------------------------------------------------------------
  class AuthRequired extends Error {}

  function token() {
    const match = location.hash.match(/token=([^&]+)/);
    if (match) {
      localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return localStorage.getItem(TOKEN_KEY);
  }

  async function fetchJson(path) {
    const headers = {};
    const bearer = token();
    if (bearer) headers.Authorization = "Bearer " + bearer;
    const response = await fetch(path, { headers });
    if (response.status === 401) throw new AuthRequired();
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  }

  function loadSnapshot(key) {
    const store = (window.FMP_ELT_DATA = window.FMP_ELT_DATA || {});
    if (key in store) return Promise.resolve(store[key]);
    // <script>, not fetch: it also works when the site is opened from disk (file://)
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "data/" + key.split("/").map(encodeURIComponent).join("/") + ".js";
      script.onload = () => (key in store ? resolve(store[key]) : reject(new Error("snapshot " + key + " is empty")));
      script.onerror = () => reject(new Error("no snapshot for " + key));
      document.head.appendChild(script);
    });
  }

  function load(key) {
    return STATIC ? loadSnapshot(key) : fetchJson(SOURCES[key]);
  }

  function loadPrices(symbol) {
    return STATIC
      ? loadSnapshot("prices/" + symbol)
      : fetchJson("/api/prices/" + encodeURIComponent(symbol) + "?limit=" + PRICE_LIMIT);
  }

  // ---- formatting -------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children) node.append(child === null || child === undefined ? "" : child);
    return node;
  }

  function td(value, cls) {
    return el("td", cls ? { class: cls } : {}, value);
  }

  function badge(status, text) {
    return el("span", { class: "badge", "data-status": status || "" }, text || status || "never ran");
  }

  function when(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    return d.toISOString().slice(0, 16).replace("T", " ");
  }

  function ago(iso) {
    if (!iso) return "";
    const minutes = (Date.now() - new Date(iso).getTime()) / 60000;
    const words = (m) => (m < 90 ? Math.round(m) + " min" : m < 2880 ? Math.round(m / 60) + " h" : Math.round(m / 1440) + " d");
    return minutes >= 0 ? words(minutes) + " ago" : "in " + words(-minutes);
  }

  function whenAgo(iso) {
    return iso ? when(iso) + " (" + ago(iso) + ")" : "–";
  }

  function number(value) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US");
  }

  function hours(value) {
    return value === null || value === undefined ? "–" : value < 48 ? value.toFixed(1) + " h" : (value / 24).toFixed(1) + " d";
  }

  function seconds(value) {
    return value === null || value === undefined ? "–" : value < 120 ? value.toFixed(1) + " s" : (value / 60).toFixed(1) + " min";
  }

  const epoch = (iso) => new Date(iso).getTime() / 1000;

  // ---- charts -----------------------------------------------------------------------------------------
  // Rows -> one series per group on a shared, sorted x axis (uPlot wants aligned columns; gaps are null).
  function pivot(rows, xOf, groupOf, valueOf) {
    const xs = [...new Set(rows.map(xOf))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const groups = new Map();
    for (const row of rows) {
      const group = groupOf(row);
      if (!groups.has(group)) groups.set(group, new Array(xs.length).fill(null));
      groups.get(group)[index.get(xOf(row))] = valueOf(row);
    }
    const series = [...groups.keys()].sort().map((label) => ({ label, values: groups.get(label) }));
    return { xs, series };
  }

  // `dates`: an axis of days (labels YYYY-MM-DD, a lone point shown with the week around it) for a history
  // whose points are days apart rather than runs hours apart
  function drawChart(id, xs, series, yLabel, valueFormat, dates) {
    const box = document.getElementById(id);
    if (charts[id]) charts[id].destroy();
    delete charts[id];
    box.replaceChildren();
    box.dataset.points = String(xs.length);
    box.dataset.series = String(series.length);
    // the shortest line's points: a history shows only when every line has more than one
    const drawn = series.map((s) => s.values.filter((v) => v !== null).length);
    box.dataset.fewestPoints = String(Math.min(xs.length, ...drawn));
    box.dataset.axis = dates ? "date" : "time";
    box.dataset.spanDays = xs.length ? String((xs[xs.length - 1] - xs[0]) / 86400) : "0";
    if (!xs.length) {
      box.append(el("p", { class: "empty" }, "no data yet"));
      return;
    }
    const format = valueFormat || ((u, v) => (v === null ? "–" : number(v)));
    const options = {
      width: Math.max(box.clientWidth, 300),
      height: box.classList.contains("tall") ? 320 : 240,
      scales: { x: { time: true }, y: { range: valueRange } },
      series: [
        { label: "time (UTC)", value: (u, v) => (v === null ? "–" : when(new Date(v * 1000).toISOString())) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color || PALETTE[i % PALETTE.length],
          width: s.width || 2,
          spanGaps: true,
          points: { show: xs.length < 60 },
          value: format,
        })),
      ],
      axes: [
        dates ? { values: (u, splits) => splits.map((v) => new Date(v * 1000).toISOString().slice(0, 10)) } : {},
        { label: yLabel, size: 70 },
      ],
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    };
    charts[id] = new uPlot(options, [xs, ...series.map((s) => s.values)], box);
    // one point (a first run) would otherwise stretch the time axis over years: show the day around it
    const pad = dates ? 3.5 * 86400 : 43200;
    if (xs.length === 1) charts[id].setScale("x", { min: xs[0] - pad, max: xs[0] + pad });
  }

  // uPlot's default spans 0 to twice a constant series; a flat line (100 % every day) reads better centred
  function valueRange(u, min, max) {
    if (min !== max) return uPlot.rangeNum(min, max, 0.1, true);
    const pad = Math.abs(min) * 0.1 + 1;
    return [min - pad, max + pad];
  }

  window.addEventListener("resize", () => {
    for (const [id, chart] of Object.entries(charts)) {
      const box = document.getElementById(id);
      chart.setSize({ width: Math.max(box.clientWidth, 300), height: chart.height });
    }
  });

  // ---- sections ---------------------------------------------------------------------------------------
  function renderStatus(status, asOf) {
    const overall = document.getElementById("overall");
    const stale = STATIC && window.FMP_ELT_SCHEDULE_WATCH !== false && scheduleStale(status.nextExecution);
    overall.dataset.status = stale ? "stale" : status.overallStatus;
    overall.textContent = stale ? "stale" : status.overallStatus;
    const banner = document.getElementById("stale-schedule");
    banner.hidden = !stale;
    if (stale) {
      banner.textContent = "This snapshot is stale: the schedule's next run was due " + whenAgo(status.nextExecution) +
        " and has not published since (was " + status.overallStatus + "). Is the scheduled workflow disabled? " +
        "GitHub disables it in forks until enabled, and in public repositories after 60 days without activity.";
    }
    document.getElementById("last-execution").textContent = whenAgo(status.lastExecution);
    document.getElementById("next-execution").textContent = whenAgo(status.nextExecution);
    document.getElementById("as-of-label").textContent = STATIC ? "snapshot taken" : "updated";
    document.getElementById("as-of").textContent = asOf ? whenAgo(asOf) : when(new Date().toISOString());
  }

  // Keep in step with GRACE in extract/fmp_elt/status/schedule.py: how late a scheduled run may start.
  const SCHEDULE_GRACE_MS = 3 * 3600 * 1000;

  // A published snapshot is only as current as the last run that wrote it: once the run due next is past its
  // grace, the schedule stopped (nothing else would have said so).
  function scheduleStale(nextExecution) {
    return Boolean(nextExecution) && Date.now() > Date.parse(nextExecution) + SCHEDULE_GRACE_MS;
  }

  function renderJobs(status, jobs, executions) {
    const latest = {};
    for (const run of executions) if (!(run.jobName in latest)) latest[run.jobName] = run;
    const schedules = Object.fromEntries(jobs.jobs.map((job) => [job.name, job.schedule]));
    const body = document.querySelector("#jobs tbody");
    body.replaceChildren(
      ...status.jobs.map((job) => {
        const run = latest[job.name] || {};
        return el(
          "tr",
          { "data-job": job.name },
          td(job.name),
          el("td", {}, badge(job.status)),
          td(whenAgo(job.lastRun)),
          td(seconds(run.durationSeconds), "num"),
          td(number(run.recordsProcessed), "num"),
          td(number(run.recordsFailed), "num"),
          td(whenAgo(job.nextRun)),
          el("td", {}, el("code", {}, schedules[job.name] || "")),
        );
      }),
    );
  }

  function renderRunCharts(executions) {
    const finished = executions.filter((run) => run.status !== "running" && !run.metadata.skipped);
    const duration = pivot(finished, (r) => epoch(r.startTime), (r) => r.jobName, (r) => r.durationSeconds);
    drawChart("chart-duration", duration.xs, duration.series, "seconds", (u, v) => seconds(v));
    const rows = pivot(finished, (r) => epoch(r.startTime), (r) => r.jobName, (r) => r.recordsProcessed);
    drawChart("chart-rows", rows.xs, rows.series, "records");
  }

  function renderQuality(quality) {
    const checks = quality.checks;
    const trend = pivot(checks, (c) => epoch(c.checkedAt), (c) => c.dataset, (c) => c.successPercent);
    drawChart("chart-quality", trend.xs, trend.series, "% passed", (u, v) => (v === null ? "–" : v.toFixed(1) + "%"));
    const latest = new Map();
    for (const check of checks) latest.set(check.dataset, check); // oldest first: the last one wins
    const verdict = (c) => (c.criticalFailed ? "critical" : c.success === false ? "warning" : "passed");
    document.querySelector("#quality-latest tbody").replaceChildren(
      ...[...latest.values()].map((c) =>
        el(
          "tr",
          { "data-dataset": c.dataset },
          td(c.dataset),
          td(when(c.checkedAt)),
          td(c.successPercent === null ? "–" : c.successPercent.toFixed(1) + "%", "num"),
          td(number(c.invalidRecords), "num"),
          td(number(c.duplicateRecords), "num"),
          td(number(c.restatedRecords), "num"),
          el("td", {}, badge(verdict(c))),
        ),
      ),
    );
  }

  function renderFreshness(freshness) {
    document.querySelector("#freshness tbody").replaceChildren(
      ...freshness.tables.map((t) =>
        el(
          "tr",
          { "data-table": t.table },
          td(t.table),
          td(when(t.lastUpdated)),
          td(hours(t.ageHours), "num"),
          td(hours(t.lagHours), "num"),
          td(number(t.rows), "num"),
          el("td", {}, t.isFresh === null ? "–" : badge(t.isFresh ? "fresh" : "stale")),
        ),
      ),
    );
  }

  function renderErrors(errors) {
    const list = document.getElementById("errors");
    const failures = errors.executions.filter((run) => !run.metadata.skipped);
    if (!failures.length) {
      list.replaceChildren(el("li", { class: "empty-errors" }, "no failed runs"));
      return;
    }
    list.replaceChildren(
      ...failures.map((run) => {
        const link = STATIC ? run.runId.slice(0, 8) : el("a", { href: "?run=" + run.runId }, run.runId.slice(0, 8));
        return el(
          "li",
          { "data-job": run.jobName },
          el("span", { class: "when" }, when(run.startTime)),
          el("strong", {}, run.jobName),
          " run ",
          link,
          ": ",
          el("code", {}, run.errorMessage || "failed"),
        );
      }),
    );
  }

  // the universe's size at each screener run that changed it, held until the latest screener run (so the line
  // spans the whole history, on a date axis), and the latest run's additions and removals
  function renderUniverse(universe) {
    const points = universe.history.map((p) => ({ at: Date.parse(p.at) / 1000, symbols: p.symbols }));
    const latest = universe.latestRun ? Date.parse(universe.latestRun) / 1000 : null;
    if (points.length && latest !== null && latest > points[points.length - 1].at) {
      points.push({ at: latest, symbols: universe.size });
    }
    drawChart("chart-universe", points.map((p) => p.at),
      [{ label: "symbols", values: points.map((p) => p.symbols) }], "symbols", null, true);
    const list = (symbols) => (symbols.length ? symbols.join(", ") : "none");
    document.getElementById("universe-size").textContent = number(universe.size);
    document.getElementById("universe-run").textContent = whenAgo(universe.latestRun);
    document.getElementById("universe-added").textContent = list(universe.added);
    document.getElementById("universe-removed").textContent = list(universe.removed);
  }

  // the universe's history over the backfill window: securities with full, partial and no history, and the gaps
  function renderCoverage(coverage) {
    const reasons = (counts) => {
      const parts = Object.entries(counts).map(([reason, n]) => reason + " " + n);
      return parts.length ? " (" + parts.join(", ") + ")" : "";
    };
    document.getElementById("coverage-counts").textContent =
      number(coverage.full) + " full, " + number(coverage.partial) + " partial" + reasons(coverage.partialByReason) +
      ", " + number(coverage.none) + " none" + reasons(coverage.noneByReason) + " since " + coverage.windowStart;
    const gaps = coverage.gaps.map((gap) => gap.symbol + ": " + gap.history + ", " + gap.reason);
    if (coverage.delistedPagesGated) gaps.push("plan gate: later delisted-companies pages");
    document.getElementById("coverage-gaps").textContent = gaps.length ? gaps.join("; ") : "none";
  }

  // Price anomalies (marts.price_anomalies): counts per kind, then the newest days.
  function renderAnomalies(found) {
    const kinds = Object.entries(found.byKind).map(([kind, count]) => kind + " " + count);
    document.getElementById("anomaly-summary").textContent = found.total
      ? found.total + " in all: " + kinds.join(", ")
      : "no anomalies";
    document.querySelector("#anomalies tbody").replaceChildren(
      ...found.anomalies.map((a) =>
        el("tr", { "data-anomaly": a.anomaly }, td(a.priceDate), td(a.symbol), td(a.anomaly), td(a.detail)),
      ),
    );
  }

  async function renderRunLogs() {
    const runId = new URLSearchParams(location.search).get("run");
    if (!runId || STATIC) return;
    document.getElementById("run-logs-card").hidden = false;
    document.getElementById("run-id").textContent = runId;
    const page = await fetchJson("/api/etl/logs?limit=500&run=" + encodeURIComponent(runId));
    document.getElementById("run-logs").replaceChildren(
      ...page.logs.reverse().map((line) =>
        el("li", {}, when(line.timestamp) + " " + line.level + " " + (line.metadata.job || "") + " ", el("code", {}, line.message)),
      ),
    );
  }

  async function renderSymbols(symbols) {
    const select = document.getElementById("symbol");
    const chosen = select.value || new URLSearchParams(location.search).get("symbol") || symbols.symbols[0];
    select.replaceChildren(...symbols.symbols.map((s) => el("option", { value: s }, s)));
    if (!symbols.symbols.length) {
      drawChart("chart-prices", [], [], "");
      return;
    }
    select.value = symbols.symbols.includes(chosen) ? chosen : symbols.symbols[0];
    await renderPrices(select.value);
  }

  async function renderPrices(symbol) {
    const data = await loadPrices(symbol);
    const xs = data.prices.map((p) => epoch(p.date + "T00:00:00Z"));
    const series = PRICE_SERIES.map(([key, label], i) => ({
      label,
      values: data.prices.map((p) => (p[key] === undefined ? null : p[key])),
      width: i === 0 ? 2 : 1.5,
    })).filter((s) => s.values.some((v) => v !== null));
    const box = document.getElementById("chart-prices");
    box.dataset.symbol = symbol;
    drawChart("chart-prices", xs, series, "price", (u, v) => (v === null ? "–" : v.toFixed(2)));
  }

  // ---- operations: reliability, availability, FMP usage, schema drift (GET /api/etl/metrics) ----------------
  function percent(ratio) {
    return ratio === null || ratio === undefined ? "–" : (100 * ratio).toFixed(1) + "%";
  }

  function decimalBytes(size) {
    const units = ["B", "kB", "MB", "GB"];
    let unit = 0;
    while (Math.abs(size) >= 1000 && unit < units.length - 1) {
      size /= 1000;
      unit += 1;
    }
    return unit === 0 ? size.toFixed(0) + " B" : size.toFixed(1) + " " + units[unit];
  }

  // A row per job: its name, then the cells `cells` makes; `of(n)` writes "n / scheduled fires" (– without fires).
  function fillJobTable(selector, jobs, cells) {
    document.querySelector(selector + " tbody").replaceChildren(
      ...jobs.map((job) => {
        const fires = job.availability;
        const of = (part) => (fires.scheduled ? part + " / " + fires.scheduled : "–");
        return el("tr", { "data-job": job.name }, td(job.name), ...cells(job, of));
      }),
    );
  }

  function renderOperations(metrics) {
    document.getElementById("ops-note").textContent =
      "latest " + metrics.recentRuns + " runs per job; schedule fires of the last " + metrics.availabilityWindowDays +
      " days, on time = completed within " + metrics.onTimeMinutes + " min";
    fillJobTable("#ops-jobs", metrics.jobs, (job, of) => [
      td(number(job.runs), "num"),
      td(percent(job.successRate), "num"),
      td(number(job.rowsPerSecond), "num"),
      td(number(job.callsPerRun), "num"),
      td(seconds(job.meanDurationSeconds), "num"),
      td(of(job.availability.completed) + " (" + percent(job.availability.availability) + ")", "num"),
      td(of(job.availability.onTime) + " (" + percent(job.availability.onTimeRate) + ")", "num"),
    ]);

    const usage = metrics.usage;
    document.getElementById("ops-plan").textContent = usage.plan + " plan, trailing " + usage.windowDays + " days";
    const cap = usage.bandwidthCapBytes;
    document.getElementById("ops-bandwidth").textContent =
      decimalBytes(usage.bytesInWindow) + (cap ? " of " + decimalBytes(cap) + " (" + usage.usedPercent.toFixed(1) + "%)" : " (no known cap)") +
      " · " + number(usage.callsInWindow) + " calls · " + number(usage.callsPerDay) + " calls a day · " +
      number(usage.callsPerRun) + " per run";
    const meter = document.getElementById("ops-meter");
    meter.style.width = Math.min(100, usage.usedPercent || 0) + "%";
    meter.dataset.alert = String((usage.usedPercent || 0) >= usage.alertAtPercent);
    document.getElementById("ops-forecast").textContent = !cap
      ? ""
      : decimalBytes(usage.bytesPerDay) + " a day: " +
        (usage.capReachedAt ? "the cap is reached about " + when(usage.capReachedAt) + " UTC" : "the cap is not reached at this rate");
    const days = usage.days.map((d) => epoch(d.date + "T00:00:00Z"));
    drawChart("chart-usage", days, [
      { label: "MB a day", values: usage.days.map((d) => d.bytes / 1e6) },
      { label: "calls a day", values: usage.days.map((d) => d.calls) },
    ], "per day", (u, v) => (v === null ? "–" : number(Math.round(v * 10) / 10)));

    const drift = document.getElementById("ops-drift");
    if (!metrics.schemaChanges.length) {
      drift.replaceChildren(el("li", { class: "empty-errors" }, "no change seen"));
      return;
    }
    drift.replaceChildren(
      ...metrics.schemaChanges.map((change) =>
        el(
          "li",
          { "data-endpoint": change.endpoint },
          el("span", { class: "when" }, when(change.detectedAt)),
          el("strong", {}, change.endpoint),
          ": ",
          el("code", {}, [change.added.length ? "added " + change.added.join(", ") : "",
            change.dropped.length ? "dropped " + change.dropped.join(", ") : ""].filter(Boolean).join("; ")),
        ),
      ),
    );
  }

  // ---- the week's performance and the month's cost and usage (GET /api/etl/week, /api/etl/month) ----------
  function renderWeek(week) {
    document.getElementById("week-note").textContent =
      when(week.start) + " to " + when(week.end) + " · " + number(week.runs) + " runs";
    fillJobTable("#week-jobs", week.jobs, (job, of) => [
      td(number(job.runs), "num"),
      td(number(job.failed), "num"),
      td(number(job.skipped), "num"),
      td(seconds(job.meanDurationSeconds), "num"),
      td(seconds(job.maxDurationSeconds), "num"),
      td(number(job.rows), "num"),
      td(of(job.availability.completed), "num"),
      td(of(job.availability.onTime) + " (" + percent(job.availability.onTimeRate) + ")", "num"),
    ]);
  }

  function renderMonth(month) {
    document.getElementById("month-note").textContent =
      month.plan + " plan · " + when(month.start) + " to " + when(month.end) + " · " + number(month.runs) + " runs";
    const limit = month.callsPerMinuteLimit === null ? "no per-minute limit" : number(month.callsPerMinuteLimit) + " a minute";
    document.getElementById("month-calls").textContent = number(month.calls);
    document.getElementById("month-pace").textContent = (month.busiestRunCallsPerMinute === null
      ? "–" : number(month.busiestRunCallsPerMinute) + " calls a minute") + " (the plan allows " + limit + ")";
    const cap = month.bandwidthCapBytes;
    document.getElementById("month-bandwidth").textContent = decimalBytes(month.bytes) +
      (cap ? " of " + decimalBytes(cap) + " (" + month.usedPercent.toFixed(1) + "%)" : " (no known cap)");
    document.getElementById("month-minutes").textContent = number(Math.round(month.runnerSeconds / 6) / 10) +
      " in the runs, " + number(month.runnerMinutesBilled) + " billed (each run rounded up to a minute; GitHub Free" +
      " includes " + number(month.privateFreeMinutes) + " a month for a private repository)";
  }

  // ---- wiring -----------------------------------------------------------------------------------------
  function showMessage(text) {
    const box = document.getElementById("message");
    box.textContent = text;
    box.hidden = !text;
  }

  async function refresh() {
    try {
      const keys = Object.keys(SOURCES);
      const values = await Promise.all(keys.map(load));
      const data = Object.fromEntries(keys.map((k, i) => [k, values[i]]));
      showMessage("");
      document.getElementById("token-form").hidden = true;
      renderStatus(data.status, STATIC ? window.FMP_ELT_SNAPSHOT_TAKEN : null);
      renderJobs(data.status, data.jobs, data.executions.executions);
      renderRunCharts(data.executions.executions);
      renderQuality(data.quality);
      renderFreshness(data.freshness);
      renderErrors(data.errors);
      renderOperations(data.metrics);
      renderUniverse(data.universe);
      renderWeek(data.week);
      renderMonth(data.month);
      renderCoverage(data.coverage);
      renderAnomalies(data.anomalies);
      await renderSymbols(data.symbols);
      await renderRunLogs();
      document.body.dataset.loaded = "true";
    } catch (error) {
      if (error instanceof AuthRequired) {
        document.getElementById("token-form").hidden = false;
        showMessage("");
      } else {
        showMessage("Could not load the data: " + error.message);
      }
    }
  }

  document.getElementById("refresh").addEventListener("click", refresh);
  document.getElementById("symbol").addEventListener("change", (event) => {
    renderPrices(event.target.value).catch((error) => showMessage(error.message));
  });
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
    refresh();
  });
  if (STATIC) {
    document.getElementById("refresh").hidden = true;
  } else {
    setInterval(refresh, 60000);
  }
  refresh();
})();
