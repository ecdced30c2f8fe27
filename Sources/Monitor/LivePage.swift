/// The page served at `/`: one self-contained HTML document (inline CSS and JS, no
/// external assets), which polls `api/recent` and draws the current genre and a
/// timeline of the last 30 minutes. Relative URLs, so it also works behind a proxy
/// that serves it under a path.
public enum LivePage {
    public static let contentType = "text/html; charset=utf-8"

    public static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>genre-stream live</title>
<style>
  :root { --fg: #1d2430; --muted: #6b7380; --bg: #f6f7f9; --card: #fff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 960px; margin: 0 auto; padding: 16px; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; flex-wrap: wrap; }
  h1 { font-size: 1rem; margin: 0; color: var(--muted); font-weight: 600; }
  #status { font-size: .85rem; padding: 2px 8px; border-radius: 10px; background: #dde3ea; }
  #status.live { background: #d5f2dc; color: #17602b; }
  #status.stale, #status.offline { background: #fbe0d9; color: #8a2a12; }
  #genre.stalled { color: #8a2a12; }
  .card { background: var(--card); border-radius: 12px; padding: 16px; margin-top: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  #genre { font-size: clamp(2.6rem, 11vw, 5rem); font-weight: 700; line-height: 1.1; text-transform: capitalize; overflow-wrap: anywhere; }
  #details { color: var(--muted); margin-top: 4px; }
  #swatch { display: inline-block; width: .7em; height: .7em; border-radius: 50%; margin-right: .3em; vertical-align: .15em; }
  h2 { font-size: .9rem; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
  #timeline { position: relative; height: 48px; border-radius: 6px; background: #eceff3; overflow: hidden; }
  #timeline div { position: absolute; top: 0; bottom: 0; }
  #axis { position: relative; height: 20px; font-size: .75rem; color: var(--muted); }
  #axis span { position: absolute; transform: translateX(-50%); white-space: nowrap; top: 2px; }
  #axis span.first { transform: none; } #axis span.last { transform: translateX(-100%); }
  #legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin-top: 8px; font-size: .9rem; }
  #loudness { margin-top: 6px; font-size: .9rem; color: var(--muted); }
  #legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 5px; vertical-align: -1px; }
  footer { color: var(--muted); font-size: .8rem; margin-top: 10px; }
</style>
</head>
<body>
<main>
  <header><h1>genre-stream <span id="model"></span></h1><span id="status">connecting…</span></header>
  <section class="card" aria-live="polite">
    <div id="genre">–</div>
    <div id="details"><span id="swatch"></span><span id="confidence"></span> <span id="level"></span></div>
  </section>
  <section class="card">
    <h2>Last 30 minutes</h2>
    <div id="timeline" role="img" aria-label="genre timeline"></div>
    <div id="axis"></div>
    <div id="legend"></div>
    <div id="loudness"></div>
  </section>
  <footer id="footer"></footer>
</main>
<script>
"use strict";
const SPAN_MS = 30 * 60 * 1000, POLL_MS = 3000;
// The ten genres in their model order get ten hues far apart (blues blue, rock near black:
// the old palette gave rock a second blue); other labels follow. The non-music labels are
// neutral but unlike each other: speech slate, other khaki, silence pale grey.
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#3b3b3b", "#a05195", "#d45087", "#665191", "#00a6a6", "#bc5090", "#ffa600"];
const FIXED = { silence: "#e1e4e8", speech: "#5f6b7a", other: "#c9b98f" };
let colours = {};
const $ = (id) => document.getElementById(id);

function colourFor(label, labels) {
  if (label in FIXED) return FIXED[label];
  if (!(label in colours)) colours[label] = PALETTE[labels.filter((l) => !(l in FIXED)).indexOf(label) % PALETTE.length] || "#888";
  return colours[label];
}

function clock(ms) {
  const d = new Date(ms);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

function render(data) {
  const windows = data.windows.map((w) => Object.assign({ t: Date.parse(w.wall_time) }, w));
  $("model").textContent = (data.name ? "· " + data.name + " " : "") + "· " + data.model;
  // The server's clock, so that a phone whose clock is off still sees the right ages.
  const now = Date.parse(data.server_time) || Date.now();
  const last = windows[windows.length - 1];
  const status = $("status");
  if (!last) {
    status.textContent = "waiting for audio"; status.className = "";
  } else {
    const age = (now - last.t) / 1000;
    const stale = data.stalled || age > Math.max(3 * data.hop_seconds, 10) + POLL_MS / 1000;
    status.textContent = stale ? "no window for " + Math.round(age) + " s" : "live";
    status.className = stale ? "stale" : "live";
    // Stalled or stale: that is what the page says first, in large type; the last genre
    // heard is history, in the small line below.
    const genre = $("genre");
    genre.classList.toggle("stalled", stale);
    genre.textContent = stale ? (data.stalled ? "stalled" : "no audio") : last.label === null ? "–" : last.label;
    $("swatch").style.background = stale || last.label === null ? "transparent" : colourFor(last.label, data.labels);
    const heard = (last.label === null ? "" : last.label + ", ")
      + (last.confidence === null ? "" : Math.round(last.confidence * 100) + "% confident");
    $("confidence").textContent = stale
      ? "no window for " + Math.round(age) + " s; last: " + heard + " at " + clock(last.t) + " ·"
      : last.confidence === null ? "" : Math.round(last.confidence * 100) + "% confident ·";
    $("level").textContent = last.level_dbfs === null ? "" : last.level_dbfs.toFixed(1) + " dBFS";
  }
  document.title = (data.name || "genre-stream") + " · " + $("genre").textContent;
  // Timeline: consecutive windows with the same label become one band.
  const end = last ? Math.max(now, last.t) : now, start = end - SPAN_MS;
  const hopMs = data.hop_seconds * 1000;
  const bands = [], seconds = {};
  for (const w of windows) {
    if (w.t < start || w.label === null) continue;
    seconds[w.label] = (seconds[w.label] || 0) + data.hop_seconds;
    const b = bands[bands.length - 1];
    if (b && b.label === w.label && w.t - b.to <= 2 * hopMs) b.to = w.t;
    else bands.push({ label: w.label, from: w.t - hopMs, to: w.t });
  }
  const x = (t) => Math.max(0, Math.min(100, (t - start) / SPAN_MS * 100));
  const timeline = $("timeline");
  timeline.replaceChildren(...bands.map((b) => {
    const div = document.createElement("div");
    div.style.left = x(b.from) + "%";
    div.style.width = Math.max(x(b.to) - x(b.from), 0.15) + "%";
    div.style.background = colourFor(b.label, data.labels);
    div.title = b.label + " " + clock(b.from) + "–" + clock(b.to);
    div.dataset.label = b.label;
    return div;
  }));
  const axis = $("axis");
  // A tick every 5 minutes, every 10 on a phone, where 5-minute labels would touch.
  const ticks = [], steps = timeline.clientWidth < 480 ? 3 : 6;
  for (let k = 0; k <= steps; k++) {
    const span = document.createElement("span");
    span.style.left = (k / steps * 100) + "%";
    span.className = k === 0 ? "first" : k === steps ? "last" : "";
    span.textContent = k === steps ? "now" : clock(start + k * SPAN_MS / steps);
    ticks.push(span);
  }
  axis.replaceChildren(...ticks);
  const total = Object.values(seconds).reduce((a, b) => a + b, 0) || 1;
  $("legend").replaceChildren(...Object.keys(seconds).sort((a, b) => seconds[b] - seconds[a]).map((label) => {
    const item = document.createElement("span");
    const key = document.createElement("i");
    key.style.background = colourFor(label, data.labels);
    item.append(key, label + " " + Math.round(seconds[label] / total * 100) + "%");
    return item;
  }));
  // Loudness (--loudness): the newest window's short-term and momentary loudness, the run's integrated, the peak.
  const l = data.loudness, lu = (x) => x === null ? "–" : x.toFixed(1);
  $("loudness").textContent = !l ? "" : "loudness " + lu(l.short_term_lufs) + " LUFS short-term · " + lu(l.momentary_lufs)
    + " momentary · " + lu(l.integrated_lufs) + " integrated · true peak " + lu(l.true_peak_dbtp) + " dBTP";
  $("footer").textContent = windows.length + " windows · updated " + clock(now) + ":" + String(new Date(now).getSeconds()).padStart(2, "0");
}

async function poll() {
  try {
    const response = await fetch("api/recent", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (error) {
    $("status").textContent = "offline (" + error.message + ")";
    $("status").className = "offline";
  }
  setTimeout(poll, POLL_MS);
}
poll();
</script>
</body>
</html>
"""#
}
