import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { RetainError } from '../errors.js';
import { packageRoot, packageVersion } from '../project.js';
import type { ResolvedConfig } from '../config/load.js';
import { openWarehouse } from '../warehouse/index.js';
import { describeTarget } from '../warehouse/target.js';
import { renderChart, type Chart } from './charts.js';
import { readReportData, type Histogram, type ReportData } from './data.js';

export interface ReportResult {
  path: string;
  bytes: number;
  asOf: string;
  sections: Array<{ id: string; title: string; shown: boolean; note?: string }>;
  charts: Array<{ id: string; title: string; points: number }>;
}

const money = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '–');
const int = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const pct = (value: unknown, digits = 1) => (typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '–');

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : Math.abs(value) >= 100 ? value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

const SECTIONS: Array<{ id: string; title: string }> = [
  { id: 'segments', title: 'Segment sizes and revenue' },
  { id: 'rf-grid', title: 'Recency by frequency' },
  { id: 'movement', title: 'Movement since the previous run' },
  { id: 'lifecycle', title: 'Lifecycle stages' },
  { id: 'churn', title: 'Churn risk' },
  { id: 'value', title: 'Predicted customer value' },
  { id: 'backtest', title: 'Backtest' },
  { id: 'lift', title: 'Lift by audience' },
  { id: 'validation', title: 'Validation' },
  { id: 'strategy', title: 'Strategy by segment' },
];

/** Reads the marts of the target (any warehouse), renders the charts and writes one self-contained HTML file. */
export async function writeReport(resolved: ResolvedConfig, out: string): Promise<ReportResult> {
  const connection = resolved.connection;
  const where = describeTarget(connection);
  if (connection.type === 'duckdb' && !existsSync(connection.path)) throw new RetainError('usage', `no results yet: ${connection.path} does not exist`, 'run `retain run` first');
  // read-only; on DuckDB it also turns off the join-filter pushdown that can lose rows (duckdb/duckdb#21757)
  const warehouse = await openWarehouse(connection, { readOnly: true });
  let data: ReportData;
  try {
    for (const table of ['customer_profile', 'segment_summary']) {
      if (!(await warehouse.tableExists(table))) throw new RetainError('usage', `${where} has no ${table} table`, 'run `retain run` first');
    }
    data = await readReportData(warehouse);
  } finally {
    await warehouse.close();
  }
  const html = await renderReport(data);
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  const charts = (await buildCharts(data)).map((chart) => ({ id: chart.id, title: chart.title, points: chart.points }));
  return {
    path,
    bytes: Buffer.byteLength(html),
    asOf: data.asOf,
    sections: SECTIONS.map((section) => ({ ...section, shown: !(section.id in data.omitted), note: data.omitted[section.id] })),
    charts,
  };
}

