// Types of scripts/ensure-fakesnow.mjs for the TypeScript tests.
export interface FakesnowEnvironment {
  dir: string;
  requirements: string[];
  python: string;
  dbt: string;
}
export interface FakesnowServer {
  host: string;
  port: number;
  protocol: 'http';
  account: string;
  user: string;
  password: string;
  /** dbt of fakesnow's environment (dbt-core and dbt-snowflake as pinned) */
  dbt: string;
  logFile: string;
  stop(): void;
}
export function fakesnowRequirements(): string[];
export function fakesnowEnvironment(): FakesnowEnvironment;
export function ensureFakesnowInstalled(options?: { log?: (line: string) => void }): FakesnowEnvironment;
export function startFakesnow(options?: { log?: (line: string) => void }): Promise<FakesnowServer>;
