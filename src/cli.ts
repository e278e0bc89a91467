#!/usr/bin/env node
// tensorloader's command line: audit (does a dataset leak?), pack (preprocess once into a
// packed file), verify (check a packed file's records), index (a wids shard index of tar or
// packed shards). Exit code 2 on usage or input errors.
import { AUDIT_USAGE, auditCommand } from './cli/audit-command.js';
import { UsageError } from './cli/args.js';
import { INDEX_USAGE, indexCommand } from './cli/index-command.js';
import { PACK_USAGE, packCommand } from './cli/pack-command.js';
import { VERIFY_USAGE, verifyCommand } from './cli/verify-command.js';

const USAGE = `usage: ${AUDIT_USAGE}\n       ${PACK_USAGE}\n       ${VERIFY_USAGE}\n       ${INDEX_USAGE}
exit code: 0 ok, 1 leak found (audit) or a corrupt record, header or index (verify), 2 usage or input error`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { audit: auditCommand, pack: packCommand, verify: verifyCommand, index: indexCommand };

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const run = command ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(command ? `unknown command ${command}` : 'no command');
  return run(rest);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      console.error(`tensorloader: ${err.message}\n${USAGE}`);
    } else {
      console.error(`tensorloader: ${err.message}`);
    }
    process.exit(2);
  },
);
