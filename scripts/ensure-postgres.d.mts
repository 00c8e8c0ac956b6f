// Types of scripts/ensure-postgres.mjs for the TypeScript tests.
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
  dir: string;
  bin: string;
  stop(): void;
}
export function findPostgresBin(): string | null;
export function ensurePostgresInstalled(options?: { log?: (line: string) => void }): string;
export function startPostgres(options?: { log?: (line: string) => void }): Promise<PostgresServer>;
