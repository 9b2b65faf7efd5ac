// A small line chart as a standalone SVG string: no plotting library, readable on GitHub.

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  /** Plot against the right-hand axis. */
  right?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  yRightLabel?: string;
  series: Series[];
  /** Shaded x ranges, e.g. an outage. */
  bands?: Array<{ from: number; to: number; label: string }>;
  /** Horizontal reference lines on the left axis. */
  rules?: Array<{ y: number; label: string }>;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Rounds up to a round multiple of a power of ten, for axis maxima and ticks. */
function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

function fmtTick(v: number): string {
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 900;
  const H = o.height ?? 420;
  const m = { top: 40, right: o.yRightLabel ? 70 : 20, bottom: 70, left: 70 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const leftMax = niceCeil(
    Math.max(
      ...o.series.filter((s) => !s.right).flatMap((s) => s.points.map((p) => p[1])),
      ...(o.rules ?? []).map((r) => r.y),
      1,
    ) * 1.05,
  );
  const rightMax = niceCeil(
    Math.max(...o.series.filter((s) => s.right).flatMap((s) => s.points.map((p) => p[1])), 1) * 1.05,
  );
  const x = (v: number) => m.left + (v / xMax) * pw;
  const y = (v: number, right = false) => m.top + ph - (v / (right ? rightMax : leftMax)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${esc(o.title)}">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const b of o.bands ?? []) {
    out.push(
      `<rect x="${x(b.from).toFixed(1)}" y="${m.top}" width="${Math.max(0, x(b.to) - x(b.from)).toFixed(1)}" height="${ph}" fill="#f4cccc" opacity="0.6"/>`,
      `<text x="${((x(b.from) + x(b.to)) / 2).toFixed(1)}" y="${m.top + 14}" text-anchor="middle" fill="#900">${esc(b.label)}</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const v = (leftMax * i) / 5;
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`,
    );
    if (o.yRightLabel) {
      const r = (rightMax * i) / 5;
      out.push(`<text x="${m.left + pw + 6}" y="${(y(r, true) + 4).toFixed(1)}">${fmtTick(r)}</text>`);
    }
  }
  const xStep = niceCeil(xMax / 10);
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`,
      `<text x="${x(v).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${fmtTick(v)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 38}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  if (o.yRightLabel) {
    out.push(
      `<text transform="translate(${W - 14} ${m.top + ph / 2}) rotate(90)" text-anchor="middle">${esc(o.yRightLabel)}</text>`,
    );
  }
  for (const r of o.rules ?? []) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(r.y)}" y2="${y(r.y)}" stroke="#666" stroke-dasharray="6 4"/>`,
      `<text x="${m.left + 6}" y="${y(r.y) - 4}" fill="#666">${esc(r.label)}</text>`,
    );
  }
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const d = s.points
      .map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1], s.right).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  }
  // Legend under the x axis label.
  let lx = m.left;
  for (const s of o.series) {
    const label = `${s.name}${s.right ? ' (right axis)' : ''}`;
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${H - 12}" y2="${H - 12}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 25}" y="${H - 8}">${esc(label)}</text>`,
    );
    lx += 40 + label.length * 6.5;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
