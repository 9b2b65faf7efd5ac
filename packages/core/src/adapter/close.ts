import { AuditLedgeValidationError } from '../errors.js';
import type { AuditRecorder } from './recorder.js';

/** How long the app's close waits, by default, for the queue of a client the app passed in. */
export const PASSED_CLIENT_FLUSH_MS = 1000;
/** ... and for the shutdown of a client the adapter created (the client's own default). */
export const OWN_CLIENT_SHUTDOWN_MS = 10_000;

/**
 * Validates an adapter's `shutdownTimeout` option (Fastify plugin, NestJS module) at setup.
 *
 * @example
 * const timeout = resolveShutdownTimeout(options.shutdownTimeout); // undefined: the defaults
 */
export function resolveShutdownTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new AuditLedgeValidationError('options.shutdownTimeout', 'must be a number of ms >= 0');
  }
  return value;
}

/**
 * The adapter's part of the app's shutdown (`app.close()`). A client the adapter created is
 * its own to shut down; a client the app passed in is the app's: it only gets a flush, bounded
 * so that a down API cannot hold the app's close (and its own shutdown deadline) hostage.
 * Both keep the process alive until they settle, so it cannot exit inside the app's close and
 * lose what the client still holds; what is undelivered at the bound goes to `onDrop`.
 *
 * @example
 * fastify.addHook('onClose', () => closeClient(recorder, shutdownTimeout));
 */
export async function closeClient(
  recorder: AuditRecorder<never>,
  shutdownTimeout: number | undefined,
): Promise<void> {
  if (recorder.ownsClient) {
    await recorder.client.shutdown({ timeout: shutdownTimeout ?? OWN_CLIENT_SHUTDOWN_MS });
  } else {
    await recorder.client.flush({ timeout: shutdownTimeout ?? PASSED_CLIENT_FLUSH_MS });
  }
}
