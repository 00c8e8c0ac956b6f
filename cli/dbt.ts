import { Command } from 'commander';
import { join } from 'node:path';
import { dbtVars, loadConfig } from '../src/config/load.js';
import { runDbt, writeDuckDbProfile } from '../src/dbt/runner.js';
import { RetainError } from '../src/errors.js';
import { acquireLock } from '../src/pipeline/lock.js';
import { todayUtc } from '../src/pipeline/run.js';

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
    const profilesDir = join(resolved.stateDir, 'profiles');
    writeDuckDbProfile(profilesDir, resolved.warehousePath, { threads: resolved.target.threads, memoryLimit: resolved.target.memory_limit });
    const release = acquireLock(resolved.warehousePath + '.lock', `a retain command on ${resolved.warehousePath}`);
    try {
      const hasVars = args.includes('--vars');
      const result = await runDbt({
        args,
        profilesDir,
        targetPath: join(resolved.stateDir, 'target'),
        logPath: join(resolved.stateDir, 'logs'),
        vars: hasVars ? undefined : dbtVars(resolved, raw.asOf ?? resolved.config.as_of ?? todayUtc()),
        passthrough: true,
      });
      process.exitCode = result.exitCode === 0 ? 0 : 4;
    } finally {
      release();
    }
  });