async function buildCharts(data: ReportData): Promise<Chart[]> {
  const charts: Chart[] = [];
  const segments = data.segments.map((row) => ({
    segment: String(row.segment_label ?? row.segment),
    order: Number(row.segment_order),
    customers: Number(row.customers),
    share_of_customers: Number(row.share_of_customers),
    revenue_share: Number(row.revenue_share),
  }));
  const folded = segments.flatMap((row) => [
    { segment: row.segment, order: row.order, measure: 'Customers', share: row.share_of_customers },
    { segment: row.segment, order: row.order, measure: 'Revenue (12 months)', share: row.revenue_share },
  ]);
  const biggest = [...segments].sort((a, b) => b.revenue_share - a.revenue_share)[0];
  charts.push(
    await renderChart({
      id: 'chart-segments',
      title: 'Share of customers and of 12-month revenue by segment',
      description: `Horizontal bars, two per segment, for ${segments.length} segments. ${biggest ? `${biggest.segment} holds ${pct(biggest.share_of_customers)} of customers and ${pct(biggest.revenue_share)} of revenue, the largest revenue share.` : ''}`,
      points: folded.length,
      spec: {
        width: 560,
        height: { step: 15 },
        data: { values: folded },
        mark: { type: 'bar', cornerRadiusEnd: 2, tooltip: false },
        encoding: {
          y: { field: 'segment', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: 220 } },
          yOffset: { field: 'measure', type: 'nominal' },
          x: { field: 'share', type: 'quantitative', axis: { format: '.0%' }, title: 'share' },
          color: { field: 'measure', type: 'nominal', title: null },
        },
      },
    }),
  );

  const scoreDomain = Array.from({ length: data.bins }, (_, i) => i + 1);
  charts.push(
    await renderChart({
      id: 'chart-rf-grid',
      title: 'Customers by recency score (R) and frequency score (F)',
      description: `Heat map of ${data.rfGrid.length} non-empty cells of the ${data.bins} by ${data.bins} R-by-F grid; darker cells hold more customers, each cell is labelled with its count.`,
      points: data.rfGrid.length,
      markName: 'layer_0_marks',
      spec: {
        width: 340,
        height: 300,
        data: { values: data.rfGrid },
        encoding: {
          x: { field: 'f_score', type: 'ordinal', title: 'F score (frequency)', axis: { labelAngle: 0 }, scale: { domain: scoreDomain } },
          y: { field: 'r_score', type: 'ordinal', title: 'R score (recency)', scale: { domain: [...scoreDomain].reverse() } },
        },
        layer: [
          { mark: { type: 'rect', stroke: 'white', strokeWidth: 2 }, encoding: { color: { field: 'customers', type: 'quantitative', scale: { scheme: 'blues' }, title: 'customers' } } },
          {
            mark: { type: 'text', fontSize: 12 },
            encoding: {
              text: { field: 'customers', type: 'quantitative', format: ',' },
              color: { condition: { test: `datum.customers > ${Math.max(...data.rfGrid.map((row) => row.customers), 1) * 0.55}`, value: 'white' }, value: '#111827' },
            },
          },
        ],
      },
    }),
  );

  if (data.movement) {
    const order = ['(new)', ...segments.map((row) => row.segment)];
    const key = new Map(data.segments.map((row) => [String(row.segment), String(row.segment_label ?? row.segment)]));
    const movement = data.movement.map((row) => ({ from: key.get(row.from_segment) ?? row.from_segment, to: key.get(row.to_segment) ?? row.to_segment, customers: row.customers }));
    const moved = data.movement.filter((row) => row.from_segment !== row.to_segment).reduce((a, row) => a + row.customers, 0);
    charts.push(
      await renderChart({
        id: 'chart-movement',
        title: `Customers by segment on ${data.previousAsOf} (rows) and ${data.asOf} (columns)`,
        description: `Heat map of ${data.movement.length} from-to segment pairs; ${int(moved)} customers changed segment, the diagonal holds those who stayed.`,
        points: data.movement.length,
        markName: 'layer_0_marks',
        spec: {
          width: 440,
          height: 380,
          data: { values: movement },
          encoding: {
            x: { field: 'to', type: 'nominal', title: `segment on ${data.asOf}`, axis: { labelAngle: -40 }, scale: { domain: order.slice(1) } },
            y: { field: 'from', type: 'nominal', title: `segment on ${data.previousAsOf}`, scale: { domain: order }, axis: { labelLimit: 220 } },
          },
          layer: [
            { mark: { type: 'rect', stroke: 'white', strokeWidth: 1 }, encoding: { color: { field: 'customers', type: 'quantitative', scale: { scheme: 'purples', type: 'sqrt' }, title: 'customers' } } },
            {
              mark: { type: 'text', fontSize: 10 },
              encoding: {
                text: { field: 'customers', type: 'quantitative', format: ',' },
                color: { condition: { test: `datum.customers > ${Math.max(...movement.map((row) => row.customers), 1) * 0.3}`, value: 'white' }, value: '#111827' },
              },
            },
          ],
        },
      }),
    );
  }

  if (data.lifecycle) {
    charts.push(
      await renderChart({
        id: 'chart-lifecycle',
        title: 'Customers by lifecycle stage',
        description: `Bars for ${data.lifecycle.rows.length} lifecycle stages: ${data.lifecycle.rows.map((row) => `${row.stage} ${int(row.customers)}`).join(', ')}.`,
        points: data.lifecycle.rows.length,
        spec: {
          width: 560,
          data: { values: data.lifecycle.rows },
          mark: { type: 'bar', color: '#10b981', cornerRadiusEnd: 2 },
          encoding: { y: { field: 'stage', type: 'nominal', sort: '-x', title: null }, x: { field: 'customers', type: 'quantitative', title: 'customers' } },
        },
      }),
    );
  }
  if (data.churn) charts.push(await histogramChart('chart-churn', 'Distribution of churn risk', data.churn, '.0%', '#ef4444'));
  if (data.value) charts.push(await histogramChart('chart-value', 'Distribution of predicted customer value', data.value, ',.0f', '#8b5cf6'));
  if (data.backtest && data.backtest.deciles.length > 0) {
    const deciles = data.backtest.deciles;
    charts.push(
      await renderChart({
        id: 'chart-backtest-deciles',
        title: `Retention within ${data.backtest.horizonDays ?? '?'} days after ${data.backtest.cutoff ?? 'the cutoff'} by RFM decile`,
        description: `Bars for ${deciles.length} deciles of the RFM composite score (1 lowest); retention rises from ${pct(deciles[0]!.retention_rate)} in decile ${deciles[0]!.decile} to ${pct(deciles[deciles.length - 1]!.retention_rate)} in decile ${deciles[deciles.length - 1]!.decile}.`,
        points: deciles.length,
        spec: {
          width: 480,
          height: 220,
          data: { values: deciles },
          mark: { type: 'bar', color: '#2563eb' },
          encoding: {
            x: { field: 'decile', type: 'ordinal', title: 'RFM composite decile', axis: { labelAngle: 0 } },
            y: { field: 'retention_rate', type: 'quantitative', title: 'retained', axis: { format: '.0%' } },
          },
        },
      }),
    );
  }
  if (data.backtest && data.backtest.calibration.length > 0) {
    const folded = data.backtest.calibration.flatMap((row) => [
      { decile: row.decile, kind: 'predicted', purchases: row.predicted },
      { decile: row.decile, kind: 'actual', purchases: row.actual },
    ]);
    charts.push(
      await renderChart({
        id: 'chart-backtest-calibration',
        title: 'Calibration: predicted and actual purchases by decile of prediction',
        description: `Paired bars for ${data.backtest.calibration.length} deciles of predicted purchases: the model's expected purchases beside the purchases that happened after the cutoff.`,
        points: folded.length,
        spec: {
          width: 480,
          height: 220,
          data: { values: folded },
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'decile', type: 'ordinal', title: 'decile of predicted purchases', axis: { labelAngle: 0 } },
            xOffset: { field: 'kind', type: 'nominal' },
            y: { field: 'purchases', type: 'quantitative', title: 'purchases' },
            color: { field: 'kind', type: 'nominal', title: null, scale: { range: ['#94a3b8', '#2563eb'] } },
          },
        },
      }),
    );
  }
  if (data.lift && data.lift.estimate) {
    const { rows, audience, estimate, lower, upper } = data.lift;
    const values = rows.map((row) => ({ audience: String(row[audience]), estimate: Number(row[estimate]), lower: Number(row[lower]), upper: Number(row[upper]) }));
    charts.push(
      await renderChart({
        id: 'chart-lift',
        title: 'Lift of treated over holdout by audience, with intervals',
        description: `Point estimates with interval bars for ${values.length} audiences: ${values.map((v) => `${v.audience} ${formatCell(v.estimate)} (${formatCell(v.lower)} to ${formatCell(v.upper)})`).join('; ')}.`,
        points: values.length,
        markName: 'layer_1_marks',
        spec: {
          width: 520,
          data: { values },
          height: { step: 30 },
          layer: [
            { mark: { type: 'rule', strokeWidth: 2, color: '#64748b' }, encoding: { y: { field: 'audience', type: 'nominal', title: null }, x: { field: 'lower', type: 'quantitative', title: `${estimate} (treated minus holdout)` }, x2: { field: 'upper' } } },
            { mark: { type: 'point', filled: true, size: 80, color: '#2563eb', opacity: 1 }, encoding: { y: { field: 'audience', type: 'nominal', title: null }, x: { field: 'estimate', type: 'quantitative' } } },
            // no lift: an interval that crosses this line is not evidence of an effect
            { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#ef4444', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
          ],
        },
      }),
    );
  }
  return charts;
}

