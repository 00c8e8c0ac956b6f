import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dbtVars, loadConfig } from '../src/config/load.js';
import { runDbt, writeDuckDbProfile } from '../src/dbt/runner.js';
import { RetainError } from '../src/errors.js';
import { acquireLock } from '../src/pipeline/lock.js';
import { prepareServerTarget, serverStateDir, todayUtc } from '../src/pipeline/run.js';
import { describeTarget } from '../src/warehouse/target.js';

export const dbtCommand = new Command('dbt')
  .description('Run dbt on the project with the profile and vars of retain.yml: retain dbt -- <dbt args>')
  .option('--target <name>', 'a target from retain.yml')
  .option('-c, --config <path>', 'path to retain.yml')
  .option('--as-of <date>', 'as-of date passed to the models')
  .argument('[args...]', 'arguments for dbt, after --')
  .allowUnknownOption(true)
  .action(async (args: string[], raw: { target?: string; config?: string; asOf?: string }) => {
    const resolved = loadConfig({ config: raw.config, target: raw.target });
    if (args.length === 0) throw new RetainError('usage', 'no dbt arguments given', 'e.g. retain dbt -- test --select customer_profile');
    let profilesDir = join(resolved.stateDir, 'profiles');
    mkdirSync(dirname(resolved.warehousePath), { recursive: true });
    const release = acquireLock(resolved.warehousePath + '.lock', `a retain command on ${describeTarget(resolved.connection)}`);
    try {
      let env: Record<string, string> = {};
      const stateDir = resolved.target.type === 'duckdb' ? resolved.stateDir : serverStateDir(resolved);
      let sources = resolved.sources;
      if (resolved.target.type === 'duckdb') {
        writeDuckDbProfile(profilesDir, resolved.warehousePath, { threads: resolved.target.threads, memoryLimit: resolved.target.memory_limit });
      } else {
        // a server target: its profile, and file sources loaded into tables first
        ({ profilesDir, dbtEnv: env, sources } = await prepareServerTarget(resolved));
      }
      const hasVars = args.includes('--vars');
      const result = await runDbt({
        args,
        profilesDir,
        targetPath: join(stateDir, 'target'),
        logPath: join(stateDir, 'logs'),
        vars: hasVars ? undefined : { ...dbtVars(resolved, raw.asOf ?? resolved.config.as_of ?? todayUtc()), retain_sources: sources },
        passthrough: true,
        env,
      });
      process.exitCode = result.exitCode === 0 ? 0 : 4;
    } finally {
      release();
    }
  });
