import { AuditLedge } from '../client.js';
import { AuditLedgeError, AuditLedgeValidationError } from '../errors.js';
import type { ClientOptions, ErrorContext } from '../options.js';
import { sharedAuditTrail, testModeRequested } from '../testing.js';
import { createRedactor, type RedactOption, type Redactor } from './redact.js';
import { type ResolvedSpec, resolveSpec, SPEC_DEFAULTS } from './spec.js';
import type { AuditOptions, StatusFilter } from './types.js';

/** How long async mappers may take when `mapperTimeout` is not given, in ms. */
export const DEFAULT_MAPPER_TIMEOUT = 5000;

/** The methods audited when `methods` is not given. */
export const DEFAULT_METHODS: readonly string[] = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Options after validation and defaults, shared by every request of one middleware or plugin. */
export interface ResolvedAuditOptions<Req> {
  readonly client: AuditLedge;
  /** Whether the adapter created the client (and so may shut it down). */
  readonly ownsClient: boolean;
  /** Upper-case methods audited by default; `undefined` means all. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly isAuditedStatus: (status: number) => boolean;
  readonly redact: Redactor;
  readonly onError: ((error: AuditLedgeError, context: ErrorContext) => void) | undefined;
  readonly spec: ResolvedSpec<Req>;
  /** How long the async mappers of one request may take, in ms. */
  readonly mapperTimeout: number;
  readonly auditFailedLogins: boolean;
}

/**
 * The adapter's own options with their defaults: the one list of their names. `satisfies`
 * makes a new option in `AuditOptions` a compile error here until it has its default, so no
 * adapter option can be mistaken for a client option. Everything else is a client option
 * (`onError` is both: the adapter's, and the client's it creates).
 */
const ADAPTER_DEFAULTS = {
  client: undefined,
  apiKey: undefined,
  methods: DEFAULT_METHODS,
  statuses: undefined,
  redact: undefined,
  mapperTimeout: DEFAULT_MAPPER_TIMEOUT,
  auditFailedLogins: false,
  ...SPEC_DEFAULTS,
} as const satisfies { readonly [K in Exclude<keyof AuditOptions, keyof ClientOptions>]-?: unknown };

const adapterKeys: ReadonlySet<string> = new Set(Object.keys(ADAPTER_DEFAULTS));

/**
 * Validates adapter options and creates the client when none is given. Throws at setup time:
 * `AL_ERR_CONFIG` when there is no client, no `apiKey` and no `AUDITLEDGE_API_KEY`, and
 * `AL_ERR_VALIDATION` naming a wrong option.
 *
 * @example
 * const options = resolveAuditOptions({ client, methods: ['POST', 'DELETE'] });
 */
export function resolveAuditOptions<Req>(options: AuditOptions<Req> | undefined): ResolvedAuditOptions<Req> {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null)
    throw new AuditLedgeValidationError('options', 'must be an object');
  if (o.onError !== undefined && typeof o.onError !== 'function') {
    throw new AuditLedgeValidationError('options.onError', 'must be a function');
  }
  const onError = o.onError;
  const methods = resolveMethods(o.methods);
  const isAuditedStatus = resolveStatuses(o.statuses);
  const redact = resolveRedact(o.redact);
  const spec = resolveSpec(o, 'options');
  const mapperTimeout = resolveMapperTimeout(o.mapperTimeout);
  if (o.auditFailedLogins !== undefined && typeof o.auditFailedLogins !== 'boolean') {
    throw new AuditLedgeValidationError('options.auditFailedLogins', 'must be a boolean');
  }
  const auditFailedLogins = o.auditFailedLogins ?? ADAPTER_DEFAULTS.auditFailedLogins;
  // Last, so a bad option does not leave a client behind.
  const { client, ownsClient } = resolveClient(o, onError);
  return {
    client,
    ownsClient,
    methods,
    isAuditedStatus,
    redact,
    onError,
    spec,
    mapperTimeout,
    auditFailedLogins,
  };
}

function resolveMapperTimeout(value: unknown): number {
  if (value === undefined) return ADAPTER_DEFAULTS.mapperTimeout;
  // setTimeout's own limit: past it, Node fires at once.
  if (typeof value !== 'number' || !(value >= 0 && value <= 2_147_483_647)) {
    throw new AuditLedgeValidationError(
      'options.mapperTimeout',
      'must be a number of ms from 0 to 2147483647',
    );
  }
  return value;
}