async function histogramChart(id: string, title: string, histogram: Histogram, format: string, color: string): Promise<Chart> {
  const values = histogram.bins.map((bin) => ({ lower: bin.lower, upper: bin.upper, customers: bin.customers }));
  return renderChart({
    id,
    title,
    description: `Histogram of ${histogram.column} over ${int(histogram.customers)} customers in ${values.length} equal-width bins (the last bin also holds the top 1%); mean ${formatCell(histogram.mean)}.`,
    points: values.length,
    spec: {
      width: 520,
      height: 200,
      data: { values },
      mark: { type: 'bar', color, binSpacing: 1 },
      encoding: {
        x: { field: 'lower', type: 'quantitative', bin: { binned: true }, axis: { format }, title: histogram.column },
        x2: { field: 'upper' },
        y: { field: 'customers', type: 'quantitative', title: 'customers' },
      },
    },
  });
}

let compiled: Handlebars.TemplateDelegate | undefined;

function template(): Handlebars.TemplateDelegate {
  if (!compiled) {
    const dir = join(packageRoot(), 'templates', 'report');
    const hb = Handlebars.create();
    hb.registerHelper('money', money);
    hb.registerHelper('int', int);
    hb.registerHelper('pct', (value: unknown) => pct(value));
    hb.registerHelper('cell', formatCell);
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hb.registerPartial('omitted', readFileSync(join(dir, 'omitted.hbs'), 'utf8'));
    hb.registerPartial('chart', readFileSync(join(dir, 'chart.hbs'), 'utf8'));
    compiled = hb.compile(readFileSync(join(dir, 'report.hbs'), 'utf8'), { strict: false });
  }
  return compiled;
}

