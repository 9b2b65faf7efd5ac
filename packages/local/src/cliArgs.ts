import { parseArgs } from 'node:util';
import { isPlan, type Plan } from './plans.js';

/** Where the CLI keeps its database unless `--db` says otherwise. */
export const DEFAULT_DB = './.auditledge/local.db';
export const DEFAULT_PORT = 4600;
export const DEFAULT_HOST = '127.0.0.1';
/** Environment variable read when `--api-key` is absent. */
export const API_KEY_ENV = 'AUDITLEDGE_LOCAL_API_KEY';

export const USAGE = `Usage: auditledge-local [options]

Runs the Auditledge v1 API on a local SQLite file.

Options:
  --port <n>        TCP port, 0 for a free one             (default ${DEFAULT_PORT})
  --host <addr>     interface to listen on                 (default ${DEFAULT_HOST})
  --db <path>       SQLite file, or :memory:               (default ${DEFAULT_DB})
  --api-key <key>   register this key (al_...) for the default account
                    (default: $${API_KEY_ENV}, else a new key every start)
  --plan <plan>     free | starter | growth | pro: plan of the default account
  --no-viewer       do not serve the trail viewer at /
  -v, --version     print the version
  -h, --help        show this help
`;

/** Parsed command line. */
export interface CliOptions {
  port: number;
  host: string;
  db: string;
  apiKey?: string;
  /** Where `apiKey` came from, to say so without printing it. */
  apiKeySource?: '--api-key' | typeof API_KEY_ENV;
  plan?: Plan;
  /** Serve the trail viewer at `/`; `--no-viewer` turns it off. */
  viewer: boolean;
  help: boolean;
  /** `--version`: print the package's version and exit. */
  version: boolean;
}

/** A command line the CLI cannot run; exit status 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * Reads the flags, falling back to the environment for the key.
 *
 * @example
 * parseCliArgs(['--port', '0', '--db', ':memory:'], {}); // { port: 0, host: '127.0.0.1', db: ':memory:', viewer: true, help: false, version: false }
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const port = Number(values.port ?? DEFAULT_PORT);
  if (!/^\d+$/.test(String(values.port ?? DEFAULT_PORT)) || port > 65_535) {
    throw new CliUsageError(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }
  if (values.plan !== undefined && !isPlan(values.plan)) {
    throw new CliUsageError(`--plan must be free, starter, growth or pro, got ${values.plan}`);
  }
  const fromEnv = env[API_KEY_ENV] || undefined;
  const options: CliOptions = {
    port,
    host: values.host ?? DEFAULT_HOST,
    db: values.db ?? DEFAULT_DB,
    viewer: !values['no-viewer'],
    help: values.help ?? false,
    version: values.version ?? false,
  };
  if (values['api-key'] !== undefined) {
    options.apiKey = values['api-key'];
    options.apiKeySource = '--api-key';
  } else if (fromEnv !== undefined) {
    options.apiKey = fromEnv;
    options.apiKeySource = API_KEY_ENV;
  }
  if (values.plan !== undefined) options.plan = values.plan;
  return options;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'api-key': { type: 'string' },
      plan: { type: 'string' },
      'no-viewer': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}
