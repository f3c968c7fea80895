// Charts of the report page (also run by headless Chromium when printing the PDF).
(function () {
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#1d6fe0", "#e0681d", "#1a7f4b", "#8e44ad", "#c0392b", "#16a085", "#b26a00", "#7f8c8d"];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  const metrics = document.getElementById("chart-metrics");
  if (metrics) {
    new Chart(metrics, {
      type: "line",
      data: {
        labels: data.snapshots.map((s) => s.time),
        datasets: ["likes", "retweets", "quotes", "replies"].map((name, i) => ({
          label: name, data: data.snapshots.map((s) => s[name]), borderColor: palette[i], tension: 0.25, pointRadius: 0,
        })),
      },
      options: { scales: { x: { ticks: { maxTicksLimit: 8 } } } },
    });
  }
  const accounts = document.getElementById("chart-accounts");
  if (accounts) {
    new Chart(accounts, {
      type: "doughnut",
      data: {
        labels: Object.keys(data.accounts).map((key) => data.category_labels[key] || key),
        datasets: [{ data: Object.values(data.accounts), backgroundColor: palette }],
      },
      options: { plugins: { legend: { position: "right" } } },
    });
  }
  const hourly = document.getElementById("chart-hourly");
  if (hourly) {
    new Chart(hourly, {
      type: "bar",
      data: {
        labels: data.hours,
        datasets: Object.entries(data.hourly).map(([category, counts], i) => ({
          label: data.category_labels[category] || category, data: counts, backgroundColor: palette[i % palette.length],
        })),
      },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true } } },
    });
  }
  const compare = data.comparison;
  if (compare) {
    const earlierColors = ["#e0681d", "#8e44ad", "#16a085", "#b26a00", "#7f8c8d"];
    document.querySelectorAll("canvas[data-series]").forEach((canvas) => {
      const key = canvas.dataset.series;
      new Chart(canvas, {
        type: "line",
        data: {
          labels: compare.hours.map((h) => "h " + h),
          datasets: [{ label: compare.current.launch_name, data: compare.current.series[key], borderColor: palette[0], borderWidth: 2.5, pointRadius: 0, tension: 0.2 }]
            .concat(compare.earlier.map((e, i) => ({ label: e.launch_name, data: e.series[key], borderColor: earlierColors[i % earlierColors.length],
              borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, tension: 0.2 }))),
        },
        options: { scales: { x: { ticks: { maxTicksLimit: 8 } } }, plugins: { legend: { labels: { boxWidth: 12 } } } },
      });
    });
  }
  const over = data.over_time;
  const times = over ? over.times.map((t) => (t === "before_monitoring" ? "Before monitoring" : t.slice(5, 13).replace("T", " ") + ":00")) : [];
  const reach = document.getElementById("chart-reach");
  if (reach && over) {
    new Chart(reach, {
      type: "line",
      data: {
        labels: times,
        datasets: [["potential reach (cumulative)", over.series.cumulative_reach], ["potential impressions (cumulative)", over.series.cumulative_impressions]]
          .map(([name, values], i) => ({ label: name, data: values, borderColor: palette[i], tension: 0.25, pointRadius: 0 })),
      },
      options: { scales: { x: { ticks: { maxTicksLimit: 8 } } } },
    });
  }
  const mood = document.getElementById("chart-sentiment");
  if (mood && over) {
    const colors = { positive: "#1a7f4b", neutral: "#9aa5b1", negative: "#c0392b" };
    new Chart(mood, {
      type: "bar",
      data: { labels: times, datasets: ["positive", "neutral", "negative"].map((name) => ({ label: name, data: over.series[name], backgroundColor: colors[name] })) },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true } } },
    });
  }
})();
