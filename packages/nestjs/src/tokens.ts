/**
 * The `AuditLedge` client of `AuditLedgeModule`, as an injection token: `@InjectAuditLedge()`.
 * A registered symbol, so two copies of this package (an ESM and a CJS one) name the same provider.
 */
export const AUDITLEDGE_CLIENT: unique symbol = Symbol.for('auditledge.nestjs.client');

/** The options given to `forRoot()` / made by `forRootAsync()`'s factory. */
export const AUDITLEDGE_OPTIONS: unique symbol = Symbol.for('auditledge.nestjs.options');

/** The module's `NestRecorder`. */
export const kRecorder: unique symbol = Symbol.for('auditledge.nestjs.recorder');

/** Where `@Audit()` and `@SkipAudit()` keep a route's (or a controller's) validated declaration. */
export const kRouteSpec = 'auditledge:route-spec';