function resolveClient<Req>(
  o: AuditOptions<Req>,
  onError: ResolvedAuditOptions<Req>['onError'],
): { client: AuditLedge; ownsClient: boolean } {
  if (o.client !== undefined) {
    const c = o.client as Partial<AuditLedge> | null;
    if (c === null || typeof c !== 'object' || typeof c.enqueue !== 'function') {
      throw new AuditLedgeValidationError('options.client', 'must be an AuditLedge client');
    }
    if (o.apiKey !== undefined) {
      throw new AuditLedgeError(
        'AL_ERR_CONFIG',
        'Pass either `client` or `apiKey` to the audit middleware, not both',
      );
    }
    // `auditMiddleware({ client, logger })` would silently drop `logger`: the client is built already.
    const stray = Object.keys(o).filter(
      (key) =>
        !adapterKeys.has(key) && key !== 'onError' && (o as Record<string, unknown>)[key] !== undefined,
    );
    if (stray.length > 0) {
      const names = stray.map((key) => `\`${key}\``).join(', ');
      throw new AuditLedgeError(
        'AL_ERR_CONFIG',
        `${names} ${stray.length === 1 ? 'is a client option' : 'are client options'}, ignored next to \`client\`: ` +
          `give ${stray.length === 1 ? 'it' : 'them'} to the client you pass (new AuditLedge(apiKey, { ${stray.join(', ')} })), ` +
          'or pass them here without `client`',
      );
    }
    return { client: o.client, ownsClient: false };
  }
  // AUDITLEDGE_TEST=1: an app's own test suite runs unchanged, with no key and no network, and
  // asserts on the shared in-memory trail. The trail outlives any one app: not ours to shut down.
  if (testModeRequested()) return { client: sharedAuditTrail().client, ownsClient: false };
  const clientOptions: ClientOptions = {};
  for (const key of Object.keys(o)) {
    if (!adapterKeys.has(key))
      (clientOptions as Record<string, unknown>)[key] = (o as Record<string, unknown>)[key];
  }
  // The adapter's onError also receives the delivery failures of the client it creates.
  if (onError !== undefined) clientOptions.onError = onError;
  return { client: new AuditLedge(o.apiKey, clientOptions), ownsClient: true };
}

function resolveMethods(methods: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (methods === undefined) return new Set(ADAPTER_DEFAULTS.methods);
  if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string')) {
    throw new AuditLedgeValidationError('options.methods', 'must be an array of HTTP methods');
  }
  const set = new Set(methods.map((m) => m.toUpperCase()));
  return set.has('*') ? undefined : set;
}

function resolveStatuses(statuses: StatusFilter | undefined): (status: number) => boolean {
  if (statuses === undefined) return isSuccess;
  if (typeof statuses === 'function') return statuses;
  if (!Array.isArray(statuses)) {
    throw new AuditLedgeValidationError('options.statuses', 'must be an array of statuses or a predicate');
  }
  const exact = new Set<number>();
  const predicates: ((status: number) => boolean)[] = [];
  for (const item of statuses) {
    if (typeof item === 'number') exact.add(item);
    else if (typeof item === 'function') predicates.push(item);
    else throw new AuditLedgeValidationError('options.statuses', 'must hold numbers and/or predicates');
  }
  return function isAuditedStatus(status) {
    if (exact.has(status)) return true;
    for (const predicate of predicates) if (predicate(status)) return true;
    return false;
  };
}

function resolveRedact(redact: RedactOption | undefined): Redactor {
  const valid =
    redact === undefined ||
    redact === false ||
    Array.isArray(redact) ||
    (typeof redact === 'object' &&
      redact !== null &&
      Array.isArray((redact as { keys?: unknown }).keys) &&
      ['undefined', 'boolean'].includes(typeof (redact as { defaults?: unknown }).defaults));
  if (!valid) {
    throw new AuditLedgeValidationError(
      'options.redact',
      'must be an array of keys, { keys, defaults: false } to replace the defaults, or false',
    );
  }
  return createRedactor(redact);
}

function isSuccess(status: number): boolean {
  return status < 400;
}
