// Types of scripts/ensure-bigquery-emulator.mjs for the TypeScript tests.
export interface BigQueryEmulator {
  apiEndpoint: string;
  project: string;
  port: number;
  pid: number | undefined;
  stop(): void;
}
export const EMULATOR_VERSION: string;
export function cacheDir(): string;
export function emulatorPath(): string;
export function ensureEmulatorBuilt(): Promise<string>;
export function ensureDbtBigQuery(): Promise<string>;
export function startBigQueryEmulator(options?: { project?: string }): Promise<BigQueryEmulator>;
