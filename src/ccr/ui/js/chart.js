// A small inline-SVG line chart (no library): one line per series, axes with three ticks,
// a legend, and the same numbers as a table for screen readers.
import { h } from "./dom.js";

const W = 640;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function scale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

export function lineChart({ id, title, series, xFormat, yFormat, xDomain }) {
  const all = series.flatMap((s) => s.points);
  const maxY = Math.max(1, ...all.map((p) => p[1]));
  const x = scale(xDomain, [PAD.left, W - PAD.right]);
  const y = scale([0, maxY], [H - PAD.bottom, PAD.top]);
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": `${id}-title`, preserveAspectRatio: "none" });
  svg.append(h("svg:title", { id: `${id}-title`, text: title }));
  for (const frac of [0, 0.5, 1]) {
    const v = maxY * frac;
    svg.append(h("svg:line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(h("svg:text", { x: PAD.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end", text: yFormat(v) }));
  }
  for (const frac of [0, 0.5, 1]) {
    const v = xDomain[0] + (xDomain[1] - xDomain[0]) * frac;
    const anchor = frac === 0 ? "start" : frac === 1 ? "end" : "middle";
    svg.append(h("svg:text", { x: x(v), y: H - 8, class: "tick", "text-anchor": anchor, text: xFormat(v) }));
  }
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    svg.append(h("svg:path", { d, class: `line s${i % 8}`, fill: "none" }));
    for (const p of s.points.length < 40 ? s.points : []) svg.append(h("svg:circle", { cx: x(p[0]), cy: y(p[1]), r: 2.5, class: `dot s${i % 8}` }));
  });
  const legend = h("ul", { class: "legend" }, series.map((s, i) => h("li", {}, h("span", { class: `swatch s${i % 8}`, "aria-hidden": "true" }), s.name)));
  const table = h("details", { class: "chart-table" },
    h("summary", { text: "Show the numbers" }),
    h("div", { class: "table-wrap" },
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Series" }), h("th", { scope: "col", text: "Time" }), h("th", { scope: "col", text: "Value" }))),
        h("tbody", {}, series.flatMap((s) => s.points.map((p) => h("tr", {}, h("td", { text: s.name }), h("td", { text: xFormat(p[0]) }), h("td", { text: yFormat(p[1]) }))))),
      ),
    ),
  );
  return h("figure", { class: "chart-box" }, h("figcaption", { text: title }), svg, series.length ? legend : h("p", { class: "muted", text: "No requests in this period." }), table);
}
