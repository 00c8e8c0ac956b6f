import { Command, CommanderError } from 'commander';
import { packageVersion } from '../src/project.js';
import { backtestCommand } from './backtest.js';
import { dbtCommand } from './dbt.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { generateCommand } from './generate.js';
import { handleError } from './handle-error.js';
import { initCommand } from './init.js';
import { liftCommand } from './lift.js';
import { privacyCommand } from './privacy.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { reportCommand } from './report.js';
import { segmentsCommand } from './segments.js';
import { signalsCommand } from './signals.js';
import { syncCommand } from './sync.js';
import { validateCommand } from './validate.js';

const program = new Command('retain')
  .description('Warehouse-native customer retention: RFM, segments and strategies in your warehouse')
  .version(packageVersion())
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const command of [demoCommand, generateCommand, initCommand, runCommand, segmentsCommand, backtestCommand, validateCommand, reportCommand, signalsCommand, syncCommand, liftCommand, privacyCommand, doctorCommand, dbtCommand, schemaCommand]) {
  command.exitOverride();
  for (const subcommand of command.commands) subcommand.exitOverride();
  program.addCommand(command);
}

const wantsJson = process.argv.includes('--json');
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') process.exit(0);
    process.exit(2);
  }
  handleError(error, wantsJson);
}