/** The HTML of the report (no external resources: styles inline, charts inline SVG). */
export async function renderReport(data: ReportData): Promise<string> {
  const charts = Object.fromEntries((await buildCharts(data)).map((chart) => [chart.id.replace(/^chart-/, ''), chart]));
  const bins = Array.from({ length: data.bins }, (_, i) => i + 1);
  const cell = new Map(data.rfGrid.map((row) => [`${row.r_score}:${row.f_score}`, row]));
  const rfRows = [...bins].reverse().map((r) => ({ r, cells: bins.map((f) => cell.get(`${r}:${f}`) ?? { r_score: r, f_score: f, customers: 0, revenue: 0 }) }));
  const moves = data.movement
    ? data.movement.filter((row) => row.from_segment !== row.to_segment).sort((a, b) => b.customers - a.customers || a.from_segment.localeCompare(b.from_segment))
    : [];
  const stayed = data.movement ? data.movement.filter((row) => row.from_segment === row.to_segment).reduce((a, row) => a + row.customers, 0) : 0;
  const status = data.validation.length === 0 ? null : data.validation.some((row) => row.status === 'fail') ? 'fail' : 'pass';
  const count = (s: string) => data.validation.filter((row) => row.status === s).length;
  const view = {
    data,
    version: packageVersion(),
    charts,
    sections: SECTIONS.map((section) => ({ ...section, shown: !(section.id in data.omitted) })),
    rfRows,
    bins,
    extras: Object.fromEntries(data.segmentExtras.map((c) => [c, true])),
    moves: moves.slice(0, 12),
    movesMore: Math.max(moves.length - 12, 0),
    movedTotal: moves.reduce((a, row) => a + row.customers, 0),
    stayed,
    validationStatus: status,
    validationCounts: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') },
    validationRun: data.validation[0] ?? null,
    backtestRows: data.backtest ? data.backtest.rows.map((row) => data.backtest!.columns.map((c) => row[c])) : [],
    backtestPredictors: data.backtest ? data.backtest.predictors.map((p) => ({ predictor: p.predictor, values: data.backtest!.predictorMetrics.map((m) => p.metrics[m] ?? null) })) : [],
    liftRows: data.lift ? data.lift.rows.map((row) => data.lift!.columns.map((c) => row[c])) : [],
    topSegment: [...data.segments].sort((a, b) => Number(b.revenue_share) - Number(a.revenue_share))[0] ?? null,
  };
  return template()(view);
}
