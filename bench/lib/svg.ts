/**
 * Minimal SVG chart writers for bench/REPORT.md: a line chart (optionally log-x)
 * and a grouped bar chart. Hand-written because the charts are tiny and static,
 * and a charting library would pull a browser-oriented dependency tree into dev.
 */

/** Series is one named line of (x, y) points. */
export interface Series {
  name: string;
  points: [number, number][];
}

const COLORS = ['#2b6cb0', '#c53030', '#2f855a', '#b7791f', '#6b46c1', '#319795'];
const W = 640;
const H = 360;
const PAD = { l: 70, r: 20, t: 40, b: 50 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(v < 10 ? 2 : 0)}`;
}

/** lineChart renders series as lines; logX plots x on a log10 axis (for cluster sizes). */
export function lineChart(opts: { title: string; xLabel: string; yLabel: string; series: Series[]; logX?: boolean; logY?: boolean }): string {
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => Number.isFinite(y));
  const tx = (x: number) => (opts.logX ? Math.log10(Math.max(x, 1e-9)) : x);
  const ty = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-9)) : y);
  const xmin = Math.min(...xs.map(tx));
  const xmax = Math.max(...xs.map(tx));
  const ymin = opts.logY ? Math.floor(Math.min(...ys.map(ty))) : 0;
  const ymax = opts.logY ? Math.ceil(Math.max(...ys.map(ty))) : niceMax(Math.max(...ys));
  const px = (x: number) => PAD.l + ((tx(x) - xmin) / (xmax - xmin || 1)) * (W - PAD.l - PAD.r);
  const py = (y: number) => H - PAD.b - ((ty(y) - ymin) / (ymax - ymin || 1)) * (H - PAD.t - PAD.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const yv = opts.logY ? 10 ** (ymin + ((ymax - ymin) * i) / 4) : (ymax * i) / 4;
    const y = py(yv);
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end">${fmt(yv)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x)}" y="${H - PAD.b + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}${opts.logX ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16,${H / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}${opts.logY ? ' (log scale)' : ''}</text>`);
  opts.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${px(p[0])},${py(p[1])}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${PAD.l + 10}" y="${PAD.t + i * 16}" width="10" height="10" fill="${c}"/>`);
    out.push(`<text x="${PAD.l + 24}" y="${PAD.t + i * 16 + 9}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** barChart renders one bar per (label, value), coloured by group. */
export function barChart(opts: { title: string; yLabel: string; bars: { label: string; value: number; group?: number }[] }): string {
  const ymax = niceMax(Math.max(...opts.bars.map((b) => b.value), 0));
  const n = opts.bars.length || 1;
  const slot = (W - PAD.l - PAD.r) / n;
  const py = (y: number) => H - PAD.b - (y / ymax) * (H - PAD.t - PAD.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const yv = (ymax * i) / 4;
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${py(yv)}" y2="${py(yv)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.l - 6}" y="${py(yv) + 4}" text-anchor="end">${fmt(yv)}</text>`);
  }
  opts.bars.forEach((b, i) => {
    const x = PAD.l + i * slot + slot * 0.15;
    const c = COLORS[(b.group ?? i) % COLORS.length];
    out.push(`<rect x="${x}" y="${py(b.value)}" width="${slot * 0.7}" height="${H - PAD.b - py(b.value)}" fill="${c}"/>`);
    out.push(`<text x="${x + slot * 0.35}" y="${py(b.value) - 4}" text-anchor="middle">${fmt(b.value)}</text>`);
    out.push(`<text x="${x + slot * 0.35}" y="${H - PAD.b + 16}" text-anchor="middle">${esc(b.label)}</text>`);
  });
  out.push(`<text transform="translate(16,${H / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
