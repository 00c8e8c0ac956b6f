import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart rendered to inline SVG, with what a test or a screen reader needs to know about it. */
export interface Chart {
  id: string;
  title: string;
  /** the text alternative: what the chart shows, in words */
  description: string;
  svg: string;
  /** data points drawn by the chart's main mark (one mark each) */
  points: number;
  /** the name of the main mark's group in the SVG (class of its <g>) */
  markName: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

/** Shared look: no border, quiet axes, the report's palette. */
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelColor: '#3b4252', titleColor: '#3b4252', gridColor: '#e5e7eb', domainColor: '#9ca3af', tickColor: '#9ca3af', labelFontSize: 12, titleFontSize: 12, titleFontWeight: 600 },
  legend: { labelColor: '#3b4252', titleColor: '#3b4252', labelFontSize: 12, titleFontSize: 12, orient: 'top', labelLimit: 0 },
  title: { anchor: 'start', fontSize: 15, fontWeight: 600, color: '#111827', offset: 10 },
  range: { category: ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#f97316', '#64748b', '#ec4899', '#84cc16', '#0ea5e9'] },
} as const;

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Renders a Vega-Lite spec to SVG in Node (no canvas, no network: the data is inline) and gives
 * the <svg> a role, a label, a <title> and a <desc>.
 */
export async function renderChart(options: { id: string; title: string; description: string; spec: Record<string, unknown>; points: number; markName?: string }): Promise<Chart> {
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, background: 'white', padding: 8, ...options.spec, title: options.title, description: options.description } as unknown as TopLevelSpec;
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const raw = await view.toSVG();
    const titleId = `${options.id}-title`;
    const descId = `${options.id}-desc`;
    const svg = raw.replace(/^<svg([^>]*)>/, (_match, attributes: string) => {
      const kept = attributes.replace(/\s(role|aria-label|aria-roledescription|aria-labelledby|aria-describedby)="[^"]*"/g, '');
      return `<svg${kept} id="${options.id}" role="img" aria-label="${escapeXml(options.title)}" aria-labelledby="${titleId}" aria-describedby="${descId}"><title id="${titleId}">${escapeXml(options.title)}</title><desc id="${descId}">${escapeXml(options.description)}</desc>`;
    });
    return { id: options.id, title: options.title, description: options.description, svg, points: options.points, markName: options.markName ?? 'marks' };
  } finally {
    view.finalize();
  }
}
