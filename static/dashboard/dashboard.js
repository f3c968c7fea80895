// Dashboard charts. The data arrives as JSON in #chart-data; an HTMX refresh swaps that
// element and the charts are updated in place (no flicker, no new canvases).
(function () {
  const palette = ["#1d6fe0", "#e0681d", "#1a7f4b", "#8e44ad", "#c0392b", "#16a085", "#b26a00", "#7f8c8d"];
  const charts = {};
  const granularity = { metrics: "hour", profiles: "hour", over_time: "hour", sentiment: "hour", comparison: "engagements" };
  const earlierColors = ["#e0681d", "#8e44ad", "#16a085", "#b26a00", "#7f8c8d"];
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = { duration: 250 };

  function data() {
    const node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function label(iso, g) {
    if (iso === "before_monitoring") return "Before monitoring";
    const d = new Date(iso);
    const day = d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
    return g === "day" ? day : day + " " + String(d.getUTCHours()).padStart(2, "0") + ":00";
  }

  function upsert(name, canvasId, config) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) return;
    if (charts[name]) {
      charts[name].data = config.data;
      charts[name].update();
    } else {
      charts[name] = new Chart(canvas, config);
    }
  }

  function render() {
    const d = data();
    if (!d) return;
    const m = d.metrics[granularity.metrics];
    const lines = [["likes", m.series.total.likes, palette[0]], ["retweets", m.series.total.retweets, palette[1]],
      ["quotes", m.series.total.quotes, palette[2]], ["replies", m.series.total.replies, palette[3]]];
    const perCategory = [["main tweets (likes)", m.series.main_twt.likes], ["influencer tweets (likes)", m.series.influencer_twt.likes],
      ["investor tweets (likes)", m.series.investor_twt.likes]];
    upsert("metrics", "chart-metrics", {
      type: "line",
      data: {
        labels: m.times.map((t) => label(t, m.granularity)),
        datasets: lines.map(([name, values, color]) => ({ label: name, data: values, borderColor: color, backgroundColor: color, tension: 0.25, pointRadius: 2 }))
          .concat(perCategory.map(([name, values], i) => ({ label: name, data: values, borderColor: palette[4 + i], borderDash: [5, 4], pointRadius: 0, tension: 0.25, hidden: true }))),
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 10 } } } },
    });
    upsert("accounts", "chart-accounts", {
      type: "doughnut",
      data: { labels: Object.keys(d.accounts).map((key) => d.category_labels[key] || key), datasets: [{ data: Object.values(d.accounts), backgroundColor: palette }] },
      options: { plugins: { legend: { position: window.innerWidth < 600 ? "bottom" : "right" } } },
    });
    const p = d.profiles[granularity.profiles];
    upsert("profiles", "chart-profiles", {
      type: "bar",
      data: {
        labels: p.times.map((t) => label(t, p.granularity)),
        datasets: Object.entries(p.series).map(([category, values], i) => ({ label: d.category_labels[category] || category, data: values, backgroundColor: palette[i % palette.length] })),
      },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true } } },
    });
    const c = d.comparison;
    if (c) {
      const key = granularity.comparison;
      upsert("comparison", "chart-comparison", {
        type: "line",
        data: {
          labels: c.hours.map((h) => "h " + h),
          datasets: [{ label: c.current.launch_name + " (this launch)", data: c.current.series[key], borderColor: palette[0],
            backgroundColor: palette[0], borderWidth: 3, pointRadius: 0, tension: 0.2 }]
            .concat(c.earlier.map((e, i) => ({ label: e.launch_name, data: e.series[key], borderColor: earlierColors[i % earlierColors.length],
              backgroundColor: earlierColors[i % earlierColors.length], borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, tension: 0.2 }))),
        },
        options: { interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 12 } } },
          plugins: { legend: { labels: { boxWidth: 14 } } } },
      });
    }
    if (!d.over_time) return;
    const r = d.over_time[granularity.over_time];
    upsert("reach", "chart-reach", {
      type: "line",
      data: {
        labels: r.times.map((t) => label(t, r.granularity)),
        datasets: [["potential reach (cumulative)", r.series.cumulative_reach, palette[0]],
          ["potential impressions (cumulative)", r.series.cumulative_impressions, palette[1]]]
          .map(([name, values, color]) => ({ label: name, data: values, borderColor: color, backgroundColor: color, tension: 0.25, pointRadius: 1 })),
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 10 } } } },
    });
    const s = d.over_time[granularity.sentiment];
    const colors = { positive: "#1a7f4b", neutral: "#9aa5b1", negative: "#c0392b" };
    upsert("sentiment", "chart-sentiment", {
      type: "bar",
      data: {
        labels: s.times.map((t) => label(t, s.granularity)),
        datasets: ["positive", "neutral", "negative"].map((name) => ({ label: name, data: s.series[name], backgroundColor: colors[name] })),
      },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true } } },
    });
  }

  // Rankings are 25 rows each: sorted in the page, by the cell's data-v (numbers) or its text.
  document.body.addEventListener("click", (event) => {
    const th = event.target.closest("table.sortable th");
    if (!th) return;
    const table = th.closest("table");
    const index = Array.from(th.parentNode.children).indexOf(th);
    const descending = th.getAttribute("aria-sort") !== "descending";
    table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const value = (row) => {
      const cell = row.children[index];
      if (!cell) return "";
      return th.hasAttribute("data-num") ? parseFloat(cell.dataset.v || "0") : cell.textContent.trim().toLowerCase();
    };
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter((row) => row.children.length > 1);
    rows.sort((a, b) => (value(a) > value(b) ? 1 : value(a) < value(b) ? -1 : 0) * (descending ? -1 : 1));
    rows.forEach((row) => body.appendChild(row));
  });

  document.querySelectorAll(".toggle").forEach((toggle) => {
    toggle.addEventListener("click", (event) => {
      const g = event.target.dataset.g;
      if (!g) return;
      granularity[toggle.dataset.chart] = g;
      toggle.querySelectorAll("button").forEach((b) => b.classList.toggle("on", b.dataset.g === g));
      render();
    });
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "charts") render();
  });
  render();
})();
