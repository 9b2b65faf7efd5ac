import { AuditLedgeValidationError } from '../errors.js';
import { type ResolvedSpoolOptions, type SpoolOptions, spoolDefaults } from './spool.js';

const POLICIES = new Set(['always', 'interval', 'never']);

/** Applies the spool's defaults and checks each field, naming the one that is wrong. */
export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  if (options === null || typeof options !== 'object') {
    throw new AuditLedgeValidationError('options.spool', 'must be an object with a dir');
  }
  const { dir, maxBytes = spoolDefaults.maxBytes, fsync = spoolDefaults.fsync } = options;
  const fsyncInterval = options.fsyncInterval ?? spoolDefaults.fsyncInterval;
  if (typeof dir !== 'string' || dir === '') {
    throw new AuditLedgeValidationError('options.spool.dir', 'must be a non-empty path');
  }
  if (typeof maxBytes !== 'number' || !Number.isFinite(maxBytes) || maxBytes < 65_536) {
    throw new AuditLedgeValidationError('options.spool.maxBytes', 'must be a number >= 65536');
  }
  if (!POLICIES.has(fsync)) {
    throw new AuditLedgeValidationError('options.spool.fsync', "must be 'always', 'interval' or 'never'");
  }
  if (
    typeof fsyncInterval !== 'number' ||
    !Number.isFinite(fsyncInterval) ||
    fsyncInterval < 1 ||
    fsyncInterval > 2_147_483_647
  ) {
    throw new AuditLedgeValidationError(
      'options.spool.fsyncInterval',
      'must be a number of ms from 1 to 2147483647',
    );
  }
  return { dir, maxBytes, fsync, fsyncInterval };
}
