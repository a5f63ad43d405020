// ComCO dataset browser: filters over an in-memory column index, one page of tiles in the
// DOM at a time, detail records loaded by chunk on demand, masks decoded from COCO RLE.
"use strict";

const COMCO = {
  data: null,
  report: null,
  chunks: {},
  waiting: {},
  state: { matches: [], page: 0, pageSize: 96, openId: null, maskPixels: 0 },
  index(data) { this.data = data; },
  evaluation(report) { this.report = report; },
  detail(number, records) {
    this.chunks[number] = records;
    (this.waiting[number] || []).forEach((done) => done(records));
    delete this.waiting[number];
  },
};

const ROLE_NAMES = { L: "large", S: "small", "=": "same" };
const MASK_COLOURS = [
  [230, 25, 75], [60, 180, 75], [0, 130, 200], [255, 225, 25], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [245, 130, 48], [0, 128, 128], [128, 0, 0],
];
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  });
  children.forEach((c) => node.append(c));
  return node;
}

function options(select, pairs) {
  select.replaceChildren(...pairs.map(([value, label]) => el("option", { value, text: label })));
}

// --- filters ------------------------------------------------------------------------------

function setUpFilters() {
  const d = COMCO.data;
  const counts = [...new Set(d.category_ids.map((c) => c.length))].sort((a, b) => a - b);
  options($("f-count"), [["", "any"], ...counts.map((n) => [String(n), String(n)])]);
  options($("f-role"), [["", "any"], ["L", "has a large object"], ["S", "has a small object"],
    ["=", "all the same size"]]);
  const byName = d.categories.map((c, i) => [String(i), c.replace(/_/g, " ")])
    .sort((a, b) => a[1].localeCompare(b[1]));
  options($("f-category"), [["", "any"], ...byName]);
  options($("f-colour"), [["", "any"], ...d.colours.map((c, i) => [String(i), c])]);
  options($("f-split"), [["", "any"], ["-1", "none"], ...d.splits.map((s, i) => [String(i), s])]);
  options($("f-status"), [["", "kept and rejected"], ["kept", "kept"], ["rejected", "rejected"]]);
  options($("f-page-size"), [["48", "48"], ["96", "96"], ["192", "192"]]);
  $("f-page-size").value = String(COMCO.state.pageSize);
  document.querySelectorAll("#filters select").forEach((s) => s.addEventListener("change", applyFilters));
}

function applyFilters() {
  const d = COMCO.data;
  const want = (id) => $(id).value;
  const count = want("f-count"), role = want("f-role"), category = want("f-category");
  const colour = want("f-colour"), split = want("f-split"), status = want("f-status");
  const matches = [];
  for (let i = 0; i < d.id.length; i++) {
    if (count && d.category_ids[i].length !== +count) continue;
    if (role === "=" ? !/^=+$/.test(d.roles[i]) : role && !d.roles[i].includes(role)) continue;
    if (category && !d.category_ids[i].includes(+category)) continue;
    if (colour && !d.colour_ids[i].includes(+colour)) continue;
    if (split && d.split_id[i] !== +split) continue;
    if (status === "kept" && d.rejected[i] >= 0) continue;
    if (status === "rejected" && d.rejected[i] < 0) continue;
    matches.push(i);
  }
  COMCO.state.matches = matches;
  COMCO.state.pageSize = +want("f-page-size");
  showPage(0);
}

// --- grid ---------------------------------------------------------------------------------

function showPage(page) {
  const s = COMCO.state, d = COMCO.data;
  const pages = Math.max(1, Math.ceil(s.matches.length / s.pageSize));
  s.page = Math.min(Math.max(0, page), pages - 1);
  const rows = s.matches.slice(s.page * s.pageSize, (s.page + 1) * s.pageSize);
  $("grid").replaceChildren(...rows.map((i) => tile(i)));
  $("page-label").textContent = `page ${s.page + 1} of ${pages}`;
  $("count-label").textContent = `${s.matches.length} of ${d.id.length} images`;
}

function tile(i) {
  const d = COMCO.data;
  const names = d.category_ids[i].map((c) => d.categories[c].replace(/_/g, " "));
  const rejected = d.rejected[i] >= 0;
  const picture = d.image[i]
    ? el("img", { src: d.image[i], loading: "lazy", alt: names.join(", ") })
    : el("div", { class: "placeholder", text: `rejected: ${d.reasons[d.rejected[i]]}` });
  const node = el("div", { class: rejected ? "tile rejected" : "tile", "data-row": String(i),
    title: d.id[i] }, picture, el("div", { class: "label", text: names.join(", ") }));
  node.addEventListener("click", () => openImage(i));
  return node;
}

