/** How the page writes figures: short, and a dash for what is not known. */

export const percent = (x: number | null): string => (x === null ? '–' : `${Math.round(x * 100)}%`);

export function rate(x: number | null): string {
  if (x === null) return '–';
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function millis(x: number | null): string {
  if (x === null) return '–';
  if (x === 0) return '0';
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(3)} ms`;
}

export function duration(secs: number | null): string {
  if (secs === null) return '–';
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = Math.floor(secs % 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/** Utilization as a colour: green when idle, through yellow, to red at saturation; grey when unknown. */
export function heat(u: number | null): string {
  if (u === null) return '#d9dce2';
  const x = Math.max(0, Math.min(1, u));
  return `hsl(${Math.round(120 * (1 - x))}, 70%, ${Math.round(78 - 18 * x)}%)`;
}

/** An element with attributes and children, in the SVG namespace when `svg` is set. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}
