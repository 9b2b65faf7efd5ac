import type { ServerResponse } from 'node:http';
import { onResponseClose, RequestAudit } from '@auditledge/core/adapter';
import type { Context } from 'koa';

/** Where the audit state of a request lives on `ctx.res`, for the finish callback to find it. */
export const kAudit = Symbol('auditledge.audit');

export type AuditedResponse = ServerResponse & { [kAudit]?: KoaRequestAudit };

/** The Koa request state: the core handle plus the context it belongs to. */
export class KoaRequestAudit extends RequestAudit {
  constructor(
    readonly ctx: Context,
    private readonly onFinish: (this: ServerResponse) => void,
  ) {
    super();
  }

  override arm(): void {
    if (this.armed) return;
    this.armed = true;
    // On ctx.res, not in the middleware's finally: the final status is only known after Koa's
    // own error handling has answered.
    onResponseClose(this.ctx.res, this.onFinish);
  }
}
