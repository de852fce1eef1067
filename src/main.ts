/** Process entry: `node dist/main.js <command>` (the package bin runs this). */
import { main } from './cli.js';

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
