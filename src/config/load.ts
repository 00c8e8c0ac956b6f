import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { dbtProjectVars, type PredictionSettings } from '../project.js';
import { parseRule, RuleSyntaxError, type ColumnType, type RuleNode } from './rules.js';

/** Consent columns audience predicates may use. */
const CONSENT_RULE_COLUMNS: Record<string, ColumnType> = Object.fromEntries(
  ['email', 'sms', 'push', 'ads', 'profiling', 'location'].map((p) => [`consent_${p}`, 'string' as ColumnType]),
);
import { configSchema, type RetainConfig, type SourceName, type TargetConfig } from './schema.js';
import { profileVars } from './profile.js';
import { resolveConnection, type TargetConnection } from '../warehouse/target.js';
import { audienceVars, resolveAudiences, resolveDestinations, type ResolvedAudience } from './activation.js';

export const CONFIG_FILE = 'retain.yml';

export interface ResolvedSource {
  path?: string;
  format?: 'csv' | 'parquet';
  table?: string;
}

export interface ResolvedConfig {
  configPath: string;
  configDir: string;
  config: RetainConfig;
  targetName: string;
  target: TargetConfig;
  /**
   * Absolute path of the DuckDB file of the target; for a server target (postgres ...) a path in
   * the state folder that only anchors the run lock (`connection` says where results live).
   */
  warehousePath: string;
  /** The target resolved for Node and dbt (credentials in memory only). */
  connection: TargetConnection;
  /** Folder for generated profiles, dbt target and logs. */
  stateDir: string;
  sources: Partial<Record<SourceName, ResolvedSource>>;
  segments: Array<{ name: string; label: string; is_priority: boolean; when: RuleNode }>;
  strategies: Array<Record<string, unknown> & { segment: string }>;
  /** Destinations with settings checked by each type's schema (secrets are read from env at sync time). */
  destinations: Record<string, { type: string; settings: unknown }>;
  audiences: ResolvedAudience[];
}

/** Finds retain.yml: the explicit path, or the nearest one from `cwd` upwards. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`, 'check the --config path, or run `retain init` to write one');
    return path;
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ConfigError(
    `no ${CONFIG_FILE} found in ${resolve(cwd)} or its parents`,
    'run `retain init` to write one, `retain generate --out DIR` for sample data with a ready config, or pass --config PATH',
  );
}

/** Replaces ${NAME} with the environment variable; an unset variable is a configuration error. */
function interpolateEnv(value: unknown, path: (string | number)[], env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new ConfigError(`${path.join('.')}: environment variable ${name} is not set`, `export ${name}=... before running retain`);
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, [...path, i], env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, [...path, key], env)]));
  }
  return value;
}