// --- detail -------------------------------------------------------------------------------

function loadChunk(number) {
  return new Promise((resolve) => {
    if (COMCO.chunks[number]) return resolve(COMCO.chunks[number]);
    const first = !COMCO.waiting[number];
    (COMCO.waiting[number] = COMCO.waiting[number] || []).push(resolve);
    if (first) document.body.append(el("script", { src: `data/detail/${number}.js` }));
  });
}

async function openImage(i) {
  const d = COMCO.data;
  const records = await loadChunk(Math.floor(i / d.chunk));
  const record = records[i % d.chunk];
  COMCO.state.openId = record.id;
  $("detail-title").textContent = record.id;
  $("detail").hidden = false;
  const big = $("big");
  $("rejected-note").textContent = record.rejected
    ? `rejected at ${record.rejected.stage}: ${record.rejected.reason}` : "";
  $("facts").replaceChildren(...facts(record));
  const canvas = $("overlay");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  COMCO.state.maskPixels = 0;
  if (!d.image[i]) { big.removeAttribute("src"); return; }
  big.onload = () => drawMasks(record, null);
  big.src = d.image[i];
}

function closeImage() {
  $("detail").hidden = true;
  COMCO.state.openId = null;
}

// COCO compressed RLE (pycocotools rleFrString): counts alternate 0s and 1s, column-major.
function decodeCounts(text) {
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let x = 0, k = 0, more = 1;
    while (more) {
      const c = text.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++; k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

function drawMasks(record, only) {
  const canvas = $("overlay");
  const [w, h] = record.size;
  canvas.width = w; canvas.height = h;
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, w, h);
  COMCO.state.maskPixels = 0;
  if (!$("show-masks").checked) return;
  const image = context.createImageData(w, h);
  record.objects.forEach((o, n) => {
    if (only !== null && only !== n) return;
    const colour = MASK_COLOURS[n % MASK_COLOURS.length];
    let position = 0, value = 0;
    for (const run of decodeCounts(o.counts)) {
      if (value) {
        for (let q = position; q < position + run; q++) {
          const at = ((q % h) * w + Math.floor(q / h)) * 4;
          image.data.set(colour, at);
          image.data[at + 3] = 110;
        }
        COMCO.state.maskPixels += run;
      }
      position += run; value = 1 - value;
    }
  });
  context.putImageData(image, 0, 0);
  context.lineWidth = Math.max(1, w / 256);
  record.objects.forEach((o, n) => {
    if (only !== null && only !== n) return;
    context.strokeStyle = `rgb(${MASK_COLOURS[n % MASK_COLOURS.length].join(",")})`;
    context.strokeRect(o.bbox[0] + 0.5, o.bbox[1] + 0.5, o.bbox[2] - 1, o.bbox[3] - 1);
  });
}

function facts(record) {
  const parts = [];
  if (record.objects) {
    const head = el("tr", {}, ...["", "#", "category", "role", "colour", "material", "area px",
      "size rank", "occlusion"].map((t) => el("th", { text: t })));
    const rows = record.objects.map((o, n) => {
      const swatch = el("span", { class: "swatch",
        style: `background: rgb(${MASK_COLOURS[n % MASK_COLOURS.length].join(",")})` });
      const row = el("tr", {}, el("td", {}, swatch),
        ...[o.index, o.category.replace(/_/g, " "), o.role, o.colour || "–", o.material || "–",
          o.area, o.size_rank, o.occlusion].map((t) => el("td", { text: String(t) })));
      row.addEventListener("mouseenter", () => drawMasks(record, n));
      row.addEventListener("mouseleave", () => drawMasks(record, null));
      return row;
    });
    parts.push(el("h3", { text: "objects (hover a row to show its mask alone)" }),
      el("table", {}, head, ...rows));
  }
  if (record.binding) parts.push(el("h3", { text: "binding caption" }), el("p", { text: record.binding }));
  if (record.relations) {
    parts.push(el("h3", { text: "relation captions" }),
      el("ul", {}, ...record.relations.map((t) => el("li", { text: t }))));
  }
  if (record.count) parts.push(el("h3", { text: "count caption" }), el("p", { text: record.count }));
  if (record.negatives && record.negatives.length) {
    parts.push(el("h3", { text: "negatives" }),
      el("ul", {}, ...record.negatives.map((n) =>
        el("li", { class: "neg", text: `${n.family} ${n.kind}: ${n.text}`, title: `negates: ${n.positive}` }))));
  }
  if (record.orders) {
    const more = record.n_orders - record.orders.length;
    parts.push(el("h3", { text: `captions in every order (${record.n_orders})` }),
      el("ol", {}, ...record.orders.map((t) => el("li", { text: t }))),
      ...(more > 0 ? [el("p", { text: `… and ${more} more orders` })] : []));
  }
  if (record.itm && record.itm.length) {
    parts.push(el("h3", { text: "image-text matching pairs" }),
      el("ul", {}, ...record.itm.map((p) =>
        el("li", {}, `${p.scenario}: ${p.true} `, el("span", { class: "neg", text: `vs ${p.false}` })))));
  }
  if (record.retrievals) parts.push(...retrievalTable(record));
  parts.push(el("h3", { text: "spec" }), el("pre", { text: JSON.stringify(record.spec, null, 1) }));
  return parts;
}

// What each model retrieved for this image: hover a row to see the retrieved object's mask.
function retrievalTable(record) {
  const head = el("tr", {}, ...["model", "task", "query", "retrieved", "object"]
    .map((t) => el("th", { text: t })));
  const rows = record.retrievals.map((r) => {
    const n = (record.objects || []).findIndex((o) => o.category === r.retrieved);
    const model = r.text_map ? `${r.model} + map` : r.model;
    const row = el("tr", {}, ...[model, r.task, r.query, r.retrieved.replace(/_/g, " "),
      n >= 0 ? `#${n}` : "not in the image"].map((t) => el("td", { text: t })));
    if (n >= 0) {
      row.addEventListener("mouseenter", () => drawMasks(record, n));
      row.addEventListener("mouseleave", () => drawMasks(record, null));
    }
    return row;
  });
  return [el("h3", { text: "what the models retrieved" }), el("table", {}, head, ...rows)];
}

// --- evaluation ---------------------------------------------------------------------------

function cellText(cell) {
  if (!cell || Number.isNaN(cell.pct)) return "–";
  return `${cell.pct.toFixed(2)} [${cell.lo.toFixed(1)}, ${cell.hi.toFixed(1)}]`;
}

function showReport() {
  const r = COMCO.report;
  const view = $("eval-view");
  const parts = [el("h2", { text: `Evaluation of ${r.dataset} (${r.n_images} images)` })];
  if (r.report) parts.push(el("p", {}, el("a", { href: r.report, text: "report.md" })));
  r.models.forEach((m) => {
    parts.push(el("h2", { text: m.model + (m.text_map ? ` + text map ${m.text_map}` : "") }),
      el("p", { text: `device ${m.device}` }));
    Object.entries(m.skipped).forEach(([task, why]) =>
      parts.push(el("p", { text: `skipped ${task}: ${why}` })));
    m.tasks.forEach((t) => t.tables.forEach((table) => {
      parts.push(el("h3", { text: `${t.task}: ${table.title}` }), el("p", { text: table.unit }));
      const head = el("tr", {}, el("th", { text: "group" }), el("th", { text: "images" }),
        ...table.columns.map((c) => el("th", { text: c })));
      const rows = table.rows.map((row) => el("tr", {}, el("td", { text: row.group }),
        el("td", { text: String(row.n_images) }),
        ...table.columns.map((c) => el("td", { text: cellText(row.cells[c]) }))));
      parts.push(el("table", {}, head, ...rows));
      if (table.plot) parts.push(el("img", { src: table.plot, alt: `${t.task} ${table.name}` }));
    }));
  });
  view.replaceChildren(...parts);
}

function showTab(name) {
  $("images-view").hidden = name !== "images";
  $("eval-view").hidden = name !== "eval";
  $("tab-images").classList.toggle("active", name === "images");
  $("tab-eval").classList.toggle("active", name === "eval");
}

window.addEventListener("DOMContentLoaded", () => {
  if (!COMCO.data) { document.body.textContent = "data/index.js did not load"; return; }
  document.title = `${COMCO.data.title} · ComCO browser`;
  $("title").textContent = COMCO.data.title;
  setUpFilters();
  applyFilters();
  $("prev").addEventListener("click", () => showPage(COMCO.state.page - 1));
  $("next").addEventListener("click", () => showPage(COMCO.state.page + 1));
  $("close").addEventListener("click", closeImage);
  $("detail").addEventListener("click", (e) => { if (e.target.id === "detail") closeImage(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeImage(); });
  $("show-masks").addEventListener("change", () => {
    const i = COMCO.data.id.indexOf(COMCO.state.openId);
    if (i >= 0) loadChunk(Math.floor(i / COMCO.data.chunk))
      .then((records) => drawMasks(records[i % COMCO.data.chunk], null));
  });
  $("tab-images").addEventListener("click", () => showTab("images"));
  if (COMCO.report) {
    $("tab-eval").hidden = false;
    $("tab-eval").addEventListener("click", () => showTab("eval"));
    showReport();
  }
  COMCO.ready = true;
});
