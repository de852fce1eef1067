/** Process entry: `node dist/main.js <command>` (the package bin runs this). */
import { main } from './cli.js';

// The CLI never prints a stack: anything that escapes the commands' own handling is one line.
const oneLine = (error: unknown) => {
  console.error(`tokenwatch: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  process.exit(1);
};
process.on('uncaughtException', oneLine);
process.on('unhandledRejection', oneLine);

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