function formatPath(path: PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : (i === 0 ? '' : '.') + String(part))).join('') || '(root)';
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') return `remove or rename: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_value') return `allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union') return 'a source is either {path: <file or glob>} or {table: <schema.table>}';
  return undefined;
}

/** The built-in segment of customers whose latest profiling consent is 'revoked' (issue 3). */
export const NO_PROFILING_SEGMENT = 'no_profiling';

export function loadConfig(options: { config?: string; target?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedConfig {
  const configPath = findConfig(options.config, options.cwd);
  const text = readFileSync(configPath, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new ConfigError(`${configPath}: invalid YAML: ${first.message.split('\n')[0]}`, 'check indentation and quoting at that line', document.errors.map((e) => e.message));
  }
  const raw = interpolateEnv(document.toJS() ?? {}, [], options.env ?? process.env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const node = document.getIn(issue.path as (string | number)[], true);
      const line = isNode(node) && node.range ? `line ${lineCounter.linePos(node.range[0]).line}, ` : '';
      const value = valueAt(raw, issue.path);
      const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      const hint = hintFor(issue);
      return `${line}${formatPath(issue.path)}: ${issue.message}${shown}${hint ? ` — ${hint}` : ''}`;
    });
    throw new ConfigError(`${configPath} is not valid:\n  - ${lines.join('\n  - ')}`, 'fix the fields above; `retain init` writes a commented example', lines);
  }
  const config = parsed.data;
  return resolveConfig(config, configPath, options.target, document, lineCounter, options.env ?? process.env);
}

function resolveConfig(
  config: RetainConfig,
  configPath: string,
  targetName: string | undefined,
  document?: ReturnType<typeof parseDocument>,
  lineCounter?: LineCounter,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const configDir = dirname(configPath);
  const name = targetName ?? 'default';
  let target: TargetConfig | undefined = name === 'default' ? config.warehouse : config.targets?.[name];
  if (!target) {
    const known = ['default', ...Object.keys(config.targets ?? {})];
    throw new ConfigError(`unknown target "${name}"`, `known targets: ${known.join(', ')} (add more under targets: in ${configPath})`);
  }
  target = { ...target };
  const stateDir = join(configDir, '.retain');
  // a server target has no file: its lock (one retain run at a time per retain.yml) lives in the state folder
  const warehousePath =
    target.type === 'duckdb' ? (isAbsolute(target.path) ? target.path : resolve(configDir, target.path)) : join(stateDir, `${name}.${target.type}`);
  const connection = resolveConnection(target, configDir, warehousePath, env);

  const sources: Partial<Record<SourceName, ResolvedSource>> = {};
  for (const [sourceName, source] of Object.entries(config.sources) as [SourceName, RetainConfig['sources'][SourceName]][]) {
    if (!source) continue;
    if ('table' in source) {
      sources[sourceName] = { table: source.table };
      continue;
    }
    const path = isAbsolute(source.path) ? source.path : resolve(configDir, source.path);
    const extension = extname(path.replace(/\*+$/, '')).toLowerCase();
    const format = source.format ?? (extension === '.csv' || extension === '.tsv' ? 'csv' : extension === '.parquet' ? 'parquet' : undefined);
    if (!format) {
      throw new ConfigError(`sources.${sourceName}.path: cannot tell the format of "${source.path}"`, 'name files *.csv or *.parquet, or add format: csv|parquet');
    }
    if (!/[*?[]/.test(path) && !existsSync(path)) {
      throw new ConfigError(`sources.${sourceName}.path: file not found: ${path}`, `paths are relative to ${configDir}`);
    }
    if (/'/.test(path)) {
      // the path becomes a SQL string literal in dbt; the macro escapes quotes, but a quote in a path is almost always a mistake
      throw new ConfigError(`sources.${sourceName}.path: a path may not contain a single quote: ${path}`);
    }
    sources[sourceName] = { path, format };
  }

  const defaults = dbtProjectVars();
  const columns = defaults.retain_rule_columns;
  const segments = (config.segments ?? null)
    ? config.segments!.map((segment, i) => {
        let when: RuleNode;
        try {
          when = parseRule(segment.when, columns);
        } catch (error) {
          if (error instanceof RuleSyntaxError) {
            const node = document?.getIn(['segments', i, 'when'], true);
            const line = isNode(node) && node.range && lineCounter ? `line ${lineCounter.linePos(node.range[0]).line}, ` : '';
            throw new ConfigError(
              `${configPath}: ${line}segments[${i}].when (${segment.name}): ${error.message} at position ${error.position + 1} in "${segment.when}"`,
              error.hint ?? 'rules look like: r_score >= 4 and f_score >= 4',
            );
          }
          throw error;
        }
        if (segment.name === NO_PROFILING_SEGMENT) {
          throw new ConfigError(
            `${configPath}: segments[${i}].name: ${NO_PROFILING_SEGMENT} is the built-in segment of customers who revoked profiling consent`,
            'choose another name; its strategy is the dbt var retain_no_profiling',
          );
        }
        return { name: segment.name, label: segment.label ?? titleCase(segment.name), is_priority: segment.priority ?? false, when };
      })
    : defaults.retain_segments.map((segment) => ({
        name: segment.name,
        label: segment.label ?? titleCase(segment.name),
        is_priority: segment.is_priority ?? false,
        when: segment.when as RuleNode,
      }));

  const defaultStrategies = new Map(defaults.retain_strategies.map((strategy) => [strategy.segment, strategy]));
  const strategies = segments.map((segment) => {
    const base = defaultStrategies.get(segment.name);
    const override = config.strategies?.[segment.name];
    const merged = { ...(base ?? {}), ...(override ?? {}), segment: segment.name };
    const missing = ['objective', 'core_message', 'primary_channel', 'cadence', 'incentive_type', 'max_incentive_depth_pct', 'human_outreach', 'suppress_paid'].filter(
      (key) => merged[key as keyof typeof merged] === undefined,
    );
    if (missing.length > 0) {
      throw new ConfigError(`strategies.${segment.name}: missing ${missing.join(', ')}`, `segment "${segment.name}" has no default strategy; give every field under strategies.${segment.name}`);
    }
    return merged;
  });
  for (const name of Object.keys(config.strategies ?? {})) {
    if (!segments.some((segment) => segment.name === name)) {
      throw new ConfigError(`strategies.${name}: no segment named "${name}"`, `segments: ${segments.map((s) => s.name).join(', ')}`);
    }
  }

  const destinations = resolveDestinations(config.destinations as Record<string, { type: string } & Record<string, unknown>> | undefined);
  const ruleColumns = { ...columns, ...(defaults as unknown as { retain_profile_rule_columns: Record<string, ColumnType> }).retain_profile_rule_columns, ...CONSENT_RULE_COLUMNS };
  const defaultCost = ({ ...defaults.retain_predictions, ...(config.predictions ?? {}) } as PredictionSettings).cost_per_customer ?? null;
  const audiences = resolveAudiences(config.audiences, destinations, [...segments.map((s) => s.name), NO_PROFILING_SEGMENT], ruleColumns, defaultCost);

  return {
    configPath,
    configDir,
    config,
    destinations,
    audiences,
    targetName: name,
    target,
    warehousePath,
    connection,
    stateDir,
    sources,
    segments,
    strategies,
  };
}

function titleCase(name: string): string {
  const words = name.split('_');
  return words.map((word, i) => (i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word)).join(' ');
}

/** The --vars passed to dbt: everything the models need, from the config and the run's options. */
/** The predictions settings of a run: dbt_project.yml's defaults with retain.yml's predictions: over them. */
export function predictionSettings(resolved: ResolvedConfig): PredictionSettings {
  return { ...dbtProjectVars().retain_predictions, ...(resolved.config.predictions ?? {}) } as PredictionSettings;
}

export function dbtVars(resolved: ResolvedConfig, asOf: string): Record<string, unknown> {
  const { config } = resolved;
  const defaults = dbtProjectVars();
  return {
    retain_as_of: asOf,
    retain_sources: resolved.sources,
    retain_currency: config.currency ?? defaults.retain_currency,
    retain_purchase_statuses: config.purchase_statuses ?? defaults.retain_purchase_statuses,
    retain_refund_statuses: config.refund_statuses ?? defaults.retain_refund_statuses,
    retain_rfm: { ...defaults.retain_rfm, ...(config.rfm ?? {}) },
    retain_segments: resolved.segments,
    retain_strategies: resolved.strategies,
    retain_predictions: predictionSettings(resolved),
    // lifecycle and behavioural layers (issue 3): retain.yml's profile section over the defaults
    ...profileVars(config.profile),
    // activation (issue 5): the audiences whose members audience_members decides
    retain_audiences: audienceVars(resolved.audiences),
    // incremental base tables (issue 7): the late-arrival lookback and the warehouse hints
    retain_incremental_lookback_days: config.incremental?.lookback_days ?? defaults.retain_incremental_lookback_days,
    retain_warehouse_hints: config.incremental?.warehouse_hints ?? defaults.retain_warehouse_hints,
  };
}

/**
 * Commands that still read only a DuckDB file (backtest, signals, privacy) call this first, so a
 * server target gets a plain answer instead of a missing-file error.
 */
export function requireDuckDbTarget(resolved: ResolvedConfig, command: string): void {
  if (resolved.target.type !== 'duckdb') {
    throw new ConfigError(
      `${command} reads duckdb targets only so far; target "${resolved.targetName}" is ${resolved.target.type}`,
      'run it on a duckdb target; retain run, validate, segments, report, sync, lift, doctor and dbt work on every target',
    );
  }
}
