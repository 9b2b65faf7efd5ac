/**
 * The key `auditledge-local --api-key` is started with in the examples' READMEs, so an example
 * runs against the local API with no configuration at all.
 */
export const LOCAL_DEV_API_KEY = 'al_local_example_key';
export const LOCAL_API_URL = 'http://127.0.0.1:4600';

export interface ServerConfig {
  port: number;
  apiKey: string;
  /** Where events go; `undefined` means the hosted API (the client's default). */
  baseUrl: string | undefined;
  /** For the start-up line: the URL events go to. */
  target: string;
}

/**
 * Reads `PORT` (default 3000; 0 picks a free port), `AUDITLEDGE_API_KEY` and `AUDITLEDGE_BASE_URL`.
 * Without a key the app talks to the local API with the development key; with a real key and no
 * base URL, to the hosted API.
 */
export function serverConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid PORT: ${env.PORT}`);
  const apiKey = env.AUDITLEDGE_API_KEY || LOCAL_DEV_API_KEY;
  const baseUrl = env.AUDITLEDGE_BASE_URL || (apiKey === LOCAL_DEV_API_KEY ? LOCAL_API_URL : undefined);
  const target = baseUrl ?? 'https://api.auditledge.com';
  return { port, apiKey, baseUrl, target };
}
